"""What a run holds the target to and what the team accepted, as the run header, the reports
and the JUnit file show it: the contract revision, the policy's digest, a line per enum
extension and per waiver. A green run traces to exactly what made it green."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from genviral_contract.config.policy import Policy
from genviral_contract.config.settings import Settings
from genviral_contract.contract import provenance
from genviral_contract.contract.revision import DEFAULT, Contract
from genviral_contract.contract.waivers import Waiver


@dataclass(frozen=True)
class Accepted:
    contract: Contract = DEFAULT
    policy: Policy | None = None
    today: date = field(default_factory=date.today)

    @classmethod
    def of(cls, settings: Settings) -> Accepted:
        return cls(settings.contract, settings.policy)

    @property
    def waivers(self) -> tuple[Waiver, ...]:
        return self.policy.waivers if self.policy else ()

    def judged_by(self) -> str:
        return provenance.line(self.contract.revision)

    def waiver_line(self, waiver: Waiver, covered: int | None = None) -> str:
        """A waiver and its state: in force, expired (and since when), or, after a run, unused."""
        if waiver.expired(self.today):
            state = f"EXPIRED after {waiver.until.isoformat()}: covers nothing, its failures fail the run"
        elif covered is None:
            state = "in force"
        elif covered:
            state = f"covered {covered} failure{'s' if covered != 1 else ''}"
        else:
            state = "unused: matched nothing in this run; remove it once it is not needed"
        return f"{waiver.line()} [{state}]"

    def lines(self, covered: dict[int, int] | None = None) -> list[str]:
        """The policy's lines: its file and digest, each extension, each waiver (``covered``:
        after a run, how many failures each waiver covered, by number)."""
        if self.policy is None:
            return []
        found = [f"policy: {self.policy.line()}"]
        found += [f"extension: {line}" for line in self.contract.extension_lines()]
        found += [
            "waiver: " + self.waiver_line(w, None if covered is None else covered.get(w.number, 0))
            for w in self.waivers
        ]
        return found

    def junit_properties(self) -> list[tuple[str, str]]:
        """The run's global JUnit properties: provenance, then the policy's lines."""
        found = [
            (f"genviral_contract_{name}", str(value))
            for name, value in provenance.as_dict(self.contract.revision).items()
        ]
        if self.policy is not None:
            found += [
                ("genviral_contract_policy", self.policy.path),
                ("genviral_contract_policy_sha256", self.policy.sha256),
            ]
            found += [("genviral_contract_extension", line) for line in self.contract.extension_lines()]
            found += [("genviral_contract_waiver", self.waiver_line(w)) for w in self.waivers]
        return found

    def as_json(self, covered: dict[int, int]) -> dict[str, Any] | None:
        if self.policy is None:
            return None
        waivers = []
        for waiver in self.waivers:
            count = covered.get(waiver.number, 0)
            state = "expired" if waiver.expired(self.today) else ("used" if count else "unused")
            waivers.append({**waiver.as_dict(), "state": state, "covered": count})
        return {
            "path": self.policy.path,
            "sha256": self.policy.sha256,
            "revision": self.policy.revision,
            "extensions": {name: list(values) for name, values in self.contract.extensions},
            "waivers": waivers,
        }
