"""The rule catalogue: every promise of GET /accounts, with a stable id.

Rule ids are public (they appear in failure messages, JUnit XML, reports and the case
files under tests/data), so an id is never renamed or reused; a retired rule is removed
and its id left unused.

Three kinds of rule:
- ``schema``: enforced by the JSON Schemas in ``schemas/``; a schema error is attributed
  to the rule that owns the JSON path where it happened (``where``).
- ``semantic``: a function over one response (status, headers, body, the key's scope);
  see ``semantic.py``.
- ``suite``: needs more than one response (stability, isolation, authentication probes);
  only the conformance suite against a live target or cassettes can check it.

A rule holds in the contract revisions it names (``revisions``: revision 3's capabilities
rules hold in revision 3 only). A team's policy may waive a broken rule for a while, except
the rules that keep one tenant's data and keys from another: ``unwaivable`` says why not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from genviral_contract.contract.revision import REVISIONS

Kind = Literal["schema", "semantic", "suite"]


@dataclass(frozen=True)
class Rule:
    id: str
    statement: str
    source: str
    kind: Kind
    # JSON paths this rule owns, for attributing schema errors ("*" is any array index).
    where: tuple[str, ...] = ()
    # The contract revisions the rule holds in.
    revisions: tuple[int, ...] = REVISIONS
    # Why no policy may waive it; empty for a rule a team may waive for a while.
    unwaivable: str = ""

    @property
    def waivable(self) -> bool:
        return not self.unwaivable


_ENVELOPE = "Response envelope (every endpoint)"
_PAYLOAD = "GET /accounts, Response"
_BEHAVIOUR = "GET /accounts, Behavior"
_ERRORS = "GET /accounts, Error Responses"
_REV3 = "Get Accounts (revision 3)"
# Why the rules that keep one tenant's data and keys from another are never waived: a gate
# trusted with production keys does not let a config file switch them off.
_TENANTS = "it keeps one tenant's {} from another: a release that breaks it leaks {}"

RULES: tuple[Rule, ...] = (
    # --- transport ---------------------------------------------------------------
    Rule(
        "HTTP-JSON-CONTENT-TYPE",
        "The response has a JSON media type (application/json, any parameters).",
        f"{_ENVELOPE}: every response is a JSON envelope.",
        "semantic",
    ),
    Rule(
        "HTTP-ANSWERS",
        "The target answers every request completely within the timeout (connect, headers and "
        "body) and the body-size cap, without dropping the connection, in HTTP a client can read "
        "within its limits; informational (1xx) answers before the final one are read past.",
        f"{_ENVELOPE}: every request gets a response envelope; RFC 9110 §15.2: a client reads past "
        "the 1xx answers it did not expect.",
        "suite",
        unwaivable="a request that got no answer leaves its test nothing to judge: waiving it would leave "
        "unjudged every rule the answer would have shown",
    ),
    Rule(
        "HTTP-BODY-JSON",
        "The body is one complete JSON text as RFC 8259 defines it (not empty, HTML or truncated): UTF-8 "
        "with no byte order mark, no NaN or Infinity anywhere in it, and arrays and objects nested at most "
        "64 deep (the envelope is 1 deep).",
        f"{_ENVELOPE}: every response is a JSON envelope. RFC 8259 §2–§7 (the grammar: no NaN or Infinity, "
        "§6), §8.1 (JSON text exchanged between systems MUST be UTF-8) and §9 (a parser may limit the depth "
        "of nesting: .NET's System.Text.Json and Json.NET read 64 by default, serde_json 128, Python's json "
        "about 1,000, Go's 10,000).",
        "semantic",
    ),
    # --- every parser reads the body the same ---
    Rule(
        "HTTP-BODY-IJSON",
        "Every JSON parser reads the body the same, anywhere in it, undocumented fields included: no "
        "object repeats a member name, and no string or member name holds an unpaired surrogate "
        "escape (`\\ud800` alone; an escaped pair such as `\\ud83d\\ude00` is fine).",
        "RFC 7493 (I-JSON) §2.3 (member names MUST NOT be duplicated) and §2.1 (no surrogates); RFC 8259 §4 "
        "(names SHOULD be unique: parsers differ on duplicates) and §8.2 (unpaired surrogates: unpredictable).",
        "semantic",
    ),
    Rule(
        "HTTP-BODY-INTEGERS",
        "Where the contract says integer (`code`, and every other integer the schemas document), the number "
        "is written as one: digits only, no fraction or exponent (`200`; not `200.0`, `2e2` or `200e0`). "
        "Undocumented fields are not held to it.",
        "RFC 8259 §6 (a number is an integer part, then an optional fraction and exponent); JSON Schema "
        "2020-12 Validation §6.1.1 (`integer` is any number with a zero fraction, so the schemas pass "
        "`200.0`); typed decoders read the text: Go's encoding/json and serde refuse `200.0` for an integer "
        f"field. {_ENVELOPE}: `code` number, required.",
        "semantic",
    ),
    Rule(
        "HTTP-CHARSET-UTF8",
        "A `charset` parameter of the Content-Type, if there is one, names UTF-8: `utf-8` or `utf8`, "
        "in any case, quoted or not.",
        "RFC 8259 §8.1 (JSON text MUST be UTF-8) and §11 (application/json defines no charset: a client "
        "that honours one anyway, as requests' `.text` does, decodes the body by it).",
        "semantic",
    ),
    # --- caching and content codings: HTTP's own rules -------------
    Rule(
        "HTTP-CACHE-PRIVATE",
        "An answer to a request that carried Authorization (errors such as 402 and 403 included) is never "
        "storable by a shared cache: no public, s-maxage or must-revalidate unless private or no-store "
        "is there too, no private limited to a field-name list, and no freshness (max-age, Expires) "
        "without private. No caching headers at all, no-store, no-cache or private are fine.",
        "RFC 9111 §3.5 (a shared cache reuses an answer to a request with Authorization only when public, "
        "s-maxage or must-revalidate allows it), §5.2.2.7 (private, and its qualified form), §5.2.2.5 "
        "(no-store); GET /accounts: the answer is resolved from the key.",
        "semantic",
        unwaivable=_TENANTS.format("answers", "one key's accounts to another's callers through a shared cache"),
    ),
    Rule(
        "HTTP-CONTENT-CODING-ACCEPTED",
        "The answer's Content-Encoding uses only codings the request's Accept-Encoding accepted "
        "(identity, an empty value or gzip;q=0 refuse gzip; * speaks for codings not listed). A request "
        "without Accept-Encoding accepts any coding: a compressed answer to it gets a note, not a failure.",
        "RFC 9110 §12.5.3 (Accept-Encoding), §8.4 (Content-Encoding).",
        "semantic",
    ),
    # --- envelope ----------------------------------------------------------------
    Rule(
        "ENV-OBJECT",
        "The envelope is a JSON object.",
        f"{_ENVELOPE}: ok, code, message, data, error_code.",
        "schema",
        ("$",),
    ),
    Rule(
        "ENV-OK-BOOLEAN",
        "`ok` is present and a boolean.",
        f"{_ENVELOPE}: `ok` boolean, required — true on success, false on failure.",
        "schema",
        ("$.ok",),
    ),
    Rule(
        "ENV-CODE-INTEGER",
        "`code` is present and an integer HTTP status (100–599).",
        f"{_ENVELOPE}: `code` number, required.",
        "schema",
        ("$.code",),
    ),
    Rule(
        "ENV-MESSAGE-STRING",
        "`message` is present and a string (its wording is not part of the contract).",
        f"{_ENVELOPE}: `message` string, required — human-readable text for logs.",
        "schema",
        ("$.message",),
    ),
    Rule(
        "ENV-ERROR-CODE-STRING",
        "`error_code`, when present, is a string.",
        f"{_ENVELOPE}: `error_code` string, optional — machine-readable reason on failures.",
        "schema",
        ("$.error_code",),
    ),
    Rule(
        "ENV-CODE-MATCHES-STATUS",
        "`code` equals the HTTP status code of the response.",
        f"{_ENVELOPE}: `code` is always equal to the HTTP status code.",
        "semantic",
    ),
    Rule(
        "ENV-OK-MATCHES-STATUS",
        "`ok` is true exactly when the HTTP status is 2xx.",
        f"{_ENVELOPE}: `ok` is true on success, false on failure.",
        "semantic",
    ),
    Rule(
        "ENV-DATA-IFF-OK",
        "`data` is an object present exactly when `ok` is true.",
        f"{_ENVELOPE}: `data` present exactly when `ok` is true; absent when `ok` is false.",
        "schema",
        ("$.data",),
    ),
    # --- payload -----------------------------------------------------------------
    Rule(
        "PAY-SCOPE-ENUM",
        '`data.scope` is "workspace" or "personal".',
        f"{_PAYLOAD}: scope — authenticated key scope: workspace or personal.",
        "schema",
        ("$.data.scope",),
    ),
    Rule(
        "PAY-OWNER-USER-ID-UUID",
        "`data.owner_user_id` is a canonical UUID.",
        f"{_PAYLOAD}: owner_user_id — resolved owner user ID for the authenticated key.",
        "schema",
        ("$.data.owner_user_id",),
    ),
    Rule(
        "PAY-WORKSPACE-ID-UUID-OR-NULL",
        "`data.workspace_id` is present and a canonical UUID or null.",
        f"{_PAYLOAD}: workspace_id string | null.",
        "schema",
        ("$.data.workspace_id",),
    ),
    Rule(
        "PAY-ACCOUNTS-ARRAY",
        "`data.accounts` is an array (empty when there are none, never null).",
        f"{_BEHAVIOUR}: if no active accounts exist, the endpoint returns an empty array.",
        "schema",
        ("$.data.accounts",),
    ),
    # --- account -----------------------------------------------------------------
    Rule(
        "ACC-LIST-OK",
        "A valid key on an active plan gets HTTP 200 with its accounts.",
        "GET /accounts: list the accounts available in the authenticated key scope.",
        "suite",
    ),
    Rule(
        "ACC-OBJECT",
        "Every account is a JSON object.",
        f"{_PAYLOAD}: accounts — list of social accounts available for posting.",
        "schema",
        ("$.data.accounts[*]",),
    ),
    Rule(
        "ACC-ID-UUID",
        "Every account has an `id` that is a canonical UUID.",
        f"{_BEHAVIOUR}: IDs are stable UUIDs constrained to key scope.",
        "schema",
        ("$.data.accounts[*].id",),
    ),
    Rule(
        "ACC-PLATFORM-ENUM",
        "Every account has a `platform`: tiktok, instagram, youtube, pinterest, linkedin or facebook.",
        f"{_BEHAVIOUR}: each account is normalized to expose the platform (tiktok, instagram, etc.).",
        "schema",
        ("$.data.accounts[*].platform",),
    ),
    Rule(
        "ACC-TYPE-ENUM",
        "Every account has a `type`: byo or hosted.",
        f"{_BEHAVIOUR}: each account exposes a simplified type of byo or hosted.",
        "schema",
        ("$.data.accounts[*].type",),
    ),
    Rule(
        "ACC-USERNAME-STRING",
        "Every account has a `username` string.",
        "Data structures, account: username string.",
        "schema",
        ("$.data.accounts[*].username",),
    ),
    Rule(
        "ACC-DISPLAY-NAME-STRING",
        "Every account has a `display_name` string.",
        "Data structures, account: display_name string.",
        "schema",
        ("$.data.accounts[*].display_name",),
    ),
    Rule(
        "ACC-STATUS-ACTIVE",
        'Every account has `status` "active".',
        f"{_BEHAVIOUR}: the API merges active BYO social accounts with active hosted accounts.",
        "schema",
        ("$.data.accounts[*].status",),
    ),
    Rule(
        "ACC-WORKSPACE-ID-UUID-OR-NULL",
        "Every account has a `workspace_id` that is a canonical UUID or null.",
        "Data structures, account: workspace_id string | null.",
        "schema",
        ("$.data.accounts[*].workspace_id",),
    ),
    # --- an account's capabilities (revision 3) ----------------------------------
    Rule(
        "ACC-CAPABILITIES-OBJECT",
        "Every account has `capabilities`, an object. Members the docs do not name are notes, not failures.",
        f"{_REV3}: every account also carries a `capabilities` object (content kinds, caption and media limits, "
        "why a kind is unsupported, a provider settings JSON Schema); Data structures, Social Account: "
        "capabilities object.",
        "schema",
        ("$.data.accounts[*].capabilities",),
        revisions=(3,),
    ),
    Rule(
        "ACC-CAPABILITIES-CONTENT-KINDS",
        "`capabilities.supported_content_kinds` is present and an array of unique strings (`text_only` is "
        "one documented value; the others are not listed).",
        f"{_REV3}: text-only posting only for accounts whose `capabilities.supported_content_kinds` includes "
        "`text_only`; Create Post: check each account's supported_content_kinds before posting.",
        "schema",
        ("$.data.accounts[*].capabilities.supported_content_kinds",),
        revisions=(3,),
    ),
    Rule(
        "ACC-CAPABILITIES-CAPTION-LIMIT",
        "`capabilities.caption_limit`, where present, is a positive integer.",
        f"{_REV3}: capabilities hold caption limits; Create Post (revision 3): check each account's "
        "`caption_limit` before posting.",
        "schema",
        ("$.data.accounts[*].capabilities.caption_limit",),
        revisions=(3,),
    ),
    Rule(
        "ACC-CAPABILITIES-SETTINGS-SCHEMA",
        "`capabilities.settings_schema`, where present, is a valid JSON Schema: the metaschema of its "
        "`$schema` (draft 2020-12 when it names none) accepts it. A client that renders a form from a "
        "broken one breaks.",
        f"{_REV3}: a machine-readable provider settings JSON Schema; Create Post: settings_schema mirrors the "
        "dashboard composer. JSON Schema 2020-12 Core §4.3.1 (a schema is an object or a boolean) and its "
        "metaschema.",
        "semantic",
        revisions=(3,),
    ),
    Rule(
        "ACC-ID-UNIQUE",
        "No account id appears twice in one response.",
        f"{_BEHAVIOUR}: IDs are stable UUIDs constrained to key scope.",
        "semantic",
    ),
    # --- scope -------------------------------------------------------------------
    Rule(
        "SCOPE-WORKSPACE-ID-CONSISTENT",
        "`data.workspace_id` is a UUID when scope is workspace and null when scope is personal.",
        f"{_PAYLOAD}: workspace_id — workspace ID for workspace keys, otherwise null.",
        "semantic",
    ),
    Rule(
        "SCOPE-ACCOUNT-WORKSPACE-ID",
        "Every account's `workspace_id` equals `data.workspace_id`.",
        f"{_BEHAVIOUR}: workspace keys return workspace accounts; personal keys return accounts with "
        "workspace_id IS NULL.",
        "semantic",
    ),
    Rule(
        "SCOPE-MATCHES-KEY",
        "`data.scope` is the scope of the key that was used.",
        f"{_PAYLOAD}: scope — authenticated key scope.",
        "semantic",
    ),
    Rule(
        "SCOPE-EXPECTED-IDS",
        "`data.workspace_id` and `data.owner_user_id` are the ids configured for the key.",
        f"{_PAYLOAD}: workspace_id / owner_user_id resolved for the authenticated key.",
        "semantic",
    ),
    Rule(
        "SCOPE-ISOLATION",
        "No account id is visible to both a workspace key and a personal key.",
        f"{_BEHAVIOUR}: requests never fall through to data outside the key's scope.",
        "suite",
        unwaivable=_TENANTS.format("accounts", "accounts across scopes"),
    ),
    Rule(
        "ACC-ID-STABLE",
        "Every 200 answer to one key in a run lists the same set of account ids as the key's "
        "first (order is free). An account connected or removed on the target during the run shows here too.",
        f"{_BEHAVIOUR}: IDs are stable UUIDs.",
        "suite",
    ),
    Rule(
        "ACC-FACTS-STABLE",
        "An account is the same account on every call: every 200 answer of a run that lists an account id "
        "(any key, client shape or xdist worker) gives it the `platform` and `type` of the first answer "
        "that listed it. Its `username`, `display_name` and `status` may change.",
        f"{_BEHAVIOUR}: IDs are stable UUIDs; each account is normalized to expose the platform and a type of "
        "byo or hosted (callers keep the ids to post with: Create Post takes account ids).",
        "suite",
    ),
    Rule(
        "SCOPE-IDENTITY-STABLE",
        "Every 200 answer to one key in a run has the `data.scope`, `data.owner_user_id` "
        "and `data.workspace_id` of the key's first.",
        f"{_PAYLOAD}: scope, owner_user_id and workspace_id are resolved from the key.",
        "suite",
    ),
    Rule(
        "SCOPE-CONCURRENT-ISOLATION",
        "Concurrent requests with different keys (3 in flight, as the docs advise) "
        "each get their own key's answer: the scope, ids and accounts that key gets alone. Every "
        "configured key's request is sent while two other keys' requests are in flight.",
        f"{_BEHAVIOUR}: requests never fall through to data outside the key's scope; API-wide: keep 3 to 10 "
        "requests in flight.",
        "suite",
        unwaivable=_TENANTS.format("answers", "one key's answer to another key"),
    ),
    # --- errors ------------------------------------------------------------------
    Rule(
        "ERR-DOCUMENTED-ERROR-CODE",
        "402 carries error_code subscription_required, 403 tier_not_allowed, 500 accounts_failed.",
        f"{_ERRORS}: 402 subscription_required, 403 tier_not_allowed, 500 accounts_failed.",
        "semantic",
    ),
    Rule(
        "ERR-CODE-OWN-STATUS",
        "A documented `error_code` comes only with the status the documentation gives it: invalid_token "
        "with 401, subscription_required with 402, tier_not_allowed with 403, accounts_failed with 500. "
        "An error_code the documentation does not name is a note, not a failure.",
        f"{_ERRORS}: 401 — authentication failed (the envelope's example: invalid_token), 402 "
        "subscription_required, 403 tier_not_allowed, 500 accounts_failed.",
        "semantic",
    ),
    Rule(
        "ERR-NO-CREDENTIAL-ECHO",
        "No answer, success or error, carries the presented key in its body or a header, "
        "in any case, percent- or base64-encoded (a public id alone is no secret).",
        "Authentication: the secret is shown once, at creation.",
        "semantic",
        unwaivable=_TENANTS.format("keys", "the key itself to whatever logs or caches the answer"),
    ),
    Rule(
        "AUTH-REQUIRED",
        "A request without a valid key (in Authorization, scheme Bearer) gets a 401 error envelope, never "
        "data: a real key under another scheme too, whatever the case of that scheme's name.",
        f"{_ERRORS}: 401 — authentication failed (missing/invalid/revoked token).",
        "suite",
        unwaivable=_TENANTS.format("data", "every tenant's accounts to anyone without a key"),
    ),
    Rule(
        "AUTH-SCHEME-ANY-CASE",
        "A key gets its documented answer (200, or its plan's 402, 403 or 500) whatever the case of its "
        "auth-scheme: `Bearer`, `bearer` and `BEARER` alike.",
        "RFC 9110 §11.1 (the auth-scheme is a case-insensitive token); Authentication: the key goes in "
        "the Authorization header, scheme Bearer.",
        "suite",
    ),
    Rule(
        "AUTH-SECRET-CHECKED",
        "A key's public id with anything but its own secret (a wrong, truncated, extended "
        "or re-cased one, another key's, none), or its secret alone, gets the 401 error envelope: never data, a "
        "5xx, or the 402/403 that would reveal the plan of the key's owner.",
        f"{_ERRORS}: 401 — invalid token; Authentication: keys are <public_id>.<secret>.",
        "suite",
        unwaivable=_TENANTS.format("data", "a tenant's accounts, or its plan, to anyone who knows a public id"),
    ),
    Rule(
        "PLAN-SUBSCRIPTION-REQUIRED",
        "A key without an active plan gets 402 subscription_required.",
        f"{_ERRORS}: 402 subscription_required.",
        "suite",
    ),
    Rule(
        "PLAN-TIER-NOT-ALLOWED",
        "A Scheduler-tier key gets 403 tier_not_allowed.",
        f"{_ERRORS}: 403 tier_not_allowed.",
        "suite",
    ),
    Rule(
        "OPENAPI-CONFORMANCE",
        "Responses to schemathesis-generated requests conform to schemas/openapi.yaml and the envelope rules.",
        "The OpenAPI document of GET /accounts (schemas/openapi.yaml).",
        "suite",
    ),
)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def in_force(revision: int) -> tuple[Rule, ...]:
    """The rules of one contract revision, in catalogue order."""
    return tuple(rule for rule in RULES if revision in rule.revisions)


def get(rule_id: str) -> Rule:
    return BY_ID[rule_id]


def owner_of(path: tuple[str | int, ...]) -> Rule:
    """The schema rule that owns a JSON path: the longest ``where`` pattern matching it."""
    pattern = "$" + "".join("[*]" if isinstance(part, int) else f".{part}" for part in path)
    while True:
        rule = _OWNERS.get(pattern)
        if rule is not None:
            return rule
        # Walk up one segment: "$.data.accounts[*].x" -> "$.data.accounts[*]" -> ...
        cut = max(pattern.rfind("."), pattern.rfind("["))
        pattern = pattern[:cut] if cut > 0 else "$"


_OWNERS: dict[str, Rule] = {pattern: rule for rule in RULES for pattern in rule.where}
