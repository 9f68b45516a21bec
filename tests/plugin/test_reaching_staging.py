"""The suite reaches a staging with a private CA once told which CA, fails in one line that
says what to set while it is not, and never sends the embedded API's traffic to a proxy.

In-process: the inner run reads the CA bundle and the proxies from os.environ and its
options, as a user's run does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from helpers.forward_proxy import ForwardProxy
from helpers.tls_staging import tls_reference

from genviral_contract.refapi import ReferenceServer

ONE_REQUEST = """
import pytest

@pytest.mark.rules("ACC-LIST-OK")
def test_workspace_key(genviral):
    genviral.judge(genviral.get("workspace"), expect_status=200, status_rule="ACC-LIST-OK")
"""


@pytest.fixture
def staging(monkeypatch: pytest.MonkeyPatch, inner: pytest.Pytester) -> Iterator[tuple[ReferenceServer, str]]:
    """(an HTTPS staging with a private CA, the CA bundle), the inner run pointed at it."""
    ca = trustme.CA()
    bundle = inner.path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with tls_reference(ca, "127.0.0.1") as server:
        monkeypatch.setenv("GENVIRAL_BASE_URL", server.base_url)
        monkeypatch.setenv("GENVIRAL_WORKSPACE_API_KEY", server.keys["workspace"])
        yield server, str(bundle)


def test_a_private_ca_is_one_line_until_the_bundle_is_given(
    inner: pytest.Pytester, staging: tuple[ReferenceServer, str]
) -> None:
    server, bundle = staging
    inner.makepyfile(test_one=ONE_REQUEST)
    refused = inner.runpytest_inprocess("-p", "no:cacheprovider")
    refused.assert_outcomes(failed=1)
    line = (
        f"HTTP-ANSWERS broken: GET {server.base_url}/accounts: TLS: the certificate of "
        f"127.0.0.1:{server.port} is not trusted (CERTIFICATE_VERIFY_FAILED: unable to get local issuer "
        "certificate): set REQUESTS_CA_BUNDLE or GENVIRAL_CA_BUNDLE to the CA bundle that signed it"
    )
    assert line in refused.outlines
    assert "Max retries" not in refused.stdout.str()
    trusted = inner.runpytest_inprocess("-p", "no:cacheprovider", "--genviral-ca-bundle", bundle)
    trusted.assert_outcomes(passed=1)


def test_a_missing_ca_bundle_is_a_usage_error_naming_the_option(inner: pytest.Pytester, tmp_path: Path) -> None:
    inner.makepyfile(test_one=ONE_REQUEST)
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", "--genviral-ca-bundle", "/no/such/ca.pem")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line.strip()] == [
        "ERROR: --genviral-ca-bundle='/no/such/ca.pem' does not exist "
        "(expected a PEM file of CA certificates, or a folder of them)"
    ]


def test_the_embedded_api_is_reached_directly_whatever_the_proxies_say(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner.makepyfile(test_one=ONE_REQUEST)
    with ForwardProxy() as proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
            monkeypatch.setenv(name, proxy.url)
        result = inner.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert proxy.seen == []
