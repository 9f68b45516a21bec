"""docs/rules.md is generated from the rule catalogue and must not fall behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

from genviral_contract.contract import rules, rules_doc
from genviral_contract.contract.findings import markdown_cell
from genviral_contract.credentials.masking import mask

ROOT = Path(__file__).resolve().parents[3]


def test_docs_rules_md_is_up_to_date() -> None:
    assert rules_doc.is_current(ROOT / rules_doc.DEFAULT_PATH), f"docs/rules.md is stale: run `{rules_doc.COMMAND}`"


def test_every_rule_has_a_row() -> None:
    text = rules_doc.render()
    for rule in rules.RULES:
        assert f"| `{rule.id}` | {rule.kind} |" in text


def test_check_flags_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "rules.md"
    assert rules_doc.main(["--check", "--output", str(target)]) == 1
    assert "stale" in capsys.readouterr().err
    assert rules_doc.main(["--output", str(target)]) == 0
    assert rules_doc.main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8").replace("ENV-OBJECT", "ENV-THING"), encoding="utf-8")
    assert rules_doc.main(["--check", "--output", str(target)]) == 1


def test_pipes_in_text_do_not_break_the_table() -> None:
    assert markdown_cell("a | b\nc") == "a \\| b c"


def test_no_rule_text_is_changed_by_masking() -> None:
    # A failure message is masked before it is shown, every token after "Bearer " included:
    # a rule's own words must come through whole.
    changed = [rule.id for rule in rules.RULES for text in (rule.statement, rule.source) if mask(text) != text]
    assert not changed, changed
