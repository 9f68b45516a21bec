"""Rules a JSON Schema cannot say, as plain functions over one observed response.

Each function returns ``None`` when the rule does not apply to this response (so the
per-rule report does not count it as passed), else the list of its violations.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter, ne
from typing import Any

from genviral_contract.contract import integers, schemas, strict_json
from genviral_contract.contract.findings import Note, Violation, render_value
from genviral_contract.contract.http_fields import CacheControl, accepts, codings, expires_later
from genviral_contract.contract.revision import DEFAULT, Contract
from genviral_contract.contract.settings_schema import settings_schema_violations
from genviral_contract.credentials.forms import echo_forms, echoes
from genviral_contract.credentials.secret import Secret

DOCUMENTED_ERROR_CODES = {402: "subscription_required", 403: "tier_not_allowed", 500: "accounts_failed"}
# Every error_code the documentation names, with the one status it gives it: a client that
# switches on error_code acts on the code (asks the user to upgrade for tier_not_allowed),
# whatever the status says. 401's invalid_token is the documented example of the envelope.
ERROR_CODE_STATUS = {"invalid_token": 401, **{code: status for status, code in DOCUMENTED_ERROR_CODES.items()}}
UNDOCUMENTED_ERROR_CODE = "undocumented-error-code"


@dataclass(frozen=True)
class Observed:
    """One response as the rules see it, with what the caller knows about the request."""

    status: int
    body: Any
    content_type: str | None = None
    key_scope: str | None = None
    credential: Secret | None = None
    raw_text: str | None = None  # the text ``body`` was parsed from, when known
    headers: Mapping[str, str] | None = None  # the response headers, when known
    # The request's headers as sent (Authorization left out), when known: a mapping without
    # Accept-Encoding is a request that sent none.
    request_headers: Mapping[str, str] | None = None
    expected_workspace_id: str | None = None
    expected_owner_user_id: str | None = None
    # The revision judged by, and the enum values a team's policy accepts.
    contract: Contract = DEFAULT
    # What parsing ``raw_text`` showed, when known (verdict.Parsed): every ":" is a member of
    # a known object; some number was written with a fraction or an exponent.
    members_accounted: bool | None = None
    floats_written: bool | None = None

    @property
    def envelope(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}

    @property
    def data(self) -> dict[str, Any] | None:
        data = self.envelope.get("data")
        return data if isinstance(data, dict) else None

    def accounts(self) -> list[tuple[int, dict[str, Any]]]:
        return [(i, a) for i, a in enumerate(self.account_list()) if isinstance(a, dict)]

    def account_list(self) -> list[Any]:
        """``data.accounts`` as it is (any items), or [] when it is not an array."""
        found = (self.data or {}).get("accounts")
        return found if isinstance(found, list) else []


RuleFunc = Callable[[Observed], "list[Violation] | None"]
SEMANTIC: dict[str, RuleFunc] = {}


def rule(rule_id: str) -> Callable[[RuleFunc], RuleFunc]:
    def register(func: RuleFunc) -> RuleFunc:
        SEMANTIC[rule_id] = func
        return func

    return register


def is_json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


@rule("HTTP-JSON-CONTENT-TYPE")
def json_content_type(obs: Observed) -> list[Violation] | None:
    if obs.content_type is None:
        return None
    if is_json_media_type(obs.content_type):
        return []
    return [Violation("HTTP-JSON-CONTENT-TYPE", "Content-Type", "application/json", render_value(obs.content_type))]


@rule("HTTP-CHARSET-UTF8")
def charset_utf8(obs: Observed) -> list[Violation] | None:
    if obs.content_type is None:
        return None
    return strict_json.charset_violations(obs.content_type)


@rule("HTTP-BODY-IJSON")
def parsers_agree(obs: Observed) -> list[Violation] | None:
    if obs.raw_text is None:
        return None
    duplicates = strict_json.duplicate_members(obs.raw_text, obs.body, obs.members_accounted)
    if duplicates is None:
        return None
    return duplicates + strict_json.lone_surrogates(obs.raw_text, obs.body)


@rule(integers.RULE)
def integers_written_as_integers(obs: Observed) -> list[Violation] | None:
    if obs.floats_written is False:
        return []  # no number of the body has a fraction or an exponent: decided while parsing
    # Read from the revision's own schemas: revision 3 documents capabilities.caption_limit.
    return integers.violations(obs.body, obs.raw_text, integers.integer_paths(schemas.RESPONSES[obs.contract.revision]))


@rule("ENV-CODE-MATCHES-STATUS")
def code_matches_status(obs: Observed) -> list[Violation] | None:
    code = obs.envelope.get("code")
    # 201.0 is an integer to JSON Schema, so an integral float is compared here too.
    if isinstance(code, bool) or not isinstance(code, (int, float)) or code % 1:
        return None  # ENV-CODE-INTEGER owns a missing or mistyped code
    if code == obs.status:
        return []
    return [Violation("ENV-CODE-MATCHES-STATUS", "$.code", f"{obs.status} (the HTTP status)", render_value(code))]


@rule("ENV-OK-MATCHES-STATUS")
def ok_matches_status(obs: Observed) -> list[Violation] | None:
    ok = obs.envelope.get("ok")
    if not isinstance(ok, bool):
        return None
    success = 200 <= obs.status < 300
    if ok == success:
        return []
    return [
        Violation("ENV-OK-MATCHES-STATUS", "$.ok", f"{str(success).lower()} for HTTP {obs.status}", render_value(ok))
    ]


@rule("ENV-DATA-IFF-OK")
def data_iff_ok(obs: Observed) -> list[Violation] | None:
    ok = obs.envelope.get("ok")
    if not isinstance(ok, bool):
        return None
    if ok and "data" not in obs.envelope:
        return [Violation("ENV-DATA-IFF-OK", "$.data", "`data` present because ok is true", "missing")]
    if not ok and "data" in obs.envelope:
        return [
            Violation("ENV-DATA-IFF-OK", "$.data", "no `data` because ok is false", render_value(obs.envelope["data"]))
        ]
    return []


@rule("ACC-CAPABILITIES-SETTINGS-SCHEMA")
def settings_schema_valid(obs: Observed) -> list[Violation] | None:
    if obs.contract.revision < 3 or obs.data is None:
        return None
    return settings_schema_violations(obs.accounts())


@rule("SCOPE-WORKSPACE-ID-CONSISTENT")
def workspace_id_consistent(obs: Observed) -> list[Violation] | None:
    data = obs.data
    if data is None or data.get("scope") not in ("workspace", "personal") or "workspace_id" not in data:
        return None
    wid = data["workspace_id"]
    if data["scope"] == "workspace" and wid is None:
        return [
            Violation(
                "SCOPE-WORKSPACE-ID-CONSISTENT",
                "$.data.workspace_id",
                "a workspace UUID because scope is workspace",
                "null",
            )
        ]
    if data["scope"] == "personal" and wid is not None:
        return [
            Violation(
                "SCOPE-WORKSPACE-ID-CONSISTENT",
                "$.data.workspace_id",
                "null because scope is personal",
                render_value(wid),
            )
        ]
    return []


@rule("SCOPE-ACCOUNT-WORKSPACE-ID")
def account_workspace_id(obs: Observed) -> list[Violation] | None:
    data = obs.data
    if data is None or "workspace_id" not in data:
        return None
    wid = data["workspace_id"]
    try:
        # The common case, a big list that conforms, is decided in C (map/any) with no
        # per-account Python code or allocation: at 100,000 accounts the loop below costs
        # more than parsing, mostly in garbage collections its tuples set off. An account
        # that is not an object, or lacks workspace_id, leaves this to the loop.
        if not any(map(ne, map(itemgetter("workspace_id"), obs.account_list()), repeat(wid))):
            return []
    except (KeyError, TypeError):
        pass
    return [
        Violation(
            "SCOPE-ACCOUNT-WORKSPACE-ID",
            f"$.data.accounts[{i}].workspace_id",
            f"{render_value(wid)} (data.workspace_id)",
            render_value(acc["workspace_id"]),
        )
        for i, acc in obs.accounts()
        if "workspace_id" in acc and acc["workspace_id"] != wid
    ]


@rule("ACC-ID-UNIQUE")
def ids_unique(obs: Observed) -> list[Violation] | None:
    if obs.data is None:
        return None
    try:
        # As in account_workspace_id: all ids distinct (the common case) is decided in C. A
        # missing, unhashable or repeated id of any type leaves it to the loop, which also
        # names the duplicates.
        accounts = obs.account_list()
        if len(set(map(itemgetter("id"), accounts))) == len(accounts):
            return []
    except (KeyError, TypeError):
        pass
    seen: dict[str, int] = {}
    found = []
    for i, acc in obs.accounts():
        account_id = acc.get("id")
        if not isinstance(account_id, str):
            continue
        if account_id in seen:
            found.append(
                Violation(
                    "ACC-ID-UNIQUE",
                    f"$.data.accounts[{i}].id",
                    f"an id not already used by $.data.accounts[{seen[account_id]}]",
                    render_value(account_id),
                )
            )
        else:
            seen[account_id] = i
    return found


@rule("SCOPE-MATCHES-KEY")
def scope_matches_key(obs: Observed) -> list[Violation] | None:
    if obs.key_scope is None or obs.data is None:
        return None
    scope = obs.data.get("scope")
    if scope == obs.key_scope:
        return []
    return [
        Violation(
            "SCOPE-MATCHES-KEY", "$.data.scope", f"{render_value(obs.key_scope)} (the key's scope)", render_value(scope)
        )
    ]


@rule("SCOPE-EXPECTED-IDS")
def expected_ids(obs: Observed) -> list[Violation] | None:
    data = obs.data
    wanted = {"workspace_id": obs.expected_workspace_id, "owner_user_id": obs.expected_owner_user_id}
    wanted = {k: v for k, v in wanted.items() if v is not None}
    if data is None or not wanted:
        return None
    if obs.key_scope == "personal":
        wanted.pop("workspace_id", None)  # the configured workspace id belongs to the workspace key
    return [
        Violation(
            "SCOPE-EXPECTED-IDS",
            f"$.data.{field}",
            f"{render_value(value)} (configured)",
            render_value(data.get(field)),
        )
        for field, value in wanted.items()
        if data.get(field) != value
    ]


@rule("ERR-DOCUMENTED-ERROR-CODE")
def documented_error_code(obs: Observed) -> list[Violation] | None:
    documented = DOCUMENTED_ERROR_CODES.get(obs.status)
    if documented is None or not obs.envelope:
        return None
    found = obs.envelope.get("error_code")
    if found == documented:
        return []
    return [
        Violation(
            "ERR-DOCUMENTED-ERROR-CODE",
            "$.error_code",
            f"{render_value(documented)} for HTTP {obs.status}",
            "missing" if "error_code" not in obs.envelope else render_value(found),
        )
    ]


@rule("ERR-CODE-OWN-STATUS")
def error_code_own_status(obs: Observed) -> list[Violation] | None:
    found = obs.envelope.get("error_code")
    if not isinstance(found, str):
        return None  # no error_code, or one of another type (ENV-ERROR-CODE-STRING's)
    status = ERROR_CODE_STATUS.get(found)
    if status is None or status == obs.status:
        return []
    return [
        Violation(
            "ERR-CODE-OWN-STATUS",
            "$.error_code",
            f"no {render_value(found)} on HTTP {obs.status}: the documentation gives it to HTTP {status} only",
            render_value(found),
        )
    ]


def error_code_notes(obs: Observed) -> list[Note]:
    """An error_code the documentation does not name: allowed (the envelope's error_code is
    open), but a client that switches on error_code knows no branch for it."""
    found = obs.envelope.get("error_code")
    if not isinstance(found, str) or found in ERROR_CODE_STATUS:
        return []
    detail = (
        f"an error_code the documentation does not name ({render_value(found)} on HTTP {obs.status}; "
        "a client that switches on error_code takes its default branch)"
    )
    return [Note("$.error_code", kind=UNDOCUMENTED_ERROR_CODE, detail=detail)]


@rule("ERR-NO-CREDENTIAL-ECHO")
def no_credential_echo(obs: Observed) -> list[Violation] | None:
    if obs.credential is None or (obs.raw_text is None and obs.headers is None):
        return None
    forms = echo_forms(obs.credential)
    if not forms:
        return []
    # The found value is described, never quoted: quoting it would be the leak.
    found = "a form of the presented key (as sent, in another case, percent- or base64-encoded; masked)"
    expected = "no form of the presented key anywhere in the answer"
    violations = [
        Violation("ERR-NO-CREDENTIAL-ECHO", f"(header {name})", expected, found)
        for name, value in (obs.headers or {}).items()
        if echoes(forms, f"{name}: {value}")
    ]
    raw = obs.raw_text
    # The raw text catches an echo anywhere; the decoded strings catch one hidden in JSON
    # escapes. They are walked only when an escape in the raw text may stand for a
    # character of a form: otherwise the walk finds nothing more (and it costs more than
    # parsing, for a body of many accounts).
    if raw is not None and (
        echoes(forms, raw) or (_escapes_may_hide(raw, forms) and echoes(forms, "\0".join(_strings(obs.body))))
    ):
        violations.insert(0, Violation("ERR-NO-CREDENTIAL-ECHO", "$", expected, found))
    return violations


# Characters the short JSON escapes stand for (\" \\ \/ \b \f \n \r \t).
_SHORT_ESCAPED = frozenset('"\\/\b\f\n\r\t')
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _escapes_may_hide(raw_text: str, forms: tuple[str, ...]) -> bool:
    """Whether a JSON escape in ``raw_text`` (the text the body was parsed from) may stand
    for a character of one of ``forms``.

    When none may, a form inside a decoded string was written out literally, escape-free,
    so the search of the raw text has found it already. Common escapes (a quote, a newline,
    ``\\u2728`` in an ASCII-only body) stand for characters no key has, and cost no walk.
    """
    if "\\" not in raw_text:
        return False
    chars = _form_chars(forms)
    # A character beyond U+FFFF is escaped as a surrogate pair, which the check below misses.
    if not chars.isdisjoint(_SHORT_ESCAPED) or any(ord(c) > 0xFFFF for c in chars):
        return True
    if "\\u" not in raw_text:
        return False
    # This also counts "\\u0067" (an escaped backslash, then "u0067"): a needless walk, never a miss.
    escaped = {chr(int(code, 16)) for code in set(_UNICODE_ESCAPE.findall(raw_text))}
    return not chars.isdisjoint(escaped | {c.swapcase() for c in escaped})


@functools.lru_cache(maxsize=256)
def _form_chars(forms: tuple[str, ...]) -> frozenset[str]:
    """The characters of ``forms``, in either case."""
    text = "".join(forms)
    return frozenset(text) | frozenset(text.swapcase())


def _strings(value: Any) -> Iterator[str]:
    """Every string in ``value``, keys included; iterative, so nesting costs no recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def field_value(headers: Mapping[str, str], name: str) -> str | None:
    """A field's value in any mapping of headers, names matched case-insensitively; several
    entries of one name are one list (RFC 9110 §5.3), None when there is none."""
    name = name.lower()
    values = [value for key, value in headers.items() if key.lower() == name]
    return ", ".join(values) if values else None


