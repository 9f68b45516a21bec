"""The cassette format: one readable YAML file per scenario, read back with a clear error.

A cassette is vcrpy's (``version: 1``, a list of request/response interactions), written
so that a person can review it: JSON bodies pretty-printed as literal blocks, compressed
bodies stored decoded, no Content-Length (it would be wrong for the re-formatted body,
and nothing in the contract depends on it). Every problem with a file becomes one
:class:`CassetteError` that names the file, the scenario and the command that re-records it:
unreadable YAML, a wrong shape, or a request URI that could not be sent again (empty, not
http(s), no host, a malformed host or port).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from genviral_contract.artefacts import display as display  # re-exported: cassettes.display names a cassette
from genviral_contract.cassettes.scenarios import SCENARIOS
from genviral_contract.contract import nesting

DEFAULT_DIR = Path("cassettes")
EMPTY = "is empty"
# The shipped command: it records in a checkout of this repository and in a user's own alike.
RECORD_ALL = "genviral-contract test -k scenarios --record-mode=rewrite"


class CassetteError(ValueError):
    """A cassette is missing, empty or malformed; the message says which, and how to mend it."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path, self.problem = path, problem
        name = path.stem
        scenario = f"scenario {name}" if name in SCENARIOS else "no scenario of scenarios.py"
        super().__init__(
            f"{display(path)} ({scenario}) {problem}; re-record it with: {rerecord_command(name, path.parent)}"
        )


class FormatError(ValueError):
    """The text is not a cassette; the message says where (``interactions[0].response...``)."""


def rerecord_command(scenario: str | None = None, directory: Path = DEFAULT_DIR) -> str:
    """The command that records ``scenario`` (every scenario when None) into ``directory``."""
    command = (
        RECORD_ALL
        if scenario not in SCENARIOS
        else f'genviral-contract test -k "scenarios and {scenario}" --record-mode=rewrite'
    )
    if directory.resolve() != DEFAULT_DIR.resolve():
        command += f" --cassette-dir {display(directory)}"
    return command


# --- writing -------------------------------------------------------------------------------


class _Block(str):
    """Text YAML writes as a literal block (``|``)."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_block(dumper: yaml.SafeDumper, text: _Block) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(text), style="|")


_Dumper.add_representer(_Block, _represent_block)


class _Unfaithful(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _Unfaithful(name)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({k for k, _ in pairs}) != len(pairs):
        raise _Unfaithful("duplicate key")
    return dict(pairs)


def _readable(body: Any) -> Any:
    """A body as it is best read: pretty JSON when re-formatting loses nothing, else as it was."""
    if not isinstance(body, str):
        return body  # bytes that are not UTF-8 stay binary; None stays None
    try:
        parsed = json.loads(body, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):
        # Not JSON, or JSON that a re-formatting would change (NaN, duplicate keys): keep it verbatim.
        return _Block(body) if "\n" in body else body
    if nesting.too_deep(parsed) is not None:
        # Indenting recurses once per level; a body no client reads is kept as it came.
        return _Block(body) if "\n" in body else body
    return _Block(json.dumps(parsed, indent=2, ensure_ascii=False) + "\n")


def _without_length(headers: Mapping[str, Any]) -> dict[str, Any]:
    return {name: values for name, values in headers.items() if name.lower() != "content-length"}


def _sorted(headers: Mapping[str, Any]) -> dict[str, Any]:
    # vcrpy collects response headers through a set: sorted, a re-recording diffs cleanly.
    return dict(sorted(headers.items(), key=lambda item: item[0].lower()))


def serialize(cassette: dict[str, Any]) -> str:
    """vcrpy's serializer interface: the cassette dict (bodies already text where UTF-8) to YAML."""
    interactions = []
    for item in cassette["interactions"]:
        request, response = item["request"], item["response"]
        interactions.append(
            {
                "request": {
                    **request,
                    "headers": _sorted(request.get("headers") or {}),
                    "body": _readable(request.get("body")),
                },
                "response": {
                    "status": response["status"],
                    "headers": _sorted(_without_length(response.get("headers") or {})),
                    "body": {**response["body"], "string": _readable(response["body"].get("string"))},
                },
            }
        )
    data = {**cassette, "interactions": interactions}
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


# --- reading -------------------------------------------------------------------------------


