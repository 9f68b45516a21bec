"""schemathesis' configuration the shipped suite reads, checked on the schemathesis installed.

The OpenAPI test asks the undeclared methods schemathesis' coverage phase will try all at
once, as it meets the first of them (suite/live/test_openapi.py); it finds them in
schemathesis' configuration, which has no documented handle. A release that moves it would
leave the suite correct but slower, one round trip per method: this says so in one line.
"""

from __future__ import annotations

import pytest
import schemathesis

from genviral_contract.contract.schemas import schema_dir
from genviral_contract.suite.live.test_openapi import _undeclared


def test_the_coverage_phase_s_undeclared_methods_are_found() -> None:
    operation = schemathesis.openapi.from_path(schema_dir() / "openapi.yaml")["/accounts"]["GET"]
    found = _undeclared(operation.Case(method="TRACE"))
    if not found:
        pytest.fail(
            f"schemathesis {schemathesis.__version__} keeps its undeclared methods elsewhere: "
            "the OpenAPI test (suite/live/test_openapi.py) asks them one at a time",
            pytrace=False,
        )
    assert "GET" not in found and {"POST", "DELETE", "TRACE"} <= set(found)
