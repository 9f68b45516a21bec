"""The case files of tests/data/cases as frozen, typed cases with ids built from the data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from genviral_contract.contract.revision import Contract

DATA = Path(__file__).resolve().parents[1] / "data"
CASE_DIR = DATA / "cases"
CASE_SCHEMA = DATA / "case.schema.json"

_ABSENT = object()


@dataclass(frozen=True)
class Case:
    file: str
    group: str
    description: str
    status: int
    key_scope: str | None
    valid: bool
    rules: tuple[str, ...]
    notes: tuple[str, ...] = ()
    content_type: str | None = None
    credential: str | None = None
    expected: dict[str, str] = field(default_factory=dict)
    body: Any = _ABSENT
    raw: str | None = None
    encoding: str = "utf-8"
    paths: tuple[str, ...] = ()
    # Response headers (a field on several lines joined, as the client joins them) and the
    # request's as sent; None when the case does not say.
    headers: dict[str, str] | None = None
    request_headers: dict[str, str] | None = None
    # The contract revision judged by, and the enum values a policy adds.
    revision: int = 2
    extensions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def contract(self) -> Contract:
        return Contract.of(self.revision, dict(self.extensions))

    @property
    def id(self) -> str:
        return f"{self.file}/{self.group}/{self.description}"

    @property
    def text(self) -> str:
        """The body as it would come over the wire."""
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body, ensure_ascii=False)

    @property
    def wire(self) -> bytes:
        """The bytes that came over the wire."""
        return self.text.encode(self.encoding)

    @property
    def has_body(self) -> bool:
        return self.body is not _ABSENT


def case_files() -> list[Path]:
    return sorted(CASE_DIR.glob("*.json"))


@cache
def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def cases() -> tuple[Case, ...]:
    found = []
    for path in case_files():
        for group in load(path):
            for test in group["tests"]:
                found.append(
                    Case(
                        file=path.stem,
                        group=group["description"],
                        description=test["description"],
                        status=test["status"],
                        key_scope=test["key_scope"],
                        valid=test["valid"],
                        rules=tuple(test["rules"]),
                        notes=tuple(test.get("notes", ())),
                        content_type=test.get("content_type"),
                        credential=test.get("credential"),
                        expected=dict(test.get("expected", {})),
                        body=test.get("body", _ABSENT),
                        raw=test.get("raw"),
                        encoding=test.get("encoding", "utf-8"),
                        paths=tuple(test.get("paths", ())),
                        headers=_joined(test["headers"]) if "headers" in test else None,
                        request_headers=test.get("request_headers"),
                        revision=test.get("revision", 2),
                        extensions=tuple((k, tuple(v)) for k, v in test.get("extensions", {}).items()),
                    )
                )
    return tuple(found)


def _joined(headers: dict[str, str | list[str]]) -> dict[str, str]:
    return {name: value if isinstance(value, str) else ", ".join(value) for name, value in headers.items()}
