"""Authentication and plan errors: each gets its documented status and error envelope."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genviral_contract.config.settings import ROLES
from genviral_contract.credentials import probes
from genviral_contract.credentials.secret import Secret, unknown_key
from genviral_contract.plugin.judge import RESPONSE_RULES, Judge

pytestmark = pytest.mark.contract

_UNKNOWN = unknown_key()

BAD_HEADERS: dict[str, str | None] = {
    "no Authorization header": None,
    "unknown well-formed key": f"Bearer {_UNKNOWN}",
    "malformed key": "Bearer not-a-genviral-key",
    "key without secret": "Bearer gva_live_abc123",
    "empty bearer": "Bearer",
    "Basic scheme": "Basic dXNlcjpwYXNzd29yZA==",
    "token without scheme": _UNKNOWN,
}


def _expect_401(genviral: Judge, header: Secret | None, note: str | None = None) -> None:
    answer = genviral.get(authorization=header)
    genviral.judge(answer, credential=header, expect_status=401, status_rule="AUTH-REQUIRED", note=note)


@pytest.mark.rules("AUTH-REQUIRED", *RESPONSE_RULES)
@pytest.mark.parametrize("header", list(BAD_HEADERS.values()), ids=list(BAD_HEADERS))
def test_bad_credentials_get_401(genviral: Judge, header: str | None) -> None:
    _expect_401(genviral, None if header is None else Secret(header, "presented credential"))


# Other schemes in another case each: a target that refuses "Token" but not "token" still
# takes a real key under a scheme that is not Bearer.
@pytest.mark.rules("AUTH-REQUIRED", *RESPONSE_RULES)
@pytest.mark.parametrize("scheme", ["Basic", "token", "BEARER-KEY"])
def test_a_real_key_under_another_scheme_gets_401(genviral: Judge, scheme: str) -> None:
    key = genviral.key("workspace")
    _expect_401(genviral, Secret(f"{scheme} {key.reveal()}", "workspace key under another scheme"))


# The suite's other requests write the scheme "Bearer"; clients also write it "bearer" (as
# OAuth's token_type comes) or "BEARER". The auth-scheme is case-insensitive (RFC 9110 §11.1).
SCHEME_SPELLINGS = ("bearer", "BEARER")


@pytest.mark.rules("AUTH-SCHEME-ANY-CASE", *RESPONSE_RULES)
@pytest.mark.parametrize("scheme", SCHEME_SPELLINGS)
def test_every_key_gets_its_answer_whatever_the_case_of_its_scheme(genviral: Judge, scheme: str) -> None:
    roles = [role for role in ROLES if role in genviral.target.keys]
    if not roles:
        pytest.skip("no key is configured (GENVIRAL_*_API_KEY)")
    for role in roles:
        answer = genviral.get(role, scheme=scheme)
        genviral.judge(
            answer,
            expect_status=ROLES[role].expect,
            status_rule="AUTH-SCHEME-ANY-CASE",
            note=f"Authorization: the {role} key under the auth-scheme written {scheme!r}",
        )


# Header values requests can send: visible latin-1, no surrounding whitespace.
_header_text = st.text(st.characters(codec="latin-1", categories=("L", "N", "P", "S", "Zs")), max_size=60)
_authorization = (
    st.one_of(
        _header_text,
        _header_text.map(lambda s: f"Bearer {s}"),
        st.from_regex(r"\Agva_(live|test)_[a-z0-9]{1,12}\.[A-Za-z0-9]{0,24}\Z").map(lambda s: f"Bearer {s}"),
    )
    .map(str.strip)
    .filter(bool)
)


@pytest.mark.rules("AUTH-REQUIRED", *RESPONSE_RULES)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=_authorization)
def test_arbitrary_authorization_gets_a_401_envelope(genviral: Judge, header: str) -> None:
    # Generated junk is no secret: showing it makes a failure reproducible.
    _expect_401(genviral, Secret(header, "generated credential"), note=f"Authorization: {header!r} (generated)")


@pytest.mark.rules("AUTH-SECRET-CHECKED", *RESPONSE_RULES)
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("probe", list(probes.PROBES))
def test_a_key_with_anything_but_its_secret_gets_401(genviral: Judge, probe: str, role: str) -> None:
    key = genviral.key(role)
    others = [k for r, k in genviral.target.keys.items() if r != role]
    try:
        credential = genviral.presenting(probes.derive(probe, key, others))
    except probes.NotApplicable as exc:
        pytest.skip(f"{probe} probe of the {role} key: {exc}")
    answer = genviral.get(authorization=credential)
    genviral.judge(
        answer,
        credential=credential,
        expect_status=401,
        status_rule="AUTH-SECRET-CHECKED",
        note=f"Authorization: the {credential.label} ({probes.PROBES[probe].description})",
    )


PLAN_ERRORS = {
    "unsubscribed": "PLAN-SUBSCRIPTION-REQUIRED",
    "scheduler": "PLAN-TIER-NOT-ALLOWED",
    "failing": "ERR-DOCUMENTED-ERROR-CODE",
}


@pytest.mark.parametrize(
    "role",
    [
        pytest.param(role, marks=pytest.mark.rules(rule, "ERR-DOCUMENTED-ERROR-CODE", *RESPONSE_RULES), id=role)
        for role, rule in PLAN_ERRORS.items()
    ],
)
def test_plan_errors_have_their_documented_status_and_code(genviral: Judge, role: str) -> None:
    answer = genviral.get(role)
    genviral.judge(answer, expect_status=ROLES[role].expect, status_rule=PLAN_ERRORS[role])
