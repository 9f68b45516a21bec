"""The team's policy file: what it says, and each way it is refused (one line: file, line, field)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from genviral_contract.config import policy, settings
from genviral_contract.config.settings import ROLES
from genviral_contract.config.values import SettingsError
from genviral_contract.contract import rules
from genviral_contract.contract.findings import Violation
from genviral_contract.contract.revision import Contract
from genviral_contract.contract.waivers import Waiver, split

EXAMPLE = """\
revision = 3                                  # the contract revision (default 2)

[enums]
platform = ["x", "bluesky"]                   # added to the documented values

[[waiver]]
rule = "ACC-STATUS-ACTIVE"                    # a rule id from docs/rules.md
until = 2027-01-15                            # a TOML date; required
reason = "paused accounts leak into the list; API-1234"
# optional: path = "$.data.accounts[*].status", found = "paused", key = "workspace"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "genviral-contract.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(policy.PolicyError) as caught:
        policy.load(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message.removeprefix(str(path))


def test_the_issues_example_means_what_it_says(tmp_path: Path) -> None:
    found = policy.load(write(tmp_path, EXAMPLE))
    assert found.revision == 3
    assert found.contract(3) == Contract(3, (("platform", ("bluesky", "x")),))
    (waiver,) = found.waivers
    assert (waiver.number, waiver.rule, waiver.until) == (1, "ACC-STATUS-ACTIVE", date(2027, 1, 15))
    assert waiver.reason == "paused accounts leak into the list; API-1234"
    assert (waiver.path, waiver.found, waiver.key) == (None, None, None)
    assert len(found.sha256) == 64


def test_an_empty_policy_is_revision_2_with_nothing_accepted(tmp_path: Path) -> None:
    found = policy.load(write(tmp_path, "# nothing accepted yet\n"))
    assert (found.revision, dict(found.extensions), found.waivers) == (None, {}, ())


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('revision = 3\nplatform = ["x", \n', ":2: platform: not TOML: Invalid value at the end of the file"),
        ("revision = 3\n[enums\n", ":2: not TOML: "),
        (
            "revison = 3\n",
            ":1: revison: unknown key (did you mean revision?); known keys here: revision, enums, waiver",
        ),
        ("revision = 4\n", ":1: revision: 4 is not a contract revision (2 or 3, a bare number)"),
        ('revision = "3"\n', ':1: revision: "3" is not a contract revision'),
        ("revision = true\n", ":1: revision: true is not a contract revision"),
        ('[enums]\nstatus = ["paused"]\n', ":2: enums.status: not an enum a policy may extend; only platform, type"),
        ('[enums]\nplatform = "x"\n', ":2: enums.platform: an array of values to add"),
        ('[enums]\nplatform = ["TikTok"]\n', ':2: enums.platform: "TikTok" is not a lowercase token'),
        ('[enums]\nplatform = ["tiktok"]\n', ':2: enums.platform: "tiktok" is documented already'),
        ('[enums]\ntype = ["byo"]\n', ':2: enums.type: "byo" is documented already'),
        ("[[waiver]]\nrule = 'ACC-STATUS-ACTIVE'\nuntil = 2027-01-15\n", ":1: waiver[1]: no reason"),
        (
            "[[waiver]]\nrule = 'ACC-STATUS-ACTIV'\nuntil = 2027-01-15\nreason = 'r'\n",
            ':2: waiver[1].rule: unknown rule "ACC-STATUS-ACTIV"; the closest: ACC-STATUS-ACTIVE',
        ),
        (
            "[[waiver]]\nrule = 'NO-SUCH'\nuntil = 2027-01-15\nreason = 'r'\n",
            ':2: waiver[1].rule: unknown rule "NO-SUCH"; the rule ids are in docs/rules.md',
        ),
        (
            "[[waiver]]\nrule = 'ACC-STATUS-ACTIVE'\nuntil = '2027-01-15'\nreason = 'r'\n",
            ':3: waiver[1].until: "2027-01-15" is not a date: write a bare TOML date, e.g. until = 2027-01-15',
        ),
        (
            "[[waiver]]\nrule = 'ACC-STATUS-ACTIVE'\nuntil = 2027-01-15T09:00:00Z\nreason = 'r'\n",
            ":3: waiver[1].until: 2027-01-15T09:00:00+00:00 is not a date",
        ),
        ("[[waiver]]\nrule = 'ACC-STATUS-ACTIVE'\nuntil = 2027-02-30\nreason = 'r'\n", ":3: waiver[1].until: not TOML"),
        (
            "[[waiver]]\nrule = 'ACC-STATUS-ACTIVE'\nuntil = 2027-01-15\nreason = 'r'\nreasons = 'r'\n",
            ":5: waiver[1].reasons: unknown key (did you mean reason?)",
        ),
        ("[[waiver]]\nrule = 'ACC-STATUS-ACTIVE'\nuntil = 2027-01-15\nreason = ' '\n", ":4: waiver[1].reason: "),
        (
            "[[waiver]]\nrule = 'ACC-STATUS-ACTIVE'\nuntil = 2027-01-15\nreason = 'r'\npath = 'data.accounts'\n",
            ':5: waiver[1].path: "data.accounts" is not a JSON path',
        ),
        (
            "[[waiver]]\nrule = 'ACC-STATUS-ACTIVE'\nuntil = 2027-01-15\nreason = 'r'\nkey = 'admin'\n",
            ':5: waiver[1].key: "admin" is not a key role',
        ),
        ("waiver = 'none'\n", ":1: waiver: an array of tables"),
        ('api_key = "gva_live_abc123.0123456789abcdef"\n', ":1: api_key: unknown key (API keys are never read"),
    ],
)
def test_a_mistake_is_one_line_naming_the_line_and_the_field(tmp_path: Path, text: str, says: str) -> None:
    message = refused(tmp_path, text)
    assert message.startswith(says), message
    assert "gva_live_abc123" not in message


