"""The contract as schemathesis checks.

Importing this module registers ``genviral_contract_rules`` with schemathesis, so that
its generated requests are judged by the same rules as the suite's own. Outside pytest:
``SCHEMATHESIS_HOOKS=genviral_contract.st_checks st run schemas/openapi.yaml --url ...``.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from genviral_contract.contract.verdict import judge_raw
from genviral_contract.credentials.secret import Secret


def _verdict_error(response: Any, key_scope: str | None, credential: Secret | None) -> None:
    content_type = response.headers.get("content-type")
    if isinstance(content_type, list):  # schemathesis keeps header values as lists
        content_type = content_type[0] if content_type else None
    headers = {name: ", ".join(v) if isinstance(v, list) else str(v) for name, v in response.headers.items()}
    verdict = judge_raw(
        response.status_code,
        response.content,
        content_type=content_type,
        key_scope=key_scope,
        credential=credential,
        headers=headers,
    )
    if verdict.violations:
        raise AssertionError("\n".join(str(v) for v in verdict.violations))


@schemathesis.check
def genviral_contract_rules(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every single-response rule of the Genviral contract (envelope, payload, scope consistency)."""
    _verdict_error(response, None, None)
    return None


def scope_rules(key_scope: str | None, credential: Secret | None) -> Any:
    """A check that also knows the key's scope and the credential presented (not registered)."""

    def genviral_scope_rules(ctx: Any, response: Any, case: Any) -> bool | None:
        _verdict_error(response, key_scope, credential)
        return None

    return genviral_scope_rules
