"""``twinnet list``: every operation that exists in both twins, grouped by module."""

from twinnet.contract import registry
from twinnet.contract.twins import MODULES


def command(args):
    """Print every registered operation with the first line of its docstring, module by module."""
    for module_name in MODULES:
        operations = registry.by_module(module_name)
        print(f"{module_name} ({len(operations)})")
        for operation in operations:
            summary = (operation.pure.__doc__ or "").strip().splitlines()[0]
            print(f"  {operation.name:<36} {summary}")
    print(f"{len(registry.OPERATIONS)} operations, each in pure/ and vectorized/")
    return 0
