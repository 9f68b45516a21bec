"""The pytest plugin, loaded by the repository's top-level conftest.py (no entry point: an
installed package changes no other project's pytest runs).

It owns the options, the hypothesis profiles, the target fixtures, the masking of keys in
every report, and the per-rule summary at the end of the run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, TextIO

import pytest
from _pytest.junitxml import xml_key  # pytest's JUnit writer has no public handle (pytest >= 7)
from hypothesis import HealthCheck, settings

from genviral_contract import artefacts
from genviral_contract.artefacts import EXIT_NOT_WRITTEN, NotWritten, check_writable, write_atomic
from genviral_contract.cassettes.recording import KEPT, Recorder
from genviral_contract.config import settings as settings_mod
from genviral_contract.config.target import Target, open_target
from genviral_contract.contract import provenance
from genviral_contract.contract.continuity import Continuity
from genviral_contract.credentials.masking import mask, mask_within
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.limits import RunLimits
from genviral_contract.plugin import ledger as report
from genviral_contract.plugin.judge import Judge
from genviral_contract.plugin.ledger import NOT_JUDGED, NOT_WRITTEN

SETTINGS = pytest.StashKey[settings_mod.Settings]()
SECRETS = pytest.StashKey[set[Secret]]()
TARGET = pytest.StashKey[Target]()
RECORDER = pytest.StashKey[Recorder]()
LIMITS = pytest.StashKey[RunLimits]()
CONTINUITY = pytest.StashKey[Continuity]()
# The folder the processes of one run share for the request budget and in-flight cap;
# the controlling process makes it and hands it to xdist workers in their workerinput.
RUN_DIR = "genviral_run_dir"
# The exit status of a run whose only failures are tests it could not judge (the target kept
# rate-limiting, the request budget ran out): sysexits' EX_TEMPFAIL, "try again later".
EXIT_NOT_JUDGED = 75
# How the user asked for pytest's JUnit file, which is how a failure to write it names it.
JUNIT_OPTION = "--junitxml"

# Option name -> the environment variable it overrides.
_OPTIONS = {
    "genviral_base_url": "GENVIRAL_BASE_URL",
    "genviral_timeout": "GENVIRAL_TIMEOUT",
    "genviral_retries": "GENVIRAL_RETRIES",
    "genviral_max_body": "GENVIRAL_MAX_BODY",
    "genviral_max_requests": "GENVIRAL_MAX_REQUESTS",
    "genviral_max_wait": "GENVIRAL_MAX_WAIT",
    "genviral_rate_limit": "GENVIRAL_RATE_LIMIT",
    "genviral_workspace_id": "GENVIRAL_WORKSPACE_ID",
    "genviral_owner_user_id": "GENVIRAL_OWNER_USER_ID",
    "genviral_ca_bundle": "GENVIRAL_CA_BUNDLE",
    "genviral_client_cert": "GENVIRAL_CLIENT_CERT",
    "genviral_client_key": "GENVIRAL_CLIENT_KEY",
}

PROFILE_ENV = "GENVIRAL_HYPOTHESIS_PROFILE"
# Live targets are slow and shared: no per-example deadline, and the example counts are
# what bounds the requests a run sends (the `ci` profile keeps a full run under 300).
settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("nightly", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The request budget of a whole run (every xdist worker together), unless GENVIRAL_MAX_REQUESTS
# says otherwise: about four times what the profile sends, so only a runaway run meets it.
REQUEST_BUDGET = {"dev": 300, "ci": 300, "nightly": 5000}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("genviral-contract", "Genviral contract suite")
    group.addoption(
        "--genviral-base-url",
        metavar="URL",
        help="target base URL incl. /api/partner/v1 (default $GENVIRAL_BASE_URL, else the embedded API)",
    )
    group.addoption("--genviral-timeout", metavar="SECONDS", help="per-request timeout (default 10)")
    group.addoption("--genviral-retries", metavar="N", help="retries on connection errors and 502/503/504 (2)")
    group.addoption("--genviral-max-body", metavar="BYTES", help="largest response body read (default 32MiB)")
    group.addoption(
        "--genviral-max-requests",
        metavar="N",
        help="request budget of the whole run (default 300; nightly profile 5000)",
    )
    group.addoption(
        "--genviral-max-wait",
        metavar="SECONDS",
        help="time the whole run may wait when the target asks it to slow down (default 300)",
    )
    group.addoption(
        "--genviral-rate-limit",
        metavar="COUNT/WINDOW",
        help="keep the run under a known limit, e.g. 40/15s, 2/s, 100/min (default: no pacing)",
    )
    group.addoption("--genviral-workspace-id", metavar="UUID", help="expected data.workspace_id of the workspace key")
    group.addoption("--genviral-owner-user-id", metavar="UUID", help="expected data.owner_user_id of the keys")
    group.addoption(
        "--genviral-ca-bundle",
        metavar="PATH",
        help="CA bundle the target's certificate is checked against (default $REQUESTS_CA_BUNDLE, $SSL_CERT_FILE)",
    )
    group.addoption("--genviral-client-cert", metavar="PATH", help="client certificate (PEM) for mutual TLS")
    group.addoption("--genviral-client-key", metavar="PATH", help="its private key (PEM), when in a file of its own")
    group.addoption(
        "--cassette-dir",
        metavar="DIR",
        help="record scenario cassettes to, and replay them from, DIR (default: cassettes/ at the rootdir)",
    )
    group.addoption(
        "--conformance-report",
        metavar="PATH",
        help="write the per-rule report to PATH (.json for JSON, anything else Markdown)",
    )


@pytest.hookimpl(trylast=True)  # after the terminal reporter exists: its output is masked
def pytest_configure(config: pytest.Config) -> None:
    # The suite's markers are the plugin's: the shipped suite runs where no ini declares them.
    config.addinivalue_line("markers", "rules(*ids): the contract rules a test checks")
    config.addinivalue_line(
        "markers", "contract: conformance test against the target (staging, or the embedded reference API)"
    )
    config.addinivalue_line("markers", "replay: judges recorded cassettes offline")
    profile = _profile(config)
    if not config.getoption("hypothesis_profile", None):  # hypothesis' own option wins
        try:
            settings.load_profile(profile)
        except Exception:
            raise pytest.UsageError(f"{PROFILE_ENV}={profile!r}: expected one of dev, ci, nightly") from None
    overrides = {env: config.getoption(opt) for opt, env in _OPTIONS.items()}
    try:
        loaded = settings_mod.load(
            overrides=overrides, options={env: "--" + opt.replace("_", "-") for opt, env in _OPTIONS.items()}
        )
    except settings_mod.SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    cassette_dir = Path(config.getoption("cassette_dir") or config.rootpath / "cassettes")
    if not hasattr(config, "workerinput"):  # the controller writes the files
        _check_outputs(config, cassette_dir)
    config.stash[SETTINGS] = loaded
    config.stash[SECRETS] = set(loaded.keys.values())
    config.stash[CONTINUITY] = Continuity()
    _mask_terminal(config)
    budget = loaded.max_requests or REQUEST_BUDGET.get(profile, REQUEST_BUDGET["dev"])
    config.stash[LIMITS] = RunLimits(_run_dir(config), budget=budget, max_wait=loaded.max_wait, pace=loaded.rate_limit)
    # The recorder reads the secrets set when it writes, so keys added later are masked too.
    secrets: set[Secret] = config.stash[SECRETS]
    config.stash[RECORDER] = Recorder(
        cassette_dir, fresh=config.getoption("record_mode", None) == "rewrite", secrets=secrets
    )
    config.pluginmanager.register(RunState(config), "genviral-contract-run")
    if xdist_loaded(config):
        config.pluginmanager.register(_XdistHooks(config), "genviral-contract-xdist")


def xdist_loaded(config: pytest.Config) -> bool:
    """Whether pytest-xdist is in the run: named "xdist" when loaded from its entry point,
    "xdist.plugin" when a conftest.py names its module."""
    return any(config.pluginmanager.hasplugin(name) for name in ("xdist", "xdist.plugin"))


def _recording(config: pytest.Config) -> bool:
    return config.getoption("record_mode", None) not in (None, "none")


def _check_outputs(config: pytest.Config, cassette_dir: Path) -> None:
    """Every file the run will write, tried before the first request: a mistyped path or a
    full disk is a usage error now, not a lost run against staging at the end."""
    outputs = [
        (config.getoption("conformance_report"), report.REPORT_OPTION, False),
        (getattr(config.option, "xmlpath", None), JUNIT_OPTION, False),
        (cassette_dir if _recording(config) else None, "--cassette-dir", True),
    ]
    for path, what, folder in outputs:
        if path:
            try:
                check_writable(Path(path), what, folder=folder)
            except NotWritten as exc:
                raise pytest.UsageError(str(exc)) from None


def _profile(config: pytest.Config) -> str:
    """The hypothesis profile of the run: --hypothesis-profile, else $GENVIRAL_HYPOTHESIS_PROFILE, else dev."""
    return str(config.getoption("hypothesis_profile", None) or os.environ.get(PROFILE_ENV, "dev"))


def _run_dir(config: pytest.Config) -> Path:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and RUN_DIR in workerinput:
        return Path(workerinput[RUN_DIR])
    path = Path(tempfile.mkdtemp(prefix="genviral-run-"))
    config.add_cleanup(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


class _XdistHooks:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        directory = self.config.stash[LIMITS].directory
        if directory is not None:
            node.workerinput[RUN_DIR] = str(directory)


# --- masking where text leaves the process -------------------------------------------------


class _MaskedStream:
    """The terminal's stream, masking every write: whatever path a text takes to the
    terminal (a report, a traceback with --full-trace, live logs, a summary), it passes here."""

    def __init__(self, inner: TextIO, secrets: set[Secret]) -> None:
        self._inner = inner
        self._secrets = secrets

    def write(self, text: str) -> int:
        return self._inner.write(mask(text, *self._secrets))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _mask_terminal(config: pytest.Config) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    writer = getattr(reporter, "_tw", None)
    if writer is not None and not isinstance(writer._file, _MaskedStream):
        writer._file = _MaskedStream(writer._file, config.stash[SECRETS])


class _MaskRecords(logging.Filter):
    """Masks a record before any handler of pytest's formats it (log file, live logs,
    captured logs): the message with its arguments, the exception and the stack."""

    def __init__(self, secrets: set[Secret]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask(record.getMessage(), *self._secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text, *self._secrets)
        if record.stack_info:
            record.stack_info = mask(record.stack_info, *self._secrets)
        return True


def pytest_report_header(config: pytest.Config) -> list[str]:
    profile = _profile(config)
    return [
        f"genviral-contract target: {config.stash[SETTINGS].label()} (hypothesis profile {profile})",
        f"judged by: {provenance.line()}",
    ]


@pytest.fixture(scope="session")
def genviral_settings(pytestconfig: pytest.Config) -> settings_mod.Settings:
    return pytestconfig.stash[SETTINGS]


@pytest.fixture(scope="session")
def genviral_target(pytestconfig: pytest.Config, genviral_settings: settings_mod.Settings) -> Iterator[Target]:
    """The target, opened once per session (once per xdist worker: each gets its own server)."""
    target = open_target(genviral_settings, pytestconfig.stash[LIMITS])
    pytestconfig.stash[SECRETS].update(target.keys.values())
    pytestconfig.stash[TARGET] = target
    yield target
    target.close()


@pytest.fixture(scope="session")
def genviral_recorder(pytestconfig: pytest.Config) -> Recorder:
    """Where scenario cassettes live, and which of them a recording run may replace."""
    return pytestconfig.stash[RECORDER]


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    config.stash[RECORDER].configure(vcr)


@pytest.fixture
def genviral(genviral_target: Target, request: pytest.FixtureRequest) -> Judge:
    """Sends requests to the target and judges the answers by the contract (each answer
    alone, and each key's answers across the run)."""
    config = request.config
    return Judge(genviral_target, request.node, secrets=config.stash[SECRETS], continuity=config.stash[CONTINUITY])


class RunState:
    """Per-run hooks that need the config: masking, rule tallies, retries, the summary."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.ledger = report.Ledger()
        self.retries: list[str] = []
        self.selftest: list[str] = []
        self.kept: list[str] = []
        self.retry_cursor = 0
        self.not_judged = 0  # tests that failed only because they could not be judged
        self.broken = 0  # every other failure and error
        self.session: pytest.Session | None = None
        self.junit: tuple[Any, Path] | None = None  # pytest's LogXML, and where its file belongs

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session
        self._divert_junit()
        logging_plugin = self.config.pluginmanager.get_plugin("logging-plugin")
        records = _MaskRecords(self.config.stash[SECRETS])
        for name in ("caplog_handler", "report_handler", "log_file_handler", "log_cli_handler"):
            handler = getattr(logging_plugin, name, None)
            if isinstance(handler, logging.Handler):
                handler.addFilter(records)

    def _divert_junit(self) -> None:
        """pytest's JUnit plugin writes its file in place: have it write beside it instead,
        so that the file the user named appears whole, and masked, or not at all; and name
        the tool and the contract in it."""
        logxml = self.config.stash.get(xml_key, None)
        if logxml is None or hasattr(self.config, "workerinput"):
            return
        # What judged the run, in the file a CI system keeps: the suite's <properties>.
        for name, value in provenance.as_dict().items():
            logxml.add_global_property(f"genviral_contract_{name}", str(value))
        final = Path(logxml.logfile)
        self.junit = (logxml, final)
        logxml.logfile = str(final.with_name(f".{final.name}.{os.getpid()}.partial"))

    @pytest.hookimpl(wrapper=True, trylast=True)  # innermost: around pytest's JUnit writer alone
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Generator[None, None, None]:
        try:
            yield
        except OSError as exc:  # the JUnit writer's: the disk filled during the run
            if self.junit is None:
                raise
            self._place_junit(NotWritten(JUNIT_OPTION, self.junit[1], artefacts.reason(exc)))
        else:
            if self.junit is not None:
                self._place_junit()
        # Every failure a "not judged" one: nothing broke, but the run could not judge it all.
        if exitstatus == pytest.ExitCode.TESTS_FAILED and self.not_judged and not self.broken:
            session.exitstatus = EXIT_NOT_JUDGED

    def _place_junit(self, failed: NotWritten | None = None) -> None:
        """Put the JUnit file pytest wrote beside its place in its place, masked; or, when
        pytest could not write it (``failed``), say so."""
        assert self.junit is not None
        logxml, final = self.junit
        written = Path(logxml.logfile)
        logxml.logfile = str(final)  # what its "generated xml file" line names
        self.junit = None
        try:
            if failed is None and written.is_file():
                write_atomic(
                    final, mask(written.read_text(encoding="utf-8"), *self.config.stash[SECRETS]), JUNIT_OPTION
                )
        except NotWritten as exc:
            failed = exc
        finally:
            written.unlink(missing_ok=True)
        if failed is not None:
            self._not_written(failed)
            # Else its summary would still say "generated xml file" of a file that is not there;
            # and out of the stash, or its own unconfigure would unregister it a second time.
            self.config.pluginmanager.unregister(logxml)
            del self.config.stash[xml_key]

    def _not_written(self, exc: NotWritten) -> None:
        self.ledger.not_written.append(str(exc))
        if exc.what in (JUNIT_OPTION, report.REPORT_OPTION):
            # The previous run's file there would pass for this run's: it goes too.
            with contextlib.suppress(OSError):
                exc.path.unlink(missing_ok=True)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        rep: pytest.TestReport = yield
        marker = item.get_closest_marker("rules")
        not_judged = any(name == NOT_JUDGED for name, _ in rep.user_properties)
        if marker is not None and (rep.skipped or (rep.failed and not_judged)):
            rep.user_properties.append((report.DECLARED, " ".join(marker.args)))
        target = self.config.stash.get(TARGET, None)
        if target is not None:
            # Retries travel with the report so that xdist's controller can print them too.
            retries = target.session.traffic.retries
            rep.user_properties.extend(("contract_retry", line) for line in retries[self.retry_cursor :])
            self.retry_cursor = len(retries)
        if call.excinfo is not None and call.excinfo.errisinstance(NotWritten):
            # A cassette that could not be written (vcr's teardown): one line, no traceback.
            rep.longrepr = str(call.excinfo.value)
            rep.user_properties.append((report.NOT_WRITTEN, str(call.excinfo.value)))
        _mask_report(rep, self.config.stash[SECRETS])
        return rep

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        skip_reason = None
        if report.skipped and isinstance(report.longrepr, tuple):
            skip_reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        self.ledger.add(
            report.when,
            report.outcome,
            list(report.user_properties),
            skip_reason,
            report.nodeid,
            _crash_line(report) if report.failed else "",
        )
        if report.failed:
            names = {name for name, _ in report.user_properties}
            if report.when == "call" and NOT_JUDGED in names:
                self.not_judged += 1
            elif NOT_WRITTEN not in names:
                self.broken += 1
        self.retries.extend(str(v) for name, v in report.user_properties if name == "contract_retry")
        if report.when == "call":  # the teardown report carries the same properties again
            self.kept.extend(str(v) for name, v in report.user_properties if name == KEPT)
            self.selftest.extend(str(v) for name, v in report.user_properties if name == "contract_selftest")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.ledger.suite_error(report.nodeid or "(collection)", _crash_line(report))
            self.broken += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if hasattr(self.config, "workerinput"):
            return
        if self.selftest:
            outcomes = [line.split(" ", 1)[0] for line in self.selftest]
            killed, benign = outcomes.count("killed"), outcomes.count("passed")
            faults, variants = killed + outcomes.count("survived"), benign + outcomes.count("flagged")
            terminalreporter.section("genviral-contract: fault catalogue")
            terminalreporter.write_line(
                f"kill count: {killed} of {faults} faults caught by their rule; "
                f"{benign} of {variants} benign variants passed"
            )
            for line in self.selftest:
                if line.startswith(("survived", "flagged")):
                    terminalreporter.write_line(f"  {line}")
        limits = self.config.stash[LIMITS]
        self.ledger.traffic = {"requests": limits.requests(), "waited": round(limits.waited(), 1)}
        path = self.config.getoption("conformance_report")
        written = False
        if path:
            # Written even when nothing was judged: an old report must not pass for this run's.
            try:
                self.ledger.write(Path(path), lambda text: mask(text, *self.config.stash[SECRETS]))
                written = True
            except NotWritten as exc:
                self._not_written(exc)
        if self.ledger.empty:
            return
        if self.kept:
            terminalreporter.section("genviral-contract: cassettes kept")
            for line in self.kept:
                terminalreporter.write_line(f"kept {line}; re-record it once the target answers as documented")
        if self.retries:
            terminalreporter.section("genviral-contract retries")
            for line in self.retries:
                terminalreporter.write_line(line)
        terminalreporter.section("genviral-contract: rules")
        for line in self.ledger.terminal():
            terminalreporter.write_line(line)
        if self.not_judged:
            status = f"exit status {EXIT_NOT_JUDGED}" if not self.broken else "other failures make the exit status 1"
            terminalreporter.write_line(
                f"not judged: {self.not_judged} tests got no answer to judge, through no "
                f"broken promise (see the rules above); {status}",
                yellow=True,
            )
        if self.ledger.not_written:
            self._say_not_written(terminalreporter)
        if written:
            terminalreporter.write_line(f"conformance report written to {path}")

    def _say_not_written(self, terminalreporter: Any) -> None:
        """The run's files that could not be written, and an exit status of their own."""
        terminalreporter.section("genviral-contract: files not written", red=True)
        for line in self.ledger.not_written:
            terminalreporter.write_line(line, red=True)
        session = self.session
        done = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, EXIT_NOT_JUDGED)
        if session is not None and not self.broken and session.exitstatus in done:
            # A broken rule (1) says more about the target; else the gate says it is incomplete.
            session.exitstatus = EXIT_NOT_WRITTEN
            terminalreporter.write_line(
                f"exit status {EXIT_NOT_WRITTEN}: the gate could not write its files (no rule is broken)", red=True
            )