def test_the_second_waiver_is_named_by_its_own_line(tmp_path: Path) -> None:
    text = EXAMPLE + '\n[[waiver]]\nowner = "me"\nrule = "ACC-TYPE-ENUN"\nuntil = 2027-01-15\nreason = "r"\n'
    assert refused(tmp_path, text).startswith(':14: waiver[2].rule: unknown rule "ACC-TYPE-ENUN"; the closest: ')


def test_multi_line_values_do_not_shift_the_lines(tmp_path: Path) -> None:
    text = (
        '[enums]\nplatform = [\n  "x",\n  "bluesky",  # [brackets] in a comment\n]\n'
        '[[waiver]]\nrule = "ACC-STATUS-ACTIVE"\nuntil = 2027-01-15\nreason = """two\nlines = 3"""\nfound = []\n'
    )
    assert refused(tmp_path, text).startswith(":11: waiver[1].found: []: a string, number or boolean")


@pytest.mark.parametrize("rule", [r for r in rules.RULES if not r.waivable], ids=lambda r: r.id)
def test_no_policy_waives_a_rule_that_keeps_tenants_apart(tmp_path: Path, rule: rules.Rule) -> None:
    text = f'[[waiver]]\nrule = "{rule.id}"\nuntil = 2027-01-15\nreason = "r"\n'
    assert refused(tmp_path, text) == f":2: waiver[1].rule: {rule.id} cannot be waived: {rule.unwaivable}"


def test_the_tenant_rules_are_the_unwaivable_ones() -> None:
    tenants = {"AUTH-REQUIRED", "AUTH-SECRET-CHECKED", "ERR-NO-CREDENTIAL-ECHO", "SCOPE-ISOLATION"}
    tenants |= {"SCOPE-CONCURRENT-ISOLATION", "HTTP-CACHE-PRIVATE"}
    assert {r.id for r in rules.RULES if not r.waivable} == tenants | {"HTTP-ANSWERS"}


