"""The throw-away CA of the TLS tests, and its bundle as a user names it (loaded by the
repository's conftest.py, so every test folder has them)."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from helpers.tls_staging import ca_bundle


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def bundle(ca: trustme.CA, tmp_path: Path) -> str:
    return ca_bundle(ca, tmp_path)
