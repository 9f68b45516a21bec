"""The fault catalogue is the sum of its family modules: none left out, no name twice."""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter
from types import ModuleType

from genviral_contract.refapi import faults
from genviral_contract.refapi.faults import FAULTS, Fault

# The one module of the package that holds no faults: the type and the blocks.
NOT_A_FAMILY = {"fault"}


def _family_modules() -> list[ModuleType]:
    """Every module of the faults package but the blocks, found on disk rather than in
    FAMILIES, so a family that was written but never listed shows up here."""
    names = sorted(info.name for info in pkgutil.iter_modules(faults.__path__) if info.name not in NOT_A_FAMILY)
    return [importlib.import_module(f"{faults.__name__}.{name}") for name in names]


def test_every_family_module_is_listed_and_holds_faults() -> None:
    modules = _family_modules()
    assert {module.__name__ for module in modules} == {family.__name__ for family in faults.FAMILIES}
    for module in modules:
        assert module.FAULTS, module.__name__
        assert all(isinstance(fault, Fault) for fault in module.FAULTS), module.__name__


def test_every_family_fault_is_in_the_catalogue_under_its_name() -> None:
    for module in _family_modules():
        for fault in module.FAULTS:
            assert FAULTS.get(fault.name) is fault, f"{module.__name__}: {fault.name}"


def test_no_fault_name_repeats_across_families() -> None:
    names = Counter(fault.name for module in _family_modules() for fault in module.FAULTS)
    assert [name for name, count in names.items() if count > 1] == []
    assert len(FAULTS) == sum(names.values())
