"""The contract a run holds the API to: a revision of the documentation, and the values a
team's policy adds to the closed enums.

Revision 2 (the seed page) is the default. Revision 3 is the documentation as it stands
now: every account carries a ``capabilities`` object. The schema files keep the documented
enums closed; a team's extensions are added when the validators are built (schemas.py
builds them once per :class:`Contract`), so accepting a new platform is a visible act of
the team's, never an edit of the shipped schemas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from genviral_contract.contract.findings import render_value

REVISIONS = (2, 3)
DEFAULT_REVISION = 2
# The enums a policy may extend, with the rule each belongs to.
EXTENSIBLE = {"platform": "ACC-PLATFORM-ENUM", "type": "ACC-TYPE-ENUM"}
# What an extension value may be: the documented values' own shape.
TOKEN = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
POLICY_FILE = "genviral-contract.toml"


@dataclass(frozen=True)
class Contract:
    """A revision and the enum values added to it. Hashable: validators are cached per contract."""

    revision: int = DEFAULT_REVISION
    # (enum name, values added), sorted, only enums that have some.
    extensions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, revision: int = DEFAULT_REVISION, extensions: Mapping[str, Iterable[str]] | None = None) -> Contract:
        added = {name: tuple(sorted(set(values))) for name, values in (extensions or {}).items()}
        return cls(revision, tuple(sorted((name, values) for name, values in added.items() if values)))

    def added(self, name: str) -> tuple[str, ...]:
        """The values the policy adds to the enum ``name``."""
        return dict(self.extensions).get(name, ())

    def extension_lines(self) -> list[str]:
        """One line per extended enum, as the run header and the reports show them."""
        return [f"{name} += {', '.join(values)}" for name, values in self.extensions]


DEFAULT = Contract()


def enum_hint(contract: Contract, name: str, found: object) -> str:
    """How a team accepts a value outside the enum ``name``: the failure's last word."""
    if not isinstance(found, str) or not TOKEN.fullmatch(found):
        hint = (
            f"{render_value(found)} is not a lowercase token, so no policy can accept it "
            "(the documented values are lowercase)"
        )
    else:
        values = ", ".join(render_value(v) for v in sorted({*contract.added(name), found}))
        hint = f"to accept {render_value(found)}, declare it in {POLICY_FILE}: [enums] {name} = [{values}]"
    if contract.revision >= 3 and name == "platform":
        hint += (
            '; revision 3\'s Get Accounts page no longer lists the platforms (tiktok, instagram, "etc."), '
            "and its Create Post names X and Bluesky without their platform strings"
        )
    return hint
