"""The two ways a test runs the suite as a user would, with no GENVIRAL_* variable but those
it is given: a subprocess at the repository root (`run_suite`, `start_suite`), where a
separate process is the point (a real terminal, a signal, a hang, memory, the process-wide
state of a fresh interpreter), and in this process (`run_inprocess`), which costs the
suite's own time and no interpreter start-up."""

from __future__ import annotations

import faulthandler
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from genviral_contract.refapi import ReferenceServer

ROOT = Path(__file__).resolve().parents[2]


# The network conventions a configured staging follows (proxies, CA bundles): the project's
# own tests reach loopback directly, whatever the machine they run on has set.
NETWORK_VARIABLES = frozenset(
    {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "requests_ca_bundle", "curl_ca_bundle", "ssl_cert_file"}
)


def foreign(name: str) -> bool:
    """Whether the variable ``name`` of the outer environment must not reach a test's run."""
    return name.startswith("GENVIRAL_") or name.lower() in NETWORK_VARIABLES


# Where each run keeps its hypothesis example database, removed when this process ends.
_EXAMPLES = tempfile.TemporaryDirectory(prefix="genviral-hypothesis-")


def _given(env: Mapping[str, str] | None) -> dict[str, str]:
    """The settings a run is given, on top of this process's environment less its foreign
    variables. Each run gets an example database of its own: in the shared one of the
    repository's folder, what one run saw fail was replayed by whichever ran next, so a
    run's requests, time and memory depended on the order the others had run in."""
    examples = tempfile.mkdtemp(dir=_EXAMPLES.name)
    return {"GENVIRAL_HYPOTHESIS_PROFILE": "dev", "HYPOTHESIS_STORAGE_DIRECTORY": examples, **(env or {})}


def environment(env: Mapping[str, str] | None) -> dict[str, str]:
    """This process's environment without any GENVIRAL_* or network variable, then ``env``."""
    clean = {k: v for k, v in os.environ.items() if not foreign(k)}
    return {**clean, **_given(env)}


def run_suite(
    args: Sequence[str] = (),
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    paths: Sequence[str] = ("tests/contract",),
) -> subprocess.CompletedProcess[str]:
    """`pytest tests/contract ARGS` (or ``paths``) with no GENVIRAL_* variable but those in ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_inprocess(
    pytester: pytest.Pytester,
    args: Sequence[str] = (),
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    paths: Sequence[str] = ("tests/contract",),
    plugins: Sequence[object] = (),
) -> subprocess.CompletedProcess[str]:
    """`run_suite`, in this process: the repository's ``paths`` with its conftest.py and
    pyproject.toml (and ``plugins``), run by pytester (its own sys.modules, sys.path and cwd,
    restored after).

    The suite's hypothesis profile, which the inner run loads process-wide, is put back
    after it. A run still going after ``timeout`` seconds ends this process with every
    thread's traceback on stderr, so a hang fails the test run instead of holding it.
    """
    profile = settings.get_current_profile_name()
    faulthandler.dump_traceback_later(timeout, exit=True, file=sys.__stderr__ or 2)
    try:
        with pytest.MonkeyPatch.context() as patch:
            keep_library_imports(pytester, patch)
            for name in [n for n in os.environ if foreign(n)]:
                patch.delenv(name)
            for name, value in _given(env).items():
                patch.setenv(name, value)
            result = pytester.runpytest_inprocess(
                *(str(ROOT / path) for path in paths), "-q", "-p", "no:cacheprovider", *args, plugins=list(plugins)
            )
    finally:
        faulthandler.cancel_dump_traceback_later()
        settings.load_profile(profile)
    return subprocess.CompletedProcess(
        list(args), int(result.ret), "\n".join(result.outlines), "\n".join(result.errlines)
    )


# The library modules in-process runs imported (schemathesis' loaders, hypothesis' internals,
# the package's own), by name: pytester takes out of sys.modules whatever a run imported, and
# again after each test, and importing them anew (with pytest's assertion rewriting of plugin
# packages) would cost every run an interpreter's start-up.
_IMPORTED: dict[str, Any] = {}


def keep_library_imports(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every in-process run of ``pytester`` keeps the library modules it imports for the runs
    after it (`run_inprocess`'s runs, and the plugin's own tests', whose small projects load
    every installed pytest plugin as a team's repository does: schemathesis' reporters and
    anyio's backends, imported and rewritten anew by each run, were a quarter of their time)."""
    inline_run = pytester.inline_run

    def keeping(*args: str | os.PathLike[str], plugins: Sequence[object] = (), **kwargs: Any) -> Any:
        imports = _KeepImports(pytester.path)
        try:
            return inline_run(*args, plugins=[*plugins, imports], **kwargs)
        finally:
            imports.keep()

    monkeypatch.setattr(pytester, "inline_run", keeping)


class _KeepImports:
    """Puts back the modules earlier runs imported, and keeps those this run imports. Test
    modules and conftests, the repository's and pytester's, are imported afresh by every run."""

    def __init__(self, inner: Path) -> None:
        self._fresh = (ROOT / "tests", ROOT / "conftest.py", inner)
        self.keep()

    def pytest_unconfigure(self) -> None:  # the inner run's last hook, before pytester restores sys.modules
        for name, module in sys.modules.items():
            file = getattr(module, "__file__", None)
            if name not in _IMPORTED and not (file and any(Path(file).is_relative_to(p) for p in self._fresh)):
                _IMPORTED[name] = module

    def keep(self) -> None:
        for name, module in _IMPORTED.items():
            sys.modules.setdefault(name, module)


def start_suite(
    args: Sequence[str] = (), *, env: Mapping[str, str] | None = None, launcher: Sequence[str] = ("-m", "pytest")
) -> subprocess.Popen[str]:
    """`run_suite`, started and not waited for (to interrupt it, or to measure it): ``launcher``
    replaces ``-m pytest``; the child leads its own process group, so killing it kills its workers."""
    return subprocess.Popen(
        [sys.executable, *launcher, "tests/contract", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def staging_env(server: ReferenceServer, roles: Sequence[str] | None = None) -> dict[str, str]:
    """Point the suite at ``server`` the way a user points it at staging."""
    from genviral_contract.config.settings import ROLES

    env = {
        "GENVIRAL_BASE_URL": server.base_url,
        "GENVIRAL_WORKSPACE_ID": server.expected["workspace_id"],
        "GENVIRAL_OWNER_USER_ID": server.expected["owner_user_id"],
    }
    for role, key in server.keys.items():
        if roles is None or role in roles:
            env[ROLES[role].env] = key
    return env


def verdicts(report: Path) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in json.loads(report.read_text())["rules"]}


def failed_rules(report: Path) -> set[str]:
    return {rule for rule, r in verdicts(report).items() if r["verdict"] == "FAILED"}
