"""The policy a team owns: ``genviral-contract.toml`` in the run's root folder, or ``--policy PATH``.

TOML, since the team's repository may not be a Python project. It says which contract
revision the team holds the API to, which values it adds to the closed enums, and which
broken rules it has accepted until when (see docs/policy.md). It is read and checked whole
before the run sends a request: anything wrong in it is one :class:`PolicyError` line that
names the file, the line and the field. No key is ever read from it: a key-shaped value
is masked wherever an error quotes one.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from genviral_contract.contract import rules
from genviral_contract.contract.findings import render_value
from genviral_contract.contract.revision import EXTENSIBLE, POLICY_FILE, REVISIONS, TOKEN, Contract
from genviral_contract.contract.schemas import ACCOUNT, enum
from genviral_contract.contract.waivers import Waiver
from genviral_contract.credentials.masking import mask

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_TOP = ("revision", "enums", "waiver")
_WAIVER = ("rule", "until", "reason", "owner", "link", "path", "found", "key")
# A waiver's key role: the roles the suite knows (config/settings.py's ROLES).
_CREDENTIAL = re.compile("key|secret|token|password", re.IGNORECASE)
_ROLES = ("workspace", "personal", "empty", "unsubscribed", "scheduler", "failing")


class PolicyError(ValueError):
    """The policy cannot be used; the message names the file, the line and the field."""


@dataclass(frozen=True)
class Policy:
    path: str  # as the reports show it
    sha256: str  # of the file's bytes: a green run traces to exactly what was accepted
    revision: int | None = None
    extensions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()

    def contract(self, revision: int) -> Contract:
        return Contract.of(revision, self.extensions)

    def line(self) -> str:
        """The policy in one line: where it is and its digest."""
        return f"{self.path} (sha256:{self.sha256[:12]})"


def find(root: Path, given: str | None, name: str = "--policy") -> Path | None:
    """The policy file of a run: ``given`` (the option or variable named ``name``), else
    genviral-contract.toml in ``root`` when there is one."""
    if given is not None:
        return Path(given)
    default = root / POLICY_FILE
    return default if default.is_file() else None


def load(path: Path, shown: str | None = None) -> Policy:
    """Read and check the policy at ``path`` (``shown``: how messages name it)."""
    label = shown or str(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise PolicyError(f"{label}: is a folder, not a policy file") from None
    except OSError as exc:
        raise PolicyError(f"{label}: cannot read the policy: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise PolicyError(f"{label}:{line}: not UTF-8 (byte {exc.start}), as TOML must be") from None
    lines = Lines(text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(_syntax(label, str(exc), lines)) from None
    checker = _Checker(label, lines)
    return checker.policy(doc, hashlib.sha256(raw).hexdigest())


def _syntax(label: str, message: str, lines: Lines) -> str:
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if found is None:
        # "(at end of document)": something left open; named by the last key before the end.
        reason = re.sub(r"\s*\(at end of document\)", "", message).strip() + " at the end of the file"
        line, key = lines.last_key()
        return f"{label}:{line}: {key}: not TOML: {reason}" if key else f"{label}: not TOML: {reason}"
    reason = message[: found.start()].strip()
    line = int(found[1])
    key = lines.key_at(line)
    return f"{label}:{line}: " + (f"{key}: " if key else "") + f"not TOML: {reason} (column {found[2]})"


class Lines:
    """Where each key of a TOML text is defined, by its path (``("waiver", 2, "rule")``).

    tomllib gives values without their lines; a policy error names the line, so this reads
    the text again, line by line: table headers, ``key =`` lines, and the multi-line strings
    and arrays whose lines hold no key.
    """

    _HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)\s*=")

    def __init__(self, text: str) -> None:
        self.at: dict[tuple[Any, ...], int] = {}
        self._keys: dict[int, str] = {}
        table: tuple[Any, ...] = ()
        counts: dict[str, int] = {}
        closing: str | None = None  # the delimiter of the multi-line string a line is inside
        depth = 0  # brackets of a multi-line array still open
        for number, line in enumerate(text.splitlines(), 1):
            if closing is not None:
                if closing in line:
                    closing = None
                continue
            if depth > 0:
                depth += _brackets(line)
                continue
            header = self._HEADER.match(line)
            if header and not self._KEY.match(line):
                name = header[2].strip().strip("\"'")
                if header[1] == "[[":
                    counts[name] = counts.get(name, 0) + 1
                    table = (name, counts[name])
                else:
                    table = (name,)
                self.at.setdefault(table, number)
                continue
            key = self._KEY.match(line)
            if key is None:
                continue
            name = key[1].strip("\"'")
            self.at.setdefault((*table, name), number)
            self._keys[number] = _field((*table, name))
            rest = line[key.end() :]
            for delimiter in ('"""', "'''"):
                if rest.count(delimiter) % 2 == 1:
                    closing = delimiter
            depth = max(_brackets(rest), 0)

    def of(self, *path: Any) -> int | None:
        """The line of ``path``, else of the closest table that holds it."""
        while path:
            if path in self.at:
                return self.at[path]
            path = path[:-1]
        return None

    def key_at(self, line: int) -> str | None:
        return self._keys.get(line)

    def last_key(self) -> tuple[int, str | None]:
        """The line of the last key of the text, and its field (0, None: no key)."""
        if not self._keys:
            return 0, None
        line = max(self._keys)
        return line, self._keys[line]


