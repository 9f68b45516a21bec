"""ACC-CAPABILITIES-SETTINGS-SCHEMA: an account's ``capabilities.settings_schema`` is itself a
JSON Schema, as its dialect's metaschema says.

Clients render the provider's settings form from it: one the metaschema refuses breaks each
of them. The dialect is the schema's ``$schema`` (draft 2020-12 when it names none); one no
validator knows is refused too, as JSON Schema 2020-12 Core §8.1.1 has an implementation
refuse a dialect it does not understand. jsonschema's ``check_schema`` does the checking,
with the metaschemas it ships (nothing is fetched).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for

from genviral_contract.contract.findings import Violation, render_value

RULE = "ACC-CAPABILITIES-SETTINGS-SCHEMA"
_EXPECTED = "a JSON Schema its dialect's metaschema accepts ({})"


def settings_schema_violations(accounts: Iterable[tuple[int, dict[str, Any]]]) -> list[Violation]:
    """The violations of every account's settings_schema, where it has one."""
    found = []
    for i, account in accounts:
        capabilities = account.get("capabilities")
        if not isinstance(capabilities, dict) or "settings_schema" not in capabilities:
            continue
        schema = capabilities["settings_schema"]
        try:
            # Accounts of one provider share one schema: each distinct text is checked once.
            problem = _problem(json.dumps(schema, sort_keys=True))
        except (TypeError, ValueError):  # not JSON-serialisable: cannot come from a JSON body
            problem = ("an object or a boolean", render_value(schema))
        if problem is not None:
            expected, shown = problem
            found.append(Violation(RULE, f"$.data.accounts[{i}].capabilities.settings_schema", expected, shown))
    return found


@lru_cache(maxsize=256)
def _problem(text: str) -> tuple[str, str] | None:
    """(expected, found) for a schema its metaschema refuses, else None."""
    schema = json.loads(text)
    if isinstance(schema, bool):
        return None  # true and false are schemas (2020-12 Core §4.3.2)
    if not isinstance(schema, dict):
        return "a JSON Schema: an object or a boolean", render_value(schema)
    dialect = schema.get("$schema")
    validator: Any = Draft202012Validator
    if isinstance(dialect, str):
        validator = validator_for(schema, default=None)  # type: ignore[arg-type]
        if validator is None:
            return (
                "a $schema naming a dialect a client knows (draft 3, 4, 6, 7, 2019-09 or 2020-12)",
                render_value(dialect),
            )
    name = render_value(dialect) if isinstance(dialect, str) else "draft 2020-12"
    try:
        validator.check_schema(schema)
    except SchemaError as exc:
        where = exc.json_path.removeprefix("$")
        return _EXPECTED.format(name), f"{exc.message} (at {where or 'the top'} of the schema)"
    return None