def deserialize(text: str) -> dict[str, Any]:
    """vcrpy's serializer interface: YAML to the cassette dict, checked (FormatError) and normalised."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise FormatError(f"is not valid YAML ({problem}{where})") from None
    problems = list(_problems(data))
    if problems:
        raise FormatError("is not a cassette: " + "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else ""))
    for item in data["interactions"]:
        # A hand-edited body no longer has its recorded length; a stale Content-Length would cut it.
        item["response"]["headers"] = _without_length(item["response"]["headers"])
    return dict(data)


def _problems(data: Any) -> Iterator[str]:
    if not isinstance(data, dict):
        yield "the file is no mapping with `version` and `interactions`"
        return
    if data.get("version") != 1:
        yield f"`version` is {data.get('version')!r}, expected 1"
    interactions = data.get("interactions")
    if not isinstance(interactions, list) or not interactions:
        yield "`interactions` is missing or empty (no interaction was recorded)"
        return
    for i, item in enumerate(interactions):
        where = f"interactions[{i}]"
        request = item.get("request") if isinstance(item, dict) else None
        response = item.get("response") if isinstance(item, dict) else None
        if not isinstance(request, dict):
            yield f"{where}.request is missing"
        else:
            yield from _expect(request, where + ".request", method=str, uri=str, headers=dict)
            # vcrpy builds its Request from exactly these fields.
            if "body" not in request or not set(request) <= {"method", "uri", "body", "headers"}:
                yield f"{where}.request has fields {sorted(request)}, expected method, uri, body, headers"
            yield from _header_lists(request.get("headers"), where + ".request.headers")
        if not isinstance(response, dict):
            yield f"{where}.response is missing"
            continue
        yield from _expect(response, where + ".response", status=dict, headers=dict, body=dict)
        if isinstance(response.get("status"), dict):
            yield from _expect(response["status"], where + ".response.status", code=int, message=str)
        if isinstance(response.get("body"), dict) and not isinstance(response["body"].get("string"), (str, bytes)):
            yield f"{where}.response.body.string is missing (the recorded body)"
        yield from _header_lists(response.get("headers"), where + ".response.headers")
    # After the shape: a file with the wrong shape says so first, whatever its URIs hold.
    for i, item in enumerate(interactions):
        request = item.get("request") if isinstance(item, dict) else None
        if isinstance(request, dict) and isinstance(request.get("uri"), str):
            yield from _uri_problems(request["uri"], f"interactions[{i}].request.uri")


def _uri_problems(uri: str, where: str) -> Iterator[str]:
    """A replay sends its request to the recorded URI's scheme, host and port: only an
    http(s) URL with a host and a valid port can be sent. The URI itself is not quoted, so
    that a hand-edited one cannot put a second line into the error."""
    if not uri.strip():
        yield f"{where} is empty, expected the http(s) URL the request was sent to"
        return
    if any(c.isspace() or not c.isprintable() for c in uri):
        yield f"{where} contains whitespace or a control character"
        return
    try:
        parts = urlsplit(uri)
    except ValueError:
        yield f"{where} is not a valid URL (its host is malformed: a [ without ], or no IPv6 address between them)"
        return
    if parts.scheme not in ("http", "https"):
        found = f"the scheme {parts.scheme}:" if parts.scheme else "no scheme"
        yield f"{where} has {found}, expected http or https"
        return
    if not parts.hostname:
        yield f"{where} has no host"
        return
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        yield f"{where} has a port that is not a number from 1 to 65535"


def _header_lists(headers: Any, where: str) -> Iterator[str]:
    if isinstance(headers, dict):
        for name, values in headers.items():
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                yield f"{where}.{name} is not a list of strings"


_KINDS = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    int: "an integer",
    bool: "a boolean",
    float: "a number",
    type(None): "null",
    bytes: "binary",
}


def _expect(mapping: dict[str, Any], where: str, **types: type) -> Iterator[str]:
    for key, kind in types.items():
        value = mapping.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            found = "missing" if key not in mapping else _KINDS.get(type(value), type(value).__name__)
            yield f"{where}.{key} is {found}, expected {_KINDS[kind]}"


@dataclass(frozen=True)
class Interaction:
    """One recorded exchange, as the drift report and the data checks need it."""

    method: str
    uri: str
    request_headers: dict[str, list[str]]
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str, *, request: bool = False) -> str | None:
        """The first value of a response header (a request header with ``request``), any case."""
        for key, values in (self.request_headers if request else self.headers).items():
            if key.lower() == name.lower() and values:
                return str(values[0])
        return None


def read_text(path: Path) -> str:
    """The file's text; CassetteError when it is missing, not UTF-8 or empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CassetteError(path, "is missing") from None
    except UnicodeDecodeError:
        raise CassetteError(path, "is not UTF-8 text") from None
    except OSError as exc:
        raise CassetteError(path, f"cannot be read ({exc.strerror})") from None
    if not text.strip():
        raise CassetteError(path, EMPTY)
    return text


def load(path: Path) -> list[Interaction]:
    """Every interaction of a cassette file, checked; CassetteError for any problem."""
    text = read_text(path)
    try:
        data = deserialize(text)
    except FormatError as exc:
        raise CassetteError(path, str(exc)) from None
    found = []
    for item in data["interactions"]:
        request, response = item["request"], item["response"]
        body = response["body"]["string"]
        found.append(
            Interaction(
                request["method"],
                request["uri"],
                request["headers"],
                response["status"]["code"],
                response["headers"],
                body.encode("utf-8") if isinstance(body, str) else body,
            )
        )
    return found
