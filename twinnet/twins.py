"""The two twins as objects, and conversion between their representations.

``TWINS["pure"].module("activations")`` is ``pure.activations``; the same call on
``TWINS["vectorized"]`` gives ``vectorized.activations``. Code that must run the
same computation in either twin (the registry, the tests, the CLI) goes through
here, and converts inputs with :func:`to_pure` and :func:`to_numpy`.
"""

import importlib

import numpy as np

MODULES = ("linalg", "layers", "activations", "losses")


class Twin:
    """One implementation of twinnet: ``pure`` (lists and loops) or ``vectorized`` (NumPy)."""

    def __init__(self, name, convert):
        self.name = name
        self.convert = convert

    def module(self, module_name):
        return importlib.import_module(f"{self.name}.{module_name}")

    def function(self, module_name, function_name):
        return getattr(self.module(module_name), function_name)

    def __getattr__(self, module_name):
        # twin.activations.softmax reads like the import it stands for.
        if module_name in MODULES:
            return self.module(module_name)
        raise AttributeError(module_name)

    def __repr__(self):
        return f"Twin({self.name!r})"


def to_pure(value):
    """Arrays become nested lists of Python floats (or ints); tuples and dicts are mapped."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(to_pure(v) for v in value)
    if isinstance(value, dict):
        return {k: to_pure(v) for k, v in value.items()}
    return value


def to_numpy(value):
    """Lists become ndarrays; tuples and dicts are mapped; numbers stay numbers."""
    if isinstance(value, list):
        return np.asarray(value)
    if isinstance(value, tuple):
        return tuple(to_numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    return value


TWINS = {
    "pure": Twin("pure", to_pure),
    "vectorized": Twin("vectorized", to_numpy),
}
