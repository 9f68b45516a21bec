"""A credential as a printed command writes it: the key as its variable, a probe as the shell
expression that makes it from that variable, anything else holding a key as a placeholder,
and a credential that holds none as it is.

Each expression is run by a real POSIX shell here, with the key in the environment, and
must print exactly the credential the suite sent: the printed command then sends it too.
"""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest

from genviral_contract.credentials.probes import PROBES, derive
from genviral_contract.credentials.secret import Secret
from genviral_contract.credentials.shell import display, parts, placeholder, word

WORKSPACE_VALUE, PERSONAL_VALUE = "gva_live_abc123.Ab3dEf9hIj", "gva_live_zzz999.Other5ecret"
WORKSPACE = Secret.from_variable("GENVIRAL_WORKSPACE_API_KEY", WORKSPACE_VALUE, "workspace key")
PERSONAL = Secret.from_variable("GENVIRAL_PERSONAL_API_KEY", PERSONAL_VALUE, "personal key")
KEYS = (WORKSPACE, PERSONAL)
ENV = {"GENVIRAL_WORKSPACE_API_KEY": WORKSPACE_VALUE, "GENVIRAL_PERSONAL_API_KEY": PERSONAL_VALUE}


def shell_prints(argument: str, env: dict[str, str] | None = None) -> str:
    """What ``sh -c 'printf %s <argument>'`` prints: the word as a shell reads it."""
    sh = shutil.which("sh")
    if sh is None:
        pytest.skip("no POSIX shell (sh) on this machine")
    done = subprocess.run(
        [sh, "-c", f"printf %s {argument}"], env=env or ENV, capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout


def test_a_key_is_its_variable() -> None:
    assert WORKSPACE.variable == "GENVIRAL_WORKSPACE_API_KEY"
    header = word([("Authorization: ", False), *parts(WORKSPACE.bearer(), KEYS)])
    assert header == '"Authorization: Bearer $GENVIRAL_WORKSPACE_API_KEY"'
    assert shell_prints(header) == f"Authorization: Bearer {WORKSPACE_VALUE}"


@pytest.mark.parametrize("scheme", ["bearer", "BEARER"])
def test_a_key_under_its_scheme_in_another_case_shows_the_scheme_as_sent(scheme: str) -> None:
    header = word([("Authorization: ", False), *parts(WORKSPACE.bearer(scheme), KEYS)])
    assert header == f'"Authorization: {scheme} $GENVIRAL_WORKSPACE_API_KEY"'
    assert shell_prints(header) == f"Authorization: {scheme} {WORKSPACE_VALUE}"


def test_a_key_under_another_scheme_is_its_variable_in_a_literal() -> None:
    shown = parts(Secret(f"Basic {WORKSPACE_VALUE}", "workspace key under another scheme"), KEYS)
    assert display(shown) == "Basic ${GENVIRAL_WORKSPACE_API_KEY}"
    assert shell_prints(word(shown)) == f"Basic {WORKSPACE_VALUE}"


@pytest.mark.parametrize(
    "junk",
    ["Bearer not-a-genviral-key", "Basic dXNlcjpwYXNzd29yZA==", "Bearer it's $HOME and `id` and \\ and !", "Bearer"],
)
def test_a_credential_holding_no_key_is_sent_as_it_is(junk: str) -> None:
    shown = parts(Secret(junk, "presented credential"), KEYS)
    assert display(shown) == junk
    assert shell_prints(word(shown)) == junk  # no expansion of $HOME, `id` or !


@pytest.mark.parametrize(
    "value",
    [
        f"Bearer {base64.b64encode(WORKSPACE_VALUE.encode()).decode()}",  # a key in another form
        f"Bearer {WORKSPACE_VALUE.upper()}",
        "Bearer gva_live_q1w2e3.NeverIssued9",  # the shape of a key: masked everywhere anyway
    ],
)
def test_anything_else_of_a_key_is_a_placeholder(value: str) -> None:
    credential = Secret(value, "derived credential")
    assert parts(credential, KEYS) == ((placeholder(credential), False),)
    assert placeholder(credential) == "<the derived credential, not shown>"


@pytest.mark.parametrize("name", [name for name in PROBES if name != "wrong-secret"])
def test_a_probe_is_the_expression_that_makes_it_from_the_keys_variable(name: str) -> None:
    probe = derive(name, WORKSPACE, [PERSONAL])
    assert probe.shell is not None and WORKSPACE_VALUE.partition(".")[2] not in probe.shell
    header = word(parts(probe, KEYS))
    assert shell_prints(header) == probe.reveal()


def test_a_probe_drawn_at_random_is_a_placeholder_that_says_what_it_is() -> None:
    probe = derive("wrong-secret", WORKSPACE, [PERSONAL])
    assert display(parts(probe, KEYS)) == "Bearer <the wrong-secret probe of the workspace key, not shown>"


def test_a_probe_of_a_key_with_no_variable_is_a_placeholder() -> None:
    probe = derive("truncated", Secret(WORKSPACE_VALUE, "workspace key"))
    assert display(parts(probe)) == "Bearer <the truncated probe of the workspace key, not shown>"


@pytest.mark.parametrize("last", ["-", "é"])
def test_a_probe_tr_cannot_make_is_a_placeholder(last: str) -> None:
    key = Secret.from_variable("GENVIRAL_WORKSPACE_API_KEY", f"gva_live_abc123.Ab3d{last}", "workspace key")
    for name in ("last-char-changed", "extended"):
        probe = derive(name, key)
        assert probe.shell == f"Bearer <the {name} probe of the workspace key, not shown>"
