"""``genviral-contract drift``: the target's answers today, compared with the cassettes.

Exit 0 / 1 by the report (see cassettes/drift.py for what counts as breaking); exit 2,
before any request, for anything the user has to fix: a setting or option out of bounds
(the same checks as the pytest plugin's, through :func:`settings.load`), missing or
malformed cassettes; and exit 2 when the target does not answer.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from genviral_contract.cassettes.drift import Answer, Report, Result, contract_enums, diff
from genviral_contract.cassettes.format import DEFAULT_DIR, RECORD_ALL, CassetteError, Interaction, display, load
from genviral_contract.cassettes.scenarios import SCENARIOS, Scenario
from genviral_contract.cli.output import emit, fail
from genviral_contract.config import settings as settings_mod
from genviral_contract.config.target import Target, open_target
from genviral_contract.config.values import SettingsError
from genviral_contract.credentials.masking import mask
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.errors import TargetError
from genviral_contract.http.session import fetch


def _cassettes(directory: Path) -> dict[str, Interaction]:
    if not directory.is_dir() or not any(directory.glob("*.yaml")):
        raise fail(f"drift: no cassettes in {display(directory)}; record them with: {RECORD_ALL}")
    recorded, problems = {}, []
    for scenario in SCENARIOS.values():
        try:
            # The last interaction is the answer; earlier ones are recorded retries.
            recorded[scenario.name] = load(directory / scenario.filename)[-1]
        except CassetteError as exc:
            problems.append(f"drift: {exc}")
    if problems:
        raise fail("\n".join(problems))
    return recorded


def _compare(
    scenario: Scenario, recorded: Interaction, target: Target, used: list[Secret], enums: dict[str, frozenset[str]]
) -> Result:
    result = Result(scenario.name, recorded.status)
    if scenario.role is not None and scenario.role not in target.keys:
        result.skipped = f"{settings_mod.ROLES[scenario.role].env} is not set"
        return result
    credential = scenario.credential(target.keys)
    if credential is not None:
        used.append(credential)
    answer = fetch(target.session, target.url(), role=scenario.role, authorization=credential)
    result.live_status = answer.status
    result.changes = diff(Answer.of(recorded.status, recorded.body), Answer.of(answer.status, answer.content), enums)
    return result


# By the variable each overrides: an error in a value typed on the command line names the option typed.
OPTIONS = {setting.env: option for setting, option in settings_mod.DRIFT_OPTIONS}


def run(args: argparse.Namespace) -> int:
    """Exit 0 / 1 by the report; 2, with a line per problem and no request sent, for a setting,
    an option or a cassette the user has to fix, and for a target that does not answer."""
    directory = Path(args.cassettes) if args.cassettes else DEFAULT_DIR
    try:
        # Settings first: they are cheaper to check, and a bad one makes the cassettes moot.
        overrides = {env: getattr(args, settings_mod.Setting.dest(option)) for env, option in OPTIONS.items()}
        loaded = settings_mod.load(overrides=overrides, options=OPTIONS)
    except SettingsError as exc:
        raise fail(f"drift: {exc}") from None
    recorded = _cassettes(directory)
    target = open_target(loaded)
    used: list[Secret] = list(target.keys.values())
    try:
        enums = contract_enums(loaded.contract)
        results = [_compare(s, recorded[s.name], target, used, enums) for s in SCENARIOS.values()]
    except TargetError as exc:
        raise fail(mask(f"drift: {target.label} did not answer, nothing was compared: {exc}", *used)) from None
    finally:
        target.close()
    where = target.label + (
        " (neither --base-url nor GENVIRAL_BASE_URL is set: a fresh one for this run)" if loaded.embedded else ""
    )
    where += f"; contract revision {loaded.contract.revision}"
    if loaded.policy is not None:
        where += "; policy " + "; ".join([loaded.policy.line(), *loaded.contract.extension_lines()])
    report = Report(where, display(directory), args.strict, results)
    # Masked on the way out, as in the pytest reports: a body that echoed a key stays masked.
    emit(report, args.format, tuple(used))
    return report.exit_code
