"""pytest registers the package ``genviral_contract.plugin`` and finds hooks and fixtures
among its names only: a hook or fixture a module of it defines and the package does not
import would never run."""

from __future__ import annotations

import importlib
import pkgutil

import genviral_contract.plugin as plugin


def test_every_hook_and_fixture_of_the_plugins_modules_is_the_packages() -> None:
    missing = []
    for info in pkgutil.iter_modules(plugin.__path__):
        module = importlib.import_module(f"{plugin.__name__}.{info.name}")
        for name, value in vars(module).items():
            defined_here = getattr(value, "__module__", None) == module.__name__
            hook = name.startswith("pytest_") and callable(value)
            fixture = info.name == "fixtures" and callable(value) and not name.startswith("_")
            if defined_here and (hook or fixture) and getattr(plugin, name, None) is not value:
                missing.append(f"{info.name}.{name}")
    assert not missing, f"defined in the plugin's modules, not imported by its __init__.py: {missing}"
    assert set(plugin.__all__) <= set(vars(plugin))