def _crash_line(rep: pytest.TestReport | pytest.CollectReport) -> str:
    """What went wrong, in one line: the exception's message, not xdist's "[gw0] linux" header."""
    crash = getattr(rep.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    if isinstance(message, str) and message.strip():
        return message
    lines = [line for line in rep.longreprtext.splitlines() if line.strip() and not line.startswith("[gw")]
    return lines[-1] if lines else "failed"


def _mask_report(rep: pytest.TestReport, secrets: set[Secret]) -> None:
    """The last line of defence: no key leaves in a failure text, a captured section or XML."""
    if isinstance(rep.longrepr, tuple):  # a skip: (path, line, reason)
        path, line, reason = rep.longrepr
        rep.longrepr = (path, line, mask(reason, *secrets))
    elif rep.longrepr is not None:
        text = str(rep.longrepr)
        if mask(text, *secrets) != text:
            # Masked where it lies, so the report keeps its shape: JUnit's failure message is
            # still the crash line, and xdist still sends the structure, not one long string.
            mask_within(rep.longrepr, secrets)
            text = str(rep.longrepr)
            if mask(text, *secrets) != text:  # a part no field holds: give up the structure
                rep.longrepr = mask(text, *secrets)
    rep.sections = [(title, mask(content, *secrets)) for title, content in rep.sections]
    rep.user_properties = [
        (name, mask(value, *secrets) if isinstance(value, str) else value) for name, value in rep.user_properties
    ]
