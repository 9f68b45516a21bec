"""The documented scenarios of GET /accounts, as data: what to send, what the contract answers.

Each scenario has one cassette, ``cassettes/<name>.yaml``. The live suite records them
(tests/contract/test_scenarios.py), the replay judges them offline (tests/replay), and
``genviral-contract drift`` compares them with the target's answers today.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from genviral_contract.credentials.secret import Secret, unknown_key

# What goes into the Authorization header: the role's key, nothing, or a key of the
# documented shape that was never issued.
Auth = Literal["key", "none", "unknown"]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    role: str | None  # a settings.ROLES name when the scenario needs a configured key
    auth: Auth
    status: int
    rule: str  # the rule that owns the expected status

    @property
    def filename(self) -> str:
        return f"{self.name}.yaml"

    def credential(self, keys: Mapping[str, Secret]) -> Secret | None:
        """The Authorization value to send; KeyError when the role's key is not configured."""
        if self.auth == "none":
            return None
        if self.auth == "unknown":
            return Secret(f"Bearer {unknown_key()}", "unknown key")
        assert self.role is not None
        return keys[self.role].bearer()

    def request_line(self) -> str:
        who = {
            "key": f"the {self.role} key",
            "none": "no Authorization header",
            "unknown": "an unknown well-formed key",
        }[self.auth]
        return f"GET /accounts with {who}"


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "workspace-key",
            "a workspace key lists the workspace's active accounts",
            "workspace",
            "key",
            200,
            "ACC-LIST-OK",
        ),
        Scenario(
            "personal-key", "a personal key lists the owner's personal accounts", "personal", "key", 200, "ACC-LIST-OK"
        ),
        Scenario(
            "empty-scope",
            "a key whose scope has no active account gets an empty list",
            "empty",
            "key",
            200,
            "ACC-LIST-OK",
        ),
        Scenario("missing-key", "a request without Authorization gets 401", None, "none", 401, "AUTH-REQUIRED"),
        Scenario(
            "unknown-key", "a well-formed key that was never issued gets 401", None, "unknown", 401, "AUTH-REQUIRED"
        ),
        Scenario(
            "lapsed-plan",
            "a key without an active plan gets 402 subscription_required",
            "unsubscribed",
            "key",
            402,
            "PLAN-SUBSCRIPTION-REQUIRED",
        ),
        Scenario(
            "scheduler-tier",
            "a Scheduler-tier key gets 403 tier_not_allowed",
            "scheduler",
            "key",
            403,
            "PLAN-TIER-NOT-ALLOWED",
        ),
        Scenario(
            "accounts-failed",
            "a failing accounts query gets 500 accounts_failed",
            "failing",
            "key",
            500,
            "ERR-DOCUMENTED-ERROR-CODE",
        ),
    )
}
