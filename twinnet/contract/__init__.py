"""The contract between the twins: what makes ``pure`` and ``vectorized`` the same operations.

Everything that must cover every operation is driven from here, and nothing
here prints or parses a flag:

- :mod:`~twinnet.contract.twins`: the two twins as objects, and conversion between lists and arrays.
- :mod:`~twinnet.contract.registry`: the table, one entry per operation in both twins.
- :mod:`~twinnet.contract.tolerances`: how far apart the twins may be, per operation (the "scale" of each result).
- :mod:`~twinnet.contract.adapters`: how to call an operation for the uniform checks: what each
  ``*_backward`` is the gradient of, and how the operations that touch files run in both twins.
- :mod:`~twinnet.contract.strategies`: Hypothesis strategies for every operation's inputs.
- :mod:`~twinnet.contract.agreement`: run one operation in both twins and compare the results.
- :mod:`~twinnet.contract.gradcheck`: check a ``*_backward`` against central differences.

The tests, ``twinnet check`` and :mod:`twinnet.testing` are built on these.
"""
