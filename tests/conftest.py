"""Fixtures, options and Hypothesis profiles live in the pytest plugin, genviral_contract.plugin.

It is registered through the ``pytest11`` entry point, so this file stays empty on purpose.
"""
