"""Loads the suite's pytest plugin, for this repository's runs only.

The plugin sets hypothesis profiles, reads GENVIRAL_* settings and starts a target: that is
wanted here and nowhere else, so it is not a ``pytest11`` entry point (which would act in
every pytest run of the environment it is installed in). Another project that wants the
suite loads it the same way: ``pytest_plugins = ["genviral_contract.plugin"]`` in its
top-level conftest.py, or ``pytest -p genviral_contract.plugin``.
"""

pytest_plugins = ["genviral_contract.plugin", "pytester"]
