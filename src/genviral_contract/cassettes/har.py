"""The exchanges behind a run's failures, kept as a HAR 1.2 file, and read back.

HAR (the HTTP Archive format, 1.2) is what browsers' developer tools, proxies and API
tools open, so the answers that made a run red can be shown to the team that runs the
API after staging has moved on, and judged again (``genviral-contract validate
failures.har``). Each entry is one exchange as sent and as received: the request's
headers (the Authorization as the key's variable, never its value), the answer's headers
and its body within the body cap, the timings, and, in fields of the suite's own (HAR's
custom fields start with ``_``), the rule ids it broke, the test, the run's request
number, the answer's request ids, the curl command that sends it again, and what it was
judged with (the key's scope, the expected ids and status), so that ``validate`` judges it
as the run did. A cross-call failure saves both answers: the later one names the first in
``_genviral_compared_with``. An exchange whose violations a waiver of the team's policy
covered is saved too, its waived rules in ``_genviral_rules`` and named in ``_genviral_waived``.

Every string is masked with the run's secrets before it is written, a body that is not
UTF-8 before it is base64-encoded (where masking could no longer see a key). Reading
refuses anything that is not a HAR with one line naming the file and the entry.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from requests.structures import CaseInsensitiveDict

from genviral_contract import __version__
from genviral_contract.artefacts import write_atomic
from genviral_contract.contract import provenance
from genviral_contract.credentials.masking import mask, mask_within
from genviral_contract.credentials.secret import Secret
from genviral_contract.credentials.shell import display
from genviral_contract.http.exchange import Exchange

HAR_VERSION = "1.2"
# How the user asked for the file, which is how a failure to write it names it.
SAVE_OPTION = "--save-exchanges"
# The file a run writes into the folder it was given: one per run, named by the run's id.
FILE_NAME = "exchanges-{run}.har"


def judged_with(
    key_scope: str | None = None,
    expected_workspace_id: str | None = None,
    expected_owner_user_id: str | None = None,
    expected_status: int | None = None,
    status_rule: str | None = None,
) -> dict[str, Any]:
    given = {
        "key_scope": key_scope,
        "expected_workspace_id": expected_workspace_id,
        "expected_owner_user_id": expected_owner_user_id,
        "expected_status": expected_status,
        "status_rule": status_rule,
    }
    """What an answer was judged with besides itself, as ``validate`` needs it to judge it again."""
    return {name: value for name, value in given.items() if value is not None}


def entry_id(exchange: Exchange) -> str:
    """The exchange's id in the run: the run's id and its request number."""
    sent = exchange.sent
    return f"{sent.run or 'run'}/{sent.seq}" if sent is not None else f"unnumbered/{id(exchange):x}"


def _body(content: bytes, secrets: tuple[Secret, ...]) -> dict[str, Any]:
    """HAR's content text: the body as text when it is UTF-8, else base64 of its bytes with
    each secret masked in them first (latin-1 maps every byte to one character and back)."""
    try:
        return {"text": mask(content.decode("utf-8"), *secrets)}
    except UnicodeDecodeError:
        masked = mask(content.decode("latin-1"), *secrets).encode("latin-1")
        return {"text": base64.b64encode(masked).decode("ascii"), "encoding": "base64"}


def _headers(headers: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers.items()]


def entry(
    exchange: Exchange,
    *,
    secrets: Iterable[Secret],
    test: str,
    rules: Iterable[str] = (),
    judged: Mapping[str, Any] | None = None,
    compared_with: str | None = None,
    waived: Iterable[str] = (),
) -> dict[str, Any]:
    """One HAR entry for ``exchange``, masked with ``secrets``; ``rules``: the rule ids it
    broke; ``waived``: those of them a waiver of the team's policy covered."""
    secrets = tuple(secrets)
    sent = exchange.sent
    started = sent.started if sent is not None else time.time()
    wait = round(sent.wait * 1000, 3) if sent is not None else 0.0
    receive = round(sent.receive * 1000, 3) if sent is not None else 0.0
    request_headers = _headers(exchange.request_headers or {})
    if exchange.authorization is not None:
        request_headers.append({"name": "Authorization", "value": display(exchange.authorization)})
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": exchange.http_version,
        "cookies": [],
        "headers": request_headers,
        "queryString": [{"name": n, "value": v} for n, v in parse_qsl(urlsplit(exchange.url).query)],
        "headersSize": -1,
        "bodySize": len(exchange.request_body or b""),
    }
    if exchange.request_body:
        request["postData"] = {
            "mimeType": (exchange.request_headers or {}).get("Content-Type", ""),
            "text": exchange.request_body.decode("utf-8", errors="replace"),
        }
    coded = "Content-Encoding" in exchange.headers
    try:
        reason = exchange.reason or HTTPStatus(exchange.status).phrase
    except ValueError:
        reason = ""
    found: dict[str, Any] = {
        "startedDateTime": datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="milliseconds"),
        "time": round(wait + receive, 3),
        "request": request,
        "response": {
            "status": exchange.status,
            "statusText": reason,
            "httpVersion": exchange.http_version,
            "cookies": [],
            "headers": _headers(exchange.headers),
            "content": {
                "size": len(exchange.content),
                "mimeType": exchange.content_type or "",
                **_body(exchange.content, secrets),
            },
            "redirectURL": exchange.headers.get("Location", ""),
            "headersSize": -1,
            # The body's size as it came over the wire is unknown once it was decoded.
            "bodySize": -1 if coded else len(exchange.content),
        },
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 0, "wait": wait, "receive": receive, "ssl": -1},
        "_genviral_id": entry_id(exchange),
        "_genviral_rules": sorted(set(rules)),
        "_genviral_tests": [test],
        "_genviral_role": exchange.role,
        "_genviral_seq": sent.seq if sent is not None else None,
        "_genviral_request_ids": [{"name": n, "value": v} for n, v in exchange.request_ids()],
        "_genviral_curl": exchange.curl(),
        "_genviral_judged_with": dict(judged or {}),
    }
    if exchange.informational:
        found["_genviral_informational"] = list(exchange.informational)
    if compared_with is not None:
        found["_genviral_compared_with"] = compared_with
    if waived:
        found["_genviral_waived"] = sorted(set(waived))
    masked: dict[str, Any] = mask_within(found, secrets)
    return masked


