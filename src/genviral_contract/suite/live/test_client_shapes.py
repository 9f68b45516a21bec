"""Every documented answer, as each kind of real client asks for it: the headers it sends
and how it uses connections (genviral_contract.http.shapes).

Each answer is judged by the whole contract, and each 200 is compared with the key's first
answer of the run (Judge.judge does), so an answer that depends on Accept, Accept-Encoding
or the connection fails SCOPE-IDENTITY-STABLE or ACC-ID-STABLE, if no rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from genviral_contract.config.settings import ROLES
from genviral_contract.credentials.secret import Secret, unknown_key
from genviral_contract.http import shapes
from genviral_contract.plugin.judge import RESPONSE_RULES, Judge
from genviral_contract.plugin.together import Ask

pytestmark = pytest.mark.contract

# The rule each documented status answers to.
STATUS_RULES = {
    200: "ACC-LIST-OK",
    401: "AUTH-REQUIRED",
    402: "PLAN-SUBSCRIPTION-REQUIRED",
    403: "PLAN-TIER-NOT-ALLOWED",
    500: "ERR-DOCUMENTED-ERROR-CODE",
}


@dataclass(frozen=True)
class Question:
    asked: str  # as a failure message names it
    role: str | None
    authorization: Secret | None
    status: int


def questions(genviral: Judge) -> list[Question]:
    """Each configured key, with no key and a bad key between them: on a shared connection
    every request follows another caller's."""
    keyed = [
        Question(f"the {role} key", role, None, ROLES[role].expect) for role in ROLES if role in genviral.target.keys
    ]
    unkeyed = [
        Question("no key", None, None, 401),
        Question("a bad key", None, Secret(f"Bearer {unknown_key()}", "bad key"), 401),
    ]
    mixed: list[Question] = []
    for i, question in enumerate(keyed):
        mixed.append(question)
        if i < len(unkeyed):
            mixed.append(unkeyed[i])
    return mixed + unkeyed[len(keyed) :]


@pytest.mark.rules(*sorted(set(STATUS_RULES.values())), "ACC-ID-STABLE", "SCOPE-IDENTITY-STABLE", *RESPONSE_RULES)
def test_every_documented_answer_holds_for_each_client(genviral: Judge) -> None:
    asked = questions(genviral)
    shapes.hang_up(genviral.target.session)  # a shared connection starts here, with this test's first request
    # One question at a time, as every client asks it at once (one key in flight at a time):
    # a fresh client on a connection of its own, a shared one on the session's kept-alive
    # connection, which so carries one key's request after another's.
    shared, closed = 0, 0
    with genviral.judging_all():
        for question in asked:
            with genviral.together([Ask(question.role, question.authorization, s) for s in shapes.SHAPES]) as answers:
                for shape, answer in zip(shapes.SHAPES, answers, strict=True):
                    if shape.connection == "shared":
                        # An answer that says "Connection: close" ends the kept-alive connection
                        # (the client's pool opens the next one on the same connection object,
                        # so only the answers tell).
                        shared += 1
                        closed += "close" in answer.headers.get("Connection", "").lower()
                    genviral.judge(
                        answer,
                        credential=question.authorization,
                        expect_status=question.status,
                        status_rule=STATUS_RULES[question.status],
                        note=f"asked as {shape.describe()}, with {question.asked}",
                    )
    if closed:
        names = ", ".join(shape.name for shape in shapes.SHAPES if shape.connection == "shared")
        genviral.note(
            f"{names}: the target closed the kept-alive connection between requests ({closed} of "
            f"{shared} answers said Connection: close), so keys shared it less than asked"
        )