# --- caching: an answer for one key is never another's (RFC 9111) -----------------------
# The response directives that let a shared cache reuse an answer to a request that carried
# Authorization (RFC 9111 §3.5).
SHARED_STORABLE = ("public", "s-maxage", "must-revalidate")
_CACHE_CONTROL = "(header Cache-Control)"


@rule("HTTP-CACHE-PRIVATE")
def cache_private(obs: Observed) -> list[Violation] | None:
    if obs.credential is None or obs.headers is None:
        return None  # only answers to requests that carried Authorization are per key
    value = field_value(obs.headers, "Cache-Control")
    control = CacheControl.parse(value)
    if control.has("no-store") or control.unqualified("private"):
        return []  # no cache stores it (§5.2.2.5), or no shared one does (§5.2.2.7)
    shown = render_value(value)
    shared = [d.name for d in control.found if d.name in SHARED_STORABLE]
    if shared:
        return [
            Violation(
                "HTTP-CACHE-PRIVATE",
                _CACHE_CONTROL,
                f"no {', '.join(sorted(set(shared)))} without private or no-store: each lets a shared cache "
                "serve this key's answer to other callers (RFC 9111 §3.5)",
                shown,
            )
        ]
    if control.has("private"):
        return [
            Violation(
                "HTTP-CACHE-PRIVATE",
                _CACHE_CONTROL,
                'private without a field-name list: private="..." lets a shared cache store the rest '
                "(RFC 9111 §5.2.2.7)",
                shown,
            )
        ]
    if control.unqualified("no-cache"):
        return []  # never reused without asking the origin, with the caller's own key (§5.2.2.4)
    if control.has("max-age"):
        # An invalid max-age is stale at once, like max-age=0 (RFC 9111 §4.2.1, §1.2.2).
        fresh, where, found = (control.seconds("max-age") or 0) > 0, _CACHE_CONTROL, shown
    else:
        expires = field_value(obs.headers, "Expires")
        fresh = expires_later(expires, field_value(obs.headers, "Date"))
        where, found = "(header Expires)", render_value(expires) + (f" with Cache-Control {shown}" if value else "")
    if not fresh:
        return []
    return [
        Violation(
            "HTTP-CACHE-PRIVATE",
            where,
            "Cache-Control private (or no-store) on an answer that allows caching (RFC 9111 §5.2.2.7)",
            found,
        )
    ]


