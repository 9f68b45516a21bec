"""The HAR 1.2 JSON Schema kept with the tests (tests/data/har.schema.json, written from the
HAR 1.2 specification), and the check every HAR file a test gets is held to."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

HAR_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "har.schema.json"


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads(HAR_SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def har_errors(document: Any) -> list[str]:
    """Where ``document`` is not HAR 1.2, one line each (none: it is)."""
    return [f"{error.json_path}: {error.message}" for error in _validator().iter_errors(document)]


def har_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.har"))
