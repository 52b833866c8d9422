"""twinnet: neural networks from scratch, written twice.

``pure`` holds every operation as plain loops over lists, ``vectorized`` the same
operations in NumPy. This package ties them together: the registry of twin pairs
(:mod:`twinnet.registry`), the checks that keep them honest
(:mod:`twinnet.agreement`, :mod:`twinnet.gradcheck`) and the command line.
"""

__version__ = "0.1.0"