def _brackets(text: str) -> int:
    """Opened minus closed brackets in ``text``, outside its strings and comment."""
    text = re.sub(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'", "", text).split("#", 1)[0]
    return text.count("[") - text.count("]")


def _field(path: tuple[Any, ...]) -> str:
    """How a message names a field: ``revision``, ``enums.platform``, ``waiver[2].rule``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _quoted(value: Any) -> str:
    """A value as a message quotes it: short, and never a key."""
    text = render_value(value, limit=60) if not isinstance(value, (date, datetime)) else value.isoformat()
    return mask(text)


class _Checker:
    def __init__(self, label: str, lines: Lines) -> None:
        self.label = label
        self.lines = lines

    def error(self, path: tuple[Any, ...], message: str) -> PolicyError:
        line = self.lines.of(*path)
        where = f"{self.label}:{line}" if line is not None else self.label
        return PolicyError(f"{where}: {_field(path)}: {message}" if path else f"{where}: {message}")

    def unknown(self, path: tuple[Any, ...], name: str, known: tuple[str, ...]) -> PolicyError:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        if _CREDENTIAL.search(name):
            hint = " (API keys are never read from the policy: set them in GENVIRAL_*_API_KEY)"
        return self.error((*path, name), f"unknown key{hint}; known keys here: {', '.join(known)}")

    def policy(self, doc: dict[str, Any], digest: str) -> Policy:
        for name in doc:
            if name not in _TOP:
                raise self.unknown((), name, _TOP)
        revision = self.revision(doc["revision"]) if "revision" in doc else None
        extensions = self.enums(doc["enums"]) if "enums" in doc else {}
        waivers = doc.get("waiver", [])
        if not isinstance(waivers, list):
            raise self.error(("waiver",), "an array of tables: write each waiver under its own [[waiver]] header")
        found = tuple(self.waiver(number, entry) for number, entry in enumerate(waivers, 1))
        return Policy(self.label, digest, revision, extensions, found)

    def revision(self, value: Any) -> int:
        if isinstance(value, bool) or value not in REVISIONS:
            allowed = " or ".join(map(str, REVISIONS))
            raise self.error(("revision",), f"{_quoted(value)} is not a contract revision ({allowed}, a bare number)")
        return int(value)

    def enums(self, table: Any) -> dict[str, tuple[str, ...]]:
        if not isinstance(table, dict):
            raise self.error(("enums",), "a table: [enums] with platform = [...] and type = [...]")
        found: dict[str, tuple[str, ...]] = {}
        for name, values in table.items():
            if name not in EXTENSIBLE:
                extensible = tuple(EXTENSIBLE)
                close = difflib.get_close_matches(name, extensible, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise self.error(
                    ("enums", name), f"not an enum a policy may extend{hint}; only {', '.join(extensible)}"
                )
            path = ("enums", name)
            if not isinstance(values, list):
                raise self.error(path, f"an array of values to add, e.g. {name} = [{_quoted('value')}]")
            documented = enum(ACCOUNT, name)
            for value in values:
                if not isinstance(value, str) or not TOKEN.fullmatch(value):
                    raise self.error(
                        path,
                        f"{_quoted(value)} is not a lowercase token (a-z, digits, _; as the documented values are)",
                    )
                if value in documented:
                    raise self.error(
                        path,
                        f"{_quoted(value)} is documented already: list only values to add "
                        "(an extension never replaces or removes a documented value)",
                    )
            found[name] = tuple(values)
        return found

    def waiver(self, number: int, entry: Any) -> Waiver:
        at = ("waiver", number)
        if not isinstance(entry, dict):
            raise self.error(at, "a table: rule, until and reason, under a [[waiver]] header")
        for name in entry:
            if name not in _WAIVER:
                raise self.unknown(at, name, _WAIVER)
        for name in ("rule", "until", "reason"):
            if name not in entry:
                raise self.error(at, f"no {name}: every waiver names rule, until and reason")
        rule_id = entry["rule"]
        if not isinstance(rule_id, str) or rule_id not in rules.BY_ID:
            close = difflib.get_close_matches(str(rule_id), list(rules.BY_ID), n=3) if isinstance(rule_id, str) else []
            hint = f"; the closest: {', '.join(close)}" if close else "; the rule ids are in docs/rules.md"
            raise self.error((*at, "rule"), f"unknown rule {_quoted(rule_id)}{hint}")
        rule = rules.get(rule_id)
        if not rule.waivable:
            raise self.error((*at, "rule"), f"{rule_id} cannot be waived: {rule.unwaivable}")
        until = entry["until"]
        if isinstance(until, datetime) or not isinstance(until, date):
            raise self.error(
                (*at, "until"),
                f"{_quoted(until)} is not a date: write a bare TOML date, e.g. until = 2027-01-15",
            )
        texts = {name: entry.get(name, "") for name in ("reason", "owner", "link")}
        for name, text in texts.items():
            if not isinstance(text, str) or (name == "reason" and not text.strip()):
                raise self.error((*at, name), f"{_quoted(text)}: a non-empty string")
        path = entry.get("path")
        if path is not None and (not isinstance(path, str) or not path.startswith("$")):
            raise self.error((*at, "path"), f"{_quoted(path)} is not a JSON path such as $.data.accounts[*].status")
        found = entry.get("found")
        if found is not None and not isinstance(found, (str, int, float, bool)):
            raise self.error((*at, "found"), f"{_quoted(found)}: a string, number or boolean, as the body has it")
        key = entry.get("key")
        if key is not None and key not in _ROLES:
            raise self.error((*at, "key"), f"{_quoted(key)} is not a key role; one of {', '.join(_ROLES)}")
        return Waiver(
            number,
            rule_id,
            until,
            texts["reason"],
            texts["owner"],
            texts["link"],
            path,
            found,
            key,
        )
