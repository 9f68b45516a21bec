"""The start of a run: the suite's markers, the hypothesis profile, the settings, a check
of every file the run will write, and the per-run plugins (tallies, summary, JUnit file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from genviral_contract.artefacts import NotWritten, check_writable
from genviral_contract.cassettes.har import SAVE_OPTION
from genviral_contract.cassettes.recording import Recorder
from genviral_contract.config import settings
from genviral_contract.config.values import SettingsError
from genviral_contract.contract.continuity import Continuity
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.limits import RunLimits
from genviral_contract.http.run_mark import AGENT
from genviral_contract.plugin import options, profiles
from genviral_contract.plugin.accepted import Accepted
from genviral_contract.plugin.junit import JUNIT_OPTION, JunitFile, junit_path
from genviral_contract.plugin.ledger import REPORT_OPTION
from genviral_contract.plugin.masking import mask_terminal
from genviral_contract.plugin.run import RunState
from genviral_contract.plugin.sightings import SharedFirsts
from genviral_contract.plugin.stash import ANSWERS, CONTINUITY, LIMITS, RECORDER, RUN_ID, SECRETS, SETTINGS
from genviral_contract.plugin.summary import Summary
from genviral_contract.plugin.xdist import XdistHooks, is_worker, run_dir, run_id, xdist_loaded


@pytest.hookimpl(trylast=True)  # after the terminal reporter exists: its output is masked
def pytest_configure(config: pytest.Config) -> None:
    # The suite's markers are the plugin's: the shipped suite runs where no ini declares them.
    config.addinivalue_line("markers", "rules(*ids): the contract rules a test checks")
    config.addinivalue_line(
        "markers", "contract: conformance test against the target (staging, or the embedded reference API)"
    )
    config.addinivalue_line("markers", "replay: judges recorded cassettes offline")
    profiles.load_profile(config)
    overrides, named = options.overrides(config)
    try:
        loaded = settings.load(overrides=overrides, options=named, root=config.rootpath)
    except SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    cassette_dir = Path(config.getoption("cassette_dir") or config.rootpath / "cassettes")
    if not is_worker(config):  # the controller writes the files
        _check_outputs(config, cassette_dir, loaded)
    # The recorder, the masking and the JUnit file read this one set when they write, so
    # keys added later (the target's, credentials a test derives) are masked too.
    secrets: set[Secret] = set(loaded.keys.values())
    config.stash[SETTINGS] = loaded
    config.stash[SECRETS] = secrets
    config.stash[RUN_ID] = run_id(config)
    config.stash[ANSWERS] = {}
    mask_terminal(config, secrets)
    budget = profiles.request_budget(config, loaded.max_requests)
    limits = RunLimits(run_dir(config), budget=budget, max_wait=loaded.max_wait, pace=loaded.rate_limit)
    config.stash[LIMITS] = limits
    # Accounts are held to their first sighting in the whole run: the workers share it.
    config.stash[CONTINUITY] = Continuity(SharedFirsts(limits.directory))
    config.stash[RECORDER] = Recorder(
        cassette_dir, fresh=config.getoption("record_mode", None) == "rewrite", secrets=secrets
    )
    state = RunState(config)
    junit = JunitFile(config, secrets, state.not_written, state.ledger.accepted)
    config.pluginmanager.register(junit, "genviral-contract-junit")
    config.pluginmanager.register(state, "genviral-contract-run")
    config.pluginmanager.register(Summary(state), "genviral-contract-summary")
    if xdist_loaded(config):
        config.pluginmanager.register(XdistHooks(config), "genviral-contract-xdist")


def pytest_report_header(config: pytest.Config) -> list[str]:
    loaded = config.stash[SETTINGS]
    accepted = Accepted.of(loaded)
    run = config.stash[RUN_ID]
    return [
        f"genviral-contract target: {loaded.label()} (hypothesis profile {profiles.profile(config)})",
        f"judged by: {accepted.judged_by()}",
        *accepted.lines(),
        # Where the target's logs find the run: its own requests' User-Agent carries it.
        f"run: {run} (the suite's own requests: User-Agent: {AGENT} run/{run} seq/<n>)",
    ]


def _recording(config: pytest.Config) -> bool:
    return config.getoption("record_mode", None) not in (None, "none")


def _check_outputs(config: pytest.Config, cassette_dir: Path, loaded: settings.Settings) -> None:
    """Every file the run will write, tried before the first request: a mistyped path or a
    full disk is a usage error now, not a lost run against staging at the end."""
    saving = SAVE_OPTION if config.getoption("save_exchanges", None) else "GENVIRAL_SAVE_EXCHANGES"
    outputs = [
        (config.getoption("conformance_report"), REPORT_OPTION, False),
        (junit_path(config), JUNIT_OPTION, False),
        (cassette_dir if _recording(config) else None, "--cassette-dir", True),
        (loaded.save_exchanges, saving, True),
    ]
    for path, what, folder in outputs:
        if path:
            try:
                check_writable(Path(path), what, folder=folder)
            except NotWritten as exc:
                raise pytest.UsageError(str(exc)) from None
