"""The two twins as objects, and conversion between their representations.

``TWINS["pure"].module("activations")`` is ``pure.activations``; the same call on
``TWINS["vectorized"]`` gives ``vectorized.activations``. Code that must run the
same computation in either twin (the registry, the tests, the CLI) goes through
here, and converts inputs with :func:`to_pure` and :func:`to_numpy`.
"""

import importlib

import numpy as np

MODULES = ("rng", "linalg", "layers", "conv", "normalization", "attention", "activations", "losses", "optimizers", "data", "network")


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
    if isinstance(value, list):
        return [to_pure(v) for v in value]
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


def _is_structure(value):
    """Tuples, dicts, and lists that hold dicts or None are structures; other lists are arrays."""
    if isinstance(value, (tuple, dict)):
        return True
    return isinstance(value, list) and any(isinstance(v, dict) or v is None for v in value)


def leaves(value, path=()):
    """(path, leaf) pairs of a result, in a fixed order."""
    if isinstance(value, dict):
        for key in sorted(value):
            yield from leaves(value[key], path + (key,))
    elif _is_structure(value):
        for i, item in enumerate(value):
            yield from leaves(item, path + (i,))
    else:
        yield path, value


def map_leaves(function, value):
    """The same structure with ``function`` applied to every leaf."""
    if isinstance(value, dict):
        return {key: map_leaves(function, item) for key, item in value.items()}
    if _is_structure(value):
        mapped = [map_leaves(function, item) for item in value]
        return tuple(mapped) if isinstance(value, tuple) else mapped
    return function(value)


TWINS = {
    "pure": Twin("pure", to_pure),
    # The strategies already draw NumPy arrays: the vectorized twin takes them as they are.
    "vectorized": Twin("vectorized", lambda value: value),
}
