"""A configured staging is reached the way every Python HTTP tool reaches it; the embedded
reference API never through a proxy.

On loopback only: the staging is a reference API serving HTTPS with a certificate from a
throw-away CA (tls_staging.py), the proxy a recording forward proxy (forward_proxy.py) that
forwards to loopback alone. Every test starts from an environment without any proxy or
CA bundle variable and sets what it needs.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from helpers.forward_proxy import ForwardProxy
from helpers.fresh_cassettes import record_all
from helpers.hostile import key_forms
from helpers.runner import foreign
from helpers.tls_staging import tls_reference

from genviral_contract.cli.main import main
from genviral_contract.config.settings import ROLES, Settings, load
from genviral_contract.config.target import open_target, replay_session
from genviral_contract.config.values import SettingsError
from genviral_contract.http.errors import TargetError
from genviral_contract.http.exchange import Exchange
from genviral_contract.http.session import fetch
from genviral_contract.refapi import ReferenceServer

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if foreign(name):
            monkeypatch.delenv(name)


# ca and bundle: tests/helpers/tls_fixtures.py


@pytest.fixture
def staging(ca: trustme.CA) -> Iterator[ReferenceServer]:
    """HTTPS on 127.0.0.1, its certificate signed by ``ca``."""
    with tls_reference(ca, "127.0.0.1", "localhost") as server:
        yield server


def _env(server: ReferenceServer, **more: str) -> dict[str, str]:
    return {"GENVIRAL_BASE_URL": server.base_url, "GENVIRAL_WORKSPACE_API_KEY": server.keys["workspace"], **more}


def _ask(settings: Settings) -> Exchange:
    """One request with the workspace key, through the client the suite builds for ``settings``."""
    target = open_target(settings)
    try:
        return fetch(target.session, target.url(), role="workspace", authorization=target.keys["workspace"].bearer())
    finally:
        target.close()


def _failure(settings: Settings) -> str:
    with pytest.raises(TargetError) as caught:
        _ask(settings)
    line = str(caught.value)
    assert "\n" not in line and "Max retries" not in line, line
    return line


# --- certificates -----------------------------------------------------------------------------


def test_a_private_ca_is_refused_in_one_line_that_says_what_to_set(staging: ReferenceServer) -> None:
    line = _failure(load(_env(staging)))
    assert line == (
        f"GET {staging.base_url}/accounts: TLS: the certificate of 127.0.0.1:{staging.port} is not "
        "trusted (CERTIFICATE_VERIFY_FAILED: unable to get local issuer certificate): set REQUESTS_CA_BUNDLE or "
        "GENVIRAL_CA_BUNDLE to the CA bundle that signed it"
    )


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "GENVIRAL_CA_BUNDLE"])
def test_the_ca_bundle_of_each_convention_is_trusted(staging: ReferenceServer, bundle: str, variable: str) -> None:
    assert _ask(load(_env(staging, **{variable: bundle}))).status == 200


def test_a_ca_folder_is_trusted_too(staging: ReferenceServer, ca: trustme.CA, tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command to hash a CA folder with")
    folder = tmp_path / "certs"
    folder.mkdir()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    # OpenSSL finds a CA in a folder by its subject's hash: the links `openssl rehash` makes.
    subprocess.run([openssl, "rehash", str(folder)], check=True, capture_output=True)
    assert _ask(load(_env(staging, GENVIRAL_CA_BUNDLE=str(folder)))).status == 200


def test_a_bundle_of_another_ca_names_the_variable_that_gave_it(staging: ReferenceServer, tmp_path: Path) -> None:
    other = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    line = _failure(load(_env(staging, REQUESTS_CA_BUNDLE=str(other))))
    assert line.endswith(
        "is not trusted by the CA bundle REQUESTS_CA_BUNDLE names (CERTIFICATE_VERIFY_FAILED: unable to get local "
        "issuer certificate): set REQUESTS_CA_BUNDLE to the CA bundle that signed it"
    )


def test_the_suites_own_bundle_wins_over_the_environments(
    staging: ReferenceServer, bundle: str, tmp_path: Path
) -> None:
    other = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    settings = load(_env(staging, REQUESTS_CA_BUNDLE=str(other), GENVIRAL_CA_BUNDLE=bundle))
    assert (settings.ca_bundle, settings.ca_bundle_from) == (bundle, "GENVIRAL_CA_BUNDLE")
    assert _ask(settings).status == 200


def test_a_certificate_for_another_name_says_so(ca: trustme.CA, bundle: str) -> None:
    with tls_reference(ca, "localhost") as server:
        line = _failure(load(_env(server, GENVIRAL_CA_BUNDLE=bundle)))
    assert re.search(rf"TLS: the certificate of 127\.0\.0\.1:{server.port} is not valid for 127\.0\.0\.1 \(", line)
    assert line.endswith("use a host name the certificate names")


def test_plain_http_to_a_tls_port_says_what_happened(staging: ReferenceServer) -> None:
    settings = load(_env(staging, GENVIRAL_BASE_URL=staging.base_url.replace("https://", "http://")))
    assert _failure(settings).endswith(": the target closed the connection before answering")


def test_mutual_tls_without_and_with_a_client_certificate(ca: trustme.CA, bundle: str, tmp_path: Path) -> None:
    clients = trustme.CA()
    issued = clients.issue_cert("ci-runner@example.com")
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    with tls_reference(ca, "127.0.0.1", client_ca=clients) as server:
        line = _failure(load(_env(server, GENVIRAL_CA_BUNDLE=bundle)))
        assert "it may want a client certificate (GENVIRAL_CLIENT_CERT, GENVIRAL_CLIENT_KEY)" in line, line
        both = _env(server, GENVIRAL_CA_BUNDLE=bundle, GENVIRAL_CLIENT_CERT=str(cert), GENVIRAL_CLIENT_KEY=str(key))
        assert _ask(load(both)).status == 200
        # One file with the certificate and its key.
        combined = tmp_path / "combined.pem"
        combined.write_bytes(key.read_bytes() + cert.read_bytes())
        assert _ask(load(_env(server, GENVIRAL_CA_BUNDLE=bundle, GENVIRAL_CLIENT_CERT=str(combined)))).status == 200


# --- the settings that name files are checked before any request -----------------------------


def _encrypted_key(tmp_path: Path) -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization

    issued = trustme.CA().issue_cert("ci-runner@example.com")
    key = serialization.load_pem_private_key(issued.private_key_pem.bytes(), password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    )
    cert, key_file = tmp_path / "c.pem", tmp_path / "c.key"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    key_file.write_bytes(encrypted)
    return str(cert), str(key_file)


def _bad_settings(tmp_path: Path) -> dict[str, tuple[dict[str, str], str]]:
    """Case -> (environment, a pattern of the one line refusing it)."""
    missing = str(tmp_path / "nowhere.pem")
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate\n")
    cert, key = _encrypted_key(tmp_path)
    staging = {"GENVIRAL_BASE_URL": "https://127.0.0.1:1/api/partner/v1", "GENVIRAL_WORKSPACE_API_KEY": "k"}
    not_there = r"='[^']*' does not exist \(expected a PEM file of CA certificates, or a folder of them\)"
    return {
        "missing CA bundle": ({"GENVIRAL_CA_BUNDLE": missing}, "GENVIRAL_CA_BUNDLE" + not_there),
        "missing REQUESTS_CA_BUNDLE for a staging": (
            {**staging, "REQUESTS_CA_BUNDLE": missing},
            "REQUESTS_CA_BUNDLE" + not_there,
        ),
        "no certificate in the bundle": (
            {**staging, "SSL_CERT_FILE": str(empty)},
            r"SSL_CERT_FILE='[^']*' holds no PEM certificate \(expected the CA bundle\)",
        ),
        "a key without its certificate": (
            {"GENVIRAL_CLIENT_KEY": key},
            "GENVIRAL_CLIENT_KEY is set but GENVIRAL_CLIENT_CERT is not: set the certificate too",
        ),
        "an encrypted key": (
            {"GENVIRAL_CLIENT_CERT": cert, "GENVIRAL_CLIENT_KEY": key},
            "GENVIRAL_CLIENT_KEY holds an encrypted private key: decrypt it",
        ),
        "a certificate that is no certificate": (
            {"GENVIRAL_CLIENT_CERT": str(empty)},
            r"GENVIRAL_CLIENT_CERT: not a PEM certificate and its private key \(.+\)",
        ),
    }


CASES = [
    "missing CA bundle",
    "missing REQUESTS_CA_BUNDLE for a staging",
    "no certificate in the bundle",
    "a key without its certificate",
    "an encrypted key",
    "a certificate that is no certificate",
]


@pytest.mark.parametrize("case", CASES)
def test_a_bad_certificate_setting_is_one_line_naming_it(case: str, tmp_path: Path) -> None:
    env, says = _bad_settings(tmp_path)[case]
    with pytest.raises(SettingsError) as caught:
        load(env)
    assert re.fullmatch(says, str(caught.value)), str(caught.value)


def test_the_environments_bundle_is_not_read_for_the_embedded_api(tmp_path: Path) -> None:
    # A broken REQUESTS_CA_BUNDLE is some other tool's business while nothing is configured.
    assert load({"REQUESTS_CA_BUNDLE": str(tmp_path / "nowhere.pem")}).ca_bundle is None


# --- proxies ----------------------------------------------------------------------------------


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as started:
        yield started


def _leaks(seen: bytes, key: str) -> list[str]:
    folded = seen.lower()
    return [
        form
        for form, (text, any_case) in key_forms(key).items()
        if (text.lower().encode() in folded if any_case else text.encode() in seen)
    ]


def test_https_goes_through_https_proxy_and_the_proxy_sees_no_key(
    staging: ReferenceServer, bundle: str, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    assert _ask(load(_env(staging, REQUESTS_CA_BUNDLE=bundle))).status == 200
    # On Linux requests bypasses a proxy only for what NO_PROXY names, loopback included (elsewhere
    # the system's settings may bypass it for loopback): what the proxy saw says it was used.
    assert [(p.method, p.target) for p in proxy.seen] == [("CONNECT", f"127.0.0.1:{staging.port}")]
    connect = proxy.seen[0]
    assert "authorization" not in connect.headers and "proxy-authorization" not in connect.headers
    # Neither the CONNECT request nor the tunnelled bytes show any form of the key.
    assert _leaks(proxy.everything(), staging.keys["workspace"]) == []


def test_credentials_in_the_proxy_url_go_to_the_proxy_alone(
    staging: ReferenceServer, bundle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    basic = "Basic " + base64.b64encode(b"ci:proxy-pass-1").decode()
    with ForwardProxy(credentials=basic) as proxy:
        port = proxy.url.rsplit(":", 1)[1]
        monkeypatch.setenv("https_proxy", f"http://ci:proxy-pass-1@127.0.0.1:{port}")
        assert _ask(load(_env(staging, REQUESTS_CA_BUNDLE=bundle))).status == 200
        monkeypatch.setenv("https_proxy", f"http://ci:wrong-pass-2@127.0.0.1:{port}")
        line = _failure(load(_env(staging, REQUESTS_CA_BUNDLE=bundle)))
    assert proxy.seen[0].headers["proxy-authorization"] == basic
    assert "authorization" not in proxy.seen[0].headers
    assert line.endswith(
        f"the proxy 127.0.0.1:{port} (https_proxy): it refused the tunnel to 127.0.0.1:{staging.port}: "
        "407 Proxy Authentication Required (put user:password@ in the proxy's URL)"
    )
    assert "proxy-pass-1" not in line and "wrong-pass-2" not in line


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "127.0.0.0/8", "*", "example.com, 127.0.0.1"])
def test_no_proxy_bypasses_the_proxy(
    staging: ReferenceServer, bundle: str, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert _ask(load(_env(staging, REQUESTS_CA_BUNDLE=bundle))).status == 200
    assert proxy.seen == []


def test_plain_http_through_a_proxy_shows_the_proxy_the_whole_request(
    proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the README warns of: without TLS the proxy reads the request, Authorization and all.
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with ReferenceServer() as server:
        assert _ask(load(_env(server))).status == 200
    assert [(p.method, p.target) for p in proxy.seen] == [("GET", f"{server.base_url}/accounts")]
    assert proxy.seen[0].headers["authorization"] == f"Bearer {server.keys['workspace']}"


def test_a_proxy_that_is_down_is_named(staging: ReferenceServer, bundle: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with ForwardProxy() as proxy:
        url = proxy.url
    monkeypatch.setenv("ALL_PROXY", url)
    line = _failure(load(_env(staging, REQUESTS_CA_BUNDLE=bundle)))
    assert line.endswith(f": the proxy {url.removeprefix('http://')} (ALL_PROXY): connection refused")


@pytest.mark.parametrize("variable", PROXY_VARIABLES)
def test_the_embedded_api_never_goes_through_a_proxy(
    proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, proxy.url)
    assert _ask(Settings()).status == 200
    assert proxy.seen == []
    session = replay_session(Settings())
    assert session.proxies_for("http://127.0.0.1:1/api/partner/v1/accounts") == {}
    session.close()


# --- drift reaches the staging the same way ---------------------------------------------------


def test_drift_follows_the_same_conventions(
    staging: ReferenceServer,
    bundle: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record_all(tmp_path / "cassettes")
    monkeypatch.setenv("GENVIRAL_BASE_URL", staging.base_url)
    for role, key in staging.keys.items():
        monkeypatch.setenv(ROLES[role].env, key)
    assert main(["drift", "--cassettes", str(tmp_path / "cassettes")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "TLS: the certificate of 127.0.0.1" in err and "set REQUESTS_CA_BUNDLE" in err, err
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("SSL_CERT_FILE", bundle)
        assert main(["drift", "--cassettes", str(tmp_path / "cassettes")]) == 0
    assert proxy.seen and all(p.method == "CONNECT" for p in proxy.seen)


# --- a caller's own settings never replace the run's ----------------------------------------


def test_a_callers_own_ca_bundle_certificate_and_proxies_do_not_replace_the_runs(
    staging: ReferenceServer, bundle: str, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What schemathesis' case.call passes from its own configuration: verify=True (requests'
    # default bundle, which does not hold the staging's CA), no certificate, no proxies.
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    target = open_target(load(_env(staging, REQUESTS_CA_BUNDLE=bundle)))
    with target.session as session:
        headers = {"Authorization": target.keys["workspace"].bearer().reveal()}
        response = session.request("GET", target.url(), headers=headers, verify=True, cert=None, proxies={})
    assert response.status_code == 200
    assert [p.method for p in proxy.seen] == ["CONNECT"]


def test_a_callers_own_timeout_does_not_replace_the_runs_deadline() -> None:
    with ReferenceServer(fault="hang") as server:
        target = open_target(load({**_env(server), "GENVIRAL_TIMEOUT": "0.2", "GENVIRAL_RETRIES": "0"}))
        with target.session as session, pytest.raises(TargetError) as caught:
            session.request("GET", target.url(), timeout=60)
    assert "no complete answer within 0.2 s" in str(caught.value)
