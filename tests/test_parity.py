"""The twins match: same public functions, same order, same signatures and docstrings, all registered."""

import ast
import inspect

import pytest

from twinnet.contract import registry
from twinnet.contract.twins import MODULES, TWINS


def public_functions(module):
    """The module's own public functions, in the order they are written."""
    source = inspect.getsource(module)
    names = [node.name for node in ast.parse(source).body
             if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]
    return [getattr(module, name) for name in names]


@pytest.mark.parametrize("module_name", MODULES)
def test_same_functions_in_the_same_order(module_name):
    pure_names = [f.__name__ for f in public_functions(TWINS["pure"].module(module_name))]
    vectorized_names = [f.__name__ for f in public_functions(TWINS["vectorized"].module(module_name))]
    assert pure_names == vectorized_names


@pytest.mark.parametrize("module_name", MODULES)
def test_same_signatures_and_docstrings(module_name):
    vectorized_module = TWINS["vectorized"].module(module_name)
    for pure_function in public_functions(TWINS["pure"].module(module_name)):
        twin = getattr(vectorized_module, pure_function.__name__)
        assert inspect.signature(pure_function) == inspect.signature(twin), pure_function.__name__
        assert pure_function.__doc__, f"{module_name}.{pure_function.__name__} has no docstring"
        assert inspect.getdoc(pure_function) == inspect.getdoc(twin), pure_function.__name__


@pytest.mark.parametrize("module_name", MODULES)
def test_every_pair_is_registered_in_module_order(module_name):
    written = [f.__name__ for f in public_functions(TWINS["pure"].module(module_name))]
    registered = [op.name for op in registry.by_module(module_name)]
    assert registered == written


def test_every_registered_operation_exists_in_both_twins():
    for operation in registry.OPERATIONS:
        assert callable(operation.pure) and callable(operation.vectorized), operation.name
        assert operation.pure.__module__ == f"pure.{operation.module}"
        assert operation.vectorized.__module__ == f"vectorized.{operation.module}"


def test_registry_names_are_unique():
    names = [op.name for op in registry.OPERATIONS]
    assert len(names) == len(set(names))
