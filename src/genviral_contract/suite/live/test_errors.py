"""Authentication and plan errors: each gets its documented status and error envelope."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genviral_contract.config.settings import ROLES
from genviral_contract.credentials import probes
from genviral_contract.credentials.secret import Secret, unknown_key
from genviral_contract.http.limits import MAX_IN_FLIGHT
from genviral_contract.plugin.judge import RESPONSE_RULES, Judge
from genviral_contract.plugin.profiles import LIVE_PHASES
from genviral_contract.plugin.together import Ask

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


@pytest.mark.rules("AUTH-REQUIRED", *RESPONSE_RULES)
def test_bad_credentials_get_401(genviral: Judge) -> None:
    presented = {
        name: None if header is None else Secret(header, "presented credential") for name, header in BAD_HEADERS.items()
    }
    # Independent questions: sent together, each judged, in the order above.
    with genviral.together([Ask(authorization=c) for c in presented.values()]) as answers, genviral.judging_all():
        for (name, credential), answer in zip(presented.items(), answers, strict=True):
            note = f"asked with: {name}"
            genviral.judge(answer, credential=credential, expect_status=401, status_rule="AUTH-REQUIRED", note=note)


# Other schemes, each judged alone: a target that refuses "Token" but not "token" still
# takes a real key under a scheme that is not Bearer.
@pytest.mark.rules("AUTH-REQUIRED", *RESPONSE_RULES)
def test_a_real_key_under_another_scheme_gets_401(genviral: Judge) -> None:
    key = genviral.key("workspace")
    schemes = ("Basic", "token", "BEARER-KEY")
    presented = [Secret(f"{scheme} {key.reveal()}", "workspace key under another scheme") for scheme in schemes]
    with genviral.together([Ask(authorization=c) for c in presented]) as answers, genviral.judging_all():
        for scheme, credential, answer in zip(schemes, presented, answers, strict=True):
            note = f"the workspace key under the scheme {scheme!r}"
            genviral.judge(answer, credential=credential, expect_status=401, status_rule="AUTH-REQUIRED", note=note)


# The suite's other requests write the scheme "Bearer"; clients also write it "bearer" (as
# OAuth's token_type comes) or "BEARER". The auth-scheme is case-insensitive (RFC 9110 §11.1).
SCHEME_SPELLINGS = ("bearer", "BEARER")


@pytest.mark.rules("AUTH-SCHEME-ANY-CASE", *RESPONSE_RULES)
@pytest.mark.parametrize("role", list(ROLES))
def test_every_key_gets_its_answer_whatever_the_case_of_its_scheme(genviral: Judge, role: str) -> None:
    # The spellings of one key are independent questions: asked together, each judged. The
    # key under "Bearer" goes with them when the run has not asked it yet: its answer is the
    # run's, which the plan-error test and the scenarios judge again rather than ask again.
    asks = [Ask(role, scheme=scheme) for scheme in SCHEME_SPELLINGS] + [Ask(role, fresh=False)]
    with genviral.together(asks) as answers, genviral.judging_all():
        for scheme in SCHEME_SPELLINGS:
            genviral.judge(
                next(answers),
                expect_status=ROLES[role].expect,
                status_rule="AUTH-SCHEME-ANY-CASE",
                note=f"Authorization: the {role} key under the auth-scheme written {scheme!r}",
            )
        next(answers)  # taken as the run's answer to the key under "Bearer"


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


# Each example asks as many generated headers at once as a run keeps in flight, in a third
# of the examples the profile gives a test: as many headers, a third of the round trips.
_AT_ONCE = MAX_IN_FLIGHT


@pytest.mark.rules("AUTH-REQUIRED", *RESPONSE_RULES)
@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    max_examples=-(-settings().max_examples // _AT_ONCE),
    phases=LIVE_PHASES,
)
@given(headers=st.lists(_authorization, min_size=_AT_ONCE, max_size=_AT_ONCE, unique=True))
def test_arbitrary_authorization_gets_a_401_envelope(genviral: Judge, headers: list[str]) -> None:
    presented = [Secret(header, "generated credential") for header in headers]
    with genviral.together([Ask(authorization=credential) for credential in presented]) as answers:
        for header, credential, answer in zip(headers, presented, answers, strict=True):
            # Generated junk is no secret: showing it makes a failure reproducible.
            note = f"Authorization: {header!r} (generated)"
            genviral.judge(answer, credential=credential, expect_status=401, status_rule="AUTH-REQUIRED", note=note)


@pytest.mark.rules("AUTH-SECRET-CHECKED", *RESPONSE_RULES)
@pytest.mark.parametrize("role", list(ROLES))
def test_a_key_with_anything_but_its_secret_gets_401(genviral: Judge, role: str) -> None:
    key = genviral.key(role)
    others = [k for r, k in genviral.target.keys.items() if r != role]
    credentials, unmade = [], []
    for probe in probes.PROBES.values():
        try:
            credentials.append((probe, genviral.presenting(probes.derive(probe.name, key, others))))
        except probes.NotApplicable as exc:
            unmade.append(f"the {probe.name} probe of the {role} key: {exc}")
    if not credentials:
        pytest.skip("; ".join(unmade))
    for why in unmade:
        genviral.note(f"not sent, {why}")
    # The probes are independent questions: sent together, each judged, in the order above.
    asks = [Ask(authorization=credential) for _, credential in credentials]
    with genviral.together(asks) as answers, genviral.judging_all():
        for (probe, credential), answer in zip(credentials, answers, strict=True):
            genviral.judge(
                answer,
                credential=credential,
                expect_status=401,
                status_rule="AUTH-SECRET-CHECKED",
                note=f"Authorization: the {credential.label} ({probe.description})",
            )


PLAN_ERRORS = {
    "unsubscribed": "PLAN-SUBSCRIPTION-REQUIRED",
    "scheduler": "PLAN-TIER-NOT-ALLOWED",
    "failing": "ERR-DOCUMENTED-ERROR-CODE",
}


# One test per plan, each with its own rule: a key that is not configured skips its rule alone.
@pytest.mark.parametrize(
    "role",
    [
        pytest.param(role, marks=pytest.mark.rules(rule, "ERR-DOCUMENTED-ERROR-CODE", *RESPONSE_RULES), id=role)
        for role, rule in PLAN_ERRORS.items()
    ],
)
def test_plan_errors_have_their_documented_status_and_code(genviral: Judge, role: str) -> None:
    answer = genviral.get(role, fresh=False)
    genviral.judge(answer, expect_status=ROLES[role].expect, status_rule=PLAN_ERRORS[role])