# --- content codings: only what the request accepted (RFC 9110 §12.5.3) -----------------
_CONTENT_ENCODING = "(header Content-Encoding)"


def _codings_sent(obs: Observed) -> tuple[str | None, list[str]] | None:
    """The request's Accept-Encoding (None: not sent) and the answer's content codings, or
    None when the request is unknown."""
    if obs.request_headers is None or obs.headers is None:
        return None
    return field_value(obs.request_headers, "Accept-Encoding"), codings(field_value(obs.headers, "Content-Encoding"))


@rule("HTTP-CONTENT-CODING-ACCEPTED")
def content_coding_accepted(obs: Observed) -> list[Violation] | None:
    sent = _codings_sent(obs)
    if sent is None:
        return None
    accept_encoding, used = sent
    refused = [coding for coding in used if not accepts(accept_encoding, coding)]
    if not refused:
        return []
    return [
        Violation(
            "HTTP-CONTENT-CODING-ACCEPTED",
            _CONTENT_ENCODING,
            f"no content coding the request refused (it sent Accept-Encoding: {render_value(accept_encoding)})",
            render_value(", ".join(used)),
        )
    ]


def coding_notes(obs: Observed) -> list[Note]:
    """A compressed answer to a request that sent no Accept-Encoding: allowed, since such a
    request accepts any coding, but ``curl`` without ``--compressed`` gets the compressed bytes."""
    sent = _codings_sent(obs)
    if sent is None or sent[0] is not None or not sent[1]:
        return []
    detail = (
        f"a {', '.join(sent[1])} body to a request that sent no Accept-Encoding (allowed by RFC 9110 §12.5.3; "
        "curl without --compressed shows the compressed bytes)"
    )
    return [Note(_CONTENT_ENCODING, kind="coding-not-asked-for", detail=detail)]