def test_a_waivers_key_roles_are_the_suites() -> None:
    assert set(policy._ROLES) == set(ROLES)


def test_unreadable_and_undecodable_files_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "genviral-contract.toml"
    path.write_bytes(b'revision = 3\nname = "\xff"\n')
    with pytest.raises(policy.PolicyError, match=r":2: not UTF-8"):
        policy.load(path)
    with pytest.raises(policy.PolicyError, match="is a folder"):
        policy.load(tmp_path)


# --- how the settings find it, and the revision's precedence ------------------------------------


def test_the_root_folders_policy_is_found_and_a_named_one_wins(tmp_path: Path) -> None:
    write(tmp_path, "revision = 3\n")
    other = tmp_path / "team.toml"
    other.write_text("revision = 2\n", encoding="utf-8")
    assert settings.load({}, root=tmp_path).contract.revision == 3
    assert settings.load({"GENVIRAL_POLICY": str(other)}, root=tmp_path).contract.revision == 2
    assert settings.load({}, root=tmp_path / "nowhere").policy is None
    with pytest.raises(SettingsError, match=r"^--policy='missing.toml' is not a file"):
        settings.load({}, {"GENVIRAL_POLICY": "missing.toml"}, options={"GENVIRAL_POLICY": "--policy"}, root=tmp_path)


def test_option_then_environment_then_policy_then_2(tmp_path: Path) -> None:
    write(tmp_path, "revision = 3\n")
    option = {"GENVIRAL_CONTRACT_REVISION": "2"}
    assert settings.load({}, root=tmp_path).contract.revision == 3
    assert settings.load({"GENVIRAL_CONTRACT_REVISION": "2"}, root=tmp_path).contract.revision == 2
    assert settings.load({"GENVIRAL_CONTRACT_REVISION": "3"}, option, root=tmp_path).contract.revision == 2
    assert settings.load({}, root=tmp_path / "none").contract.revision == 2


def test_a_broken_policy_is_a_settings_error(tmp_path: Path) -> None:
    write(tmp_path, "revision = 9\n")
    with pytest.raises(SettingsError, match=r"genviral-contract.toml:1: revision: 9 is not"):
        settings.load({}, root=tmp_path)


# --- what a waiver covers ------------------------------------------------------------------------

TODAY = date(2026, 6, 1)
STATUS = Violation("ACC-STATUS-ACTIVE", "$.data.accounts[3].status", 'one of "active"', '"paused"')


@pytest.mark.parametrize(
    ("narrowed", "role", "covers"),
    [
        ({}, None, True),
        ({"path": "$.data.accounts[*].status"}, None, True),
        ({"path": "$.data.accounts[3].status"}, None, True),
        ({"path": "$.data.accounts[*]"}, None, True),
        ({"path": "$.data.accounts[4].status"}, None, False),
        ({"path": "$.data.accounts[*].stat"}, None, False),
        ({"found": "paused"}, None, True),
        ({"found": "inactive"}, None, False),
        ({"key": "workspace"}, "workspace", True),
        ({"key": "workspace"}, "personal", False),
        ({"key": "workspace"}, None, False),
    ],
)
def test_what_a_waiver_covers(narrowed: dict[str, str], role: str | None, covers: bool) -> None:
    waiver = Waiver(1, "ACC-STATUS-ACTIVE", date(2027, 1, 15), "r", **narrowed)
    assert waiver.covers(STATUS, role, TODAY) is covers


def test_a_waiver_covers_its_rule_only_and_only_through_its_date() -> None:
    waiver = Waiver(1, "ACC-STATUS-ACTIVE", TODAY, "r")
    other = Violation("ACC-TYPE-ENUM", "$.data.accounts[3].type", "x", '"own"')
    assert split([STATUS, other], [waiver], None, TODAY) == ([other], [(STATUS, waiver)])
    assert split([STATUS], [waiver], None, date(2026, 6, 2)) == ([STATUS], [])