def merged(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The entries, one per exchange (an answer behind several failures is saved once, with
    every rule and test), in the order they were sent."""
    by_id: dict[str, dict[str, Any]] = {}
    for item in entries:
        kept = by_id.setdefault(str(item["_genviral_id"]), json.loads(json.dumps(item)))
        if kept is not item:
            kept["_genviral_rules"] = sorted(set(kept["_genviral_rules"]) | set(item["_genviral_rules"]))
            kept["_genviral_tests"] = sorted(set(kept["_genviral_tests"]) | set(item["_genviral_tests"]))
            if item.get("_genviral_waived") or kept.get("_genviral_waived"):
                waived = set(kept.get("_genviral_waived") or []) | set(item.get("_genviral_waived") or [])
                kept["_genviral_waived"] = sorted(waived)
            for name in ("_genviral_judged_with", "_genviral_compared_with"):
                if item.get(name) and not kept.get(name):
                    kept[name] = item[name]
    return sorted(by_id.values(), key=lambda e: (e["startedDateTime"], e.get("_genviral_seq") or 0))


def document(entries: Iterable[Mapping[str, Any]], run_id: str | None, judged_by: str | None = None) -> dict[str, Any]:
    """The HAR document; ``judged_by``: the run's provenance line (its contract revision)."""
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": "genviral-contract", "version": __version__},
            "comment": "the exchanges behind the failures of one run, masked",
            "entries": merged(entries),
            "_genviral_run": run_id,
            "_genviral_judged_by": judged_by or provenance.line(),
        }
    }


def file_for(folder: Path, run_id: str) -> Path:
    return folder / FILE_NAME.format(run=run_id)


def write(
    path: Path,
    entries: Iterable[Mapping[str, Any]],
    run_id: str | None,
    secrets: Iterable[Secret],
    judged_by: str | None = None,
) -> None:
    """Write the HAR file in one step, masked (before serialising: a mask applied to the JSON
    text could swallow an escape); artefacts.NotWritten when it cannot."""
    masked = mask_within(document(entries, run_id, judged_by), tuple(secrets))
    write_atomic(path, json.dumps(masked, ensure_ascii=False, indent=2) + "\n", SAVE_OPTION)


# --- reading one back --------------------------------------------------------------------------


class HarError(ValueError):
    """Not a HAR file, or a broken one; the message says where (``entry 3: ...``)."""


@dataclass(frozen=True)
class SavedExchange:
    """One entry of a HAR file, as the rules judge it again."""

    index: int  # 1, 2, ...: its place among the file's entries
    method: str
    url: str
    status: int
    headers: CaseInsensitiveDict[str]
    content: bytes
    request_headers: CaseInsensitiveDict[str]
    id: str | None = None
    role: str | None = None
    rules: tuple[str, ...] = ()  # what the run found broken; () for a HAR of another tool
    judged: Mapping[str, Any] = field(default_factory=dict)
    compared_with: str | None = None
    tests: tuple[str, ...] = ()
    waived: tuple[str, ...] = ()  # those of ``rules`` a waiver of the team's policy covered

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    def request_line(self) -> str:
        who = f" ({self.role} key)" if self.role else ""
        return f"{self.method} {self.url}{who} -> HTTP {self.status}"


_ENTRIES = re.compile(r'"entries"\s*:\s*\[')
# What may be left of a token the file was cut in: a literal's or a number's beginning.
_TOKEN_START = re.compile(r"t(r(ue?)?)?|f(a(l(se?)?)?)?|n(u(ll?)?)?|-?[0-9]*\.?[0-9]*([eE][+-]?[0-9]*)?")


