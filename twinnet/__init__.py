"""twinnet: neural networks from scratch, written twice.

``pure`` holds every operation as plain loops over lists, ``vectorized`` the same
operations in NumPy. This package ties them together:

- :mod:`twinnet.contract`: what makes the twins the same operations: the
  registry of twin pairs, their tolerances, the Hypothesis strategies, and the
  agreement and gradient checks that the tests are generated from.
- One module per command of ``twinnet``, named after it: :mod:`~twinnet.list`,
  :mod:`~twinnet.train`, :mod:`~twinnet.data`, :mod:`~twinnet.predict`, :mod:`~twinnet.show`,
  :mod:`~twinnet.check`, :mod:`~twinnet.grade`, :mod:`~twinnet.exercise`, :mod:`~twinnet.docs`,
  :mod:`~twinnet.notebook`, :mod:`~twinnet.site`, :mod:`~twinnet.bench`; :mod:`twinnet.cli` parses the
  arguments and calls the command's ``command(args)``.
- :mod:`twinnet.testing`: the public oracle API, for your own tests; :mod:`twinnet.results`: a
  check's verdict as JSON, Gradescope's results.json and JUnit XML, for course tools.
- ``twinnet.show("softmax")``: both twins of one operation, as text in a
  terminal and as a side-by-side table in a notebook (:func:`twinnet.show.view`).
"""

__version__ = "0.1.0"


class UsageError(Exception):
    """A command's input that cannot work: ``twinnet`` reports it in one line, without a traceback."""


def __getattr__(name):
    """``twinnet.show`` imported on first use, so that ``import twinnet; twinnet.show("softmax")`` works (the
    module is callable) while ``import twinnet`` alone stays light."""
    if name == "show":
        import importlib

        return importlib.import_module("twinnet.show")
    raise AttributeError(f"module 'twinnet' has no attribute {name!r}")
