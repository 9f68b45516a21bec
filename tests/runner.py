"""The one way a test runs pytest as a user would: a subprocess at the repository root, with
no GENVIRAL_* variable but those it is given."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from genviral_contract.refapi import ReferenceServer

ROOT = Path(__file__).resolve().parents[1]


def environment(env: Mapping[str, str] | None) -> dict[str, str]:
    """This process's environment without any GENVIRAL_* variable, then ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GENVIRAL_")}
    clean.setdefault("GENVIRAL_HYPOTHESIS_PROFILE", "dev")
    return {**clean, **(env or {})}


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
    from genviral_contract.settings import ROLES

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