def _cut_short(text: str, error: json.JSONDecodeError) -> bool:
    """Whether the JSON breaks only because the text ends: in a string, in a token, or where
    more was expected."""
    return error.msg.startswith("Unterminated string") or bool(_TOKEN_START.fullmatch(text[error.pos :].strip()))


def _where_broken(text: str, error: json.JSONDecodeError) -> str:
    """Which entry the JSON breaks in: the entries are decoded one by one up to the break. A
    break on the file's last line is where the file ends: it was cut short."""

    def why(found: json.JSONDecodeError) -> str:
        if _cut_short(text, found):
            return "the file ends inside it (truncated)"
        return f"not JSON ({found.msg} at line {found.lineno}, column {found.colno})"

    opening = _ENTRIES.search(text)
    if opening is None or error.pos < opening.end():
        return why(error).replace("inside it", "before its entries")
    decoder, pos, index = json.JSONDecoder(), opening.end(), 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos < len(text) and text[pos] == "]":
            if _cut_short(text, error):
                return "the file ends after its entries (truncated)"
            return "after its entries: " + why(error)
        if index:
            if pos >= len(text) or text[pos] != ",":
                break
            pos += 1
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
        index += 1
        try:
            _, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as inner:
            return f"entry {index}: {why(inner)}"
    if pos >= len(text.rstrip()):
        return f"the file ends after entry {index} (truncated)"
    return f"after entry {index}: " + why(error)


def _get(obj: Any, path: str, kind: type | tuple[type, ...], where: str, *, required: bool = True) -> Any:
    value: Any = obj
    for name in path.split("."):
        value = value.get(name) if isinstance(value, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise HarError(f"{where}: not a HAR entry: {path} is {'missing' if value is None else 'not ' + expected}")
    return value


def _header_map(headers: Any, where: str) -> CaseInsensitiveDict[str]:
    found: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for i, header in enumerate(headers):
        named = isinstance(header, dict) and isinstance(header.get("name"), str)
        if not (named and isinstance(header.get("value"), str)):
            raise HarError(f"{where}: not a HAR entry: header {i + 1} has no string name and value")
        name, value = header["name"], header["value"]
        found[name] = f"{found[name]}, {value}" if name in found else value
    return found


def _saved(index: int, item: Any) -> SavedExchange:
    where = f"entry {index}"
    if not isinstance(item, dict):
        raise HarError(f"{where}: not a HAR entry: not an object")
    method = _get(item, "request.method", str, where)
    url = _get(item, "request.url", str, where)
    request_headers = _header_map(_get(item, "request.headers", list, where), where + ", request")
    status = _get(item, "response.status", int, where)
    headers = _header_map(_get(item, "response.headers", list, where), where + ", response")
    content = _get(item, "response.content", dict, where)
    text = content.get("text", "")
    if not isinstance(text, str):
        raise HarError(f"{where}: not a HAR entry: response.content.text is not a string")
    if content.get("encoding") == "base64":
        try:
            body = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise HarError(f"{where}: response.content.text is not base64, as its encoding says") from None
    else:
        body = text.encode("utf-8", "surrogatepass")
    rules = item.get("_genviral_rules") or []
    judged = item.get("_genviral_judged_with") or {}

    def text_of(name: str) -> str | None:
        value = item.get(name)
        return value if isinstance(value, str) else None

    return SavedExchange(
        index,
        method,
        url,
        status,
        headers,
        body,
        request_headers,
        id=text_of("_genviral_id"),
        role=text_of("_genviral_role"),
        rules=tuple(str(r) for r in rules) if isinstance(rules, list) else (),
        judged=judged if isinstance(judged, dict) else {},
        compared_with=text_of("_genviral_compared_with"),
        tests=tuple(str(t) for t in item.get("_genviral_tests") or [] if isinstance(t, str)),
        waived=tuple(str(r) for r in item.get("_genviral_waived") or [] if isinstance(r, str)),
    )


def read(text: str) -> list[SavedExchange]:
    """The entries of a HAR file's text; HarError, naming the entry, when it is not one."""
    try:
        har = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HarError(_where_broken(text, exc)) from None
    log = har.get("log") if isinstance(har, dict) else None
    if not isinstance(log, dict):
        raise HarError("not HAR: no log object")
    if not isinstance(log.get("version"), str):
        raise HarError("not HAR: log.version is missing")
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise HarError("not HAR: log.entries is not a list")
    return [_saved(i, item) for i, item in enumerate(entries, 1)]


def looks_like_har(name: str, text: str) -> bool:
    """Whether ``validate`` takes a file as HAR: by its name, else by a top-level ``log``."""
    if name.lower().endswith(".har"):
        return True
    return bool(re.match(r'\s*\{\s*"log"\s*:', text))
