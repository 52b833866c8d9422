"""twinnet: neural networks from scratch, written twice.

``pure`` holds every operation as plain loops over lists, ``vectorized`` the same
operations in NumPy. This package ties them together:

- :mod:`twinnet.contract`: what makes the twins the same operations: the
  registry of twin pairs, their tolerances, the Hypothesis strategies, and the
  agreement and gradient checks that the tests are generated from.
- One module per command of ``twinnet``, named after it: :mod:`~twinnet.list`,
  :mod:`~twinnet.train`, :mod:`~twinnet.data`, :mod:`~twinnet.show`,
  :mod:`~twinnet.check`, :mod:`~twinnet.exercise`, :mod:`~twinnet.docs`,
  :mod:`~twinnet.bench`; :mod:`twinnet.cli` parses the arguments and calls the
  command's ``command(args)``.
- :mod:`twinnet.testing`: the public oracle API, for your own tests.
"""

__version__ = "0.1.0"


class UsageError(Exception):
    """A command's input that cannot work: ``twinnet`` reports it in one line, without a traceback."""
