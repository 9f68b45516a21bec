"""Every request the whole suite sends goes out with the run's network settings (the CA
bundle, the client certificate, the proxies): the suite's own requests, schemathesis'
generated ones, the client shapes, the scenarios and their recording alike.

The staging is the reference API serving HTTPS with a certificate from a throw-away CA
(tls_staging.py). Each run is the whole of `pytest tests/contract`, in this process, with
nothing of the environment but what the test sets: one path that dropped a setting turns
the run red.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from helpers.forward_proxy import ForwardProxy
from helpers.hostile import key_forms
from helpers.runner import failed_rules, run_inprocess, staging_env, verdicts
from helpers.tls_staging import tls_reference

from genviral_contract.cassettes.scenarios import SCENARIOS
from genviral_contract.config.settings import CA_BUNDLE_VARIABLES
from genviral_contract.refapi import ReferenceServer

# ca and bundle: tests/helpers/tls_fixtures.py


@pytest.fixture
def staging(ca: trustme.CA) -> Iterator[ReferenceServer]:
    with tls_reference(ca, "127.0.0.1") as server:
        yield server


def _all_passed(report: Path) -> dict[str, str]:
    """The rules whose verdict is not "passed" (each judged by the run, none left unchecked)."""
    return {rule: row["verdict"] for rule, row in verdicts(report).items() if row["verdict"] != "passed"}


def test_without_the_ca_bundle_the_whole_suite_is_red(
    pytester: pytest.Pytester, staging: ReferenceServer, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    run = run_inprocess(pytester, ["--conformance-report", str(report)], env=staging_env(staging))
    assert run.returncode == 1, run.stdout[-3000:]
    assert failed_rules(report) == {"HTTP-ANSWERS"}
    assert "set REQUESTS_CA_BUNDLE or GENVIRAL_CA_BUNDLE to the CA bundle that signed it" in run.stdout


@pytest.mark.parametrize("variable", CA_BUNDLE_VARIABLES)
def test_with_the_ca_bundle_of_each_convention_the_whole_suite_is_green(
    pytester: pytest.Pytester, staging: ReferenceServer, bundle: str, variable: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    run = run_inprocess(pytester, ["--conformance-report", str(report)], env={**staging_env(staging), variable: bundle})
    assert run.returncode == 0, run.stdout[-3000:]
    assert _all_passed(report) == {}
    # schemathesis' generated requests and the scenarios were sent and judged, not skipped.
    assert "OPENAPI-CONFORMANCE" in verdicts(report) and verdicts(report)["OPENAPI-CONFORMANCE"]["passed"] > 0
    assert "test_generated_requests_conform" not in run.stdout  # no failure names it


@pytest.fixture
def nowhere() -> Iterator[int]:
    """A loopback port where nothing answers (bound, never listening: a connection is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_every_request_goes_through_the_proxy_with_the_client_certificate_and_is_recorded(
    pytester: pytest.Pytester, ca: trustme.CA, bundle: str, nowhere: int, tmp_path: Path
) -> None:
    # The staging wants a client certificate, and only the proxy knows the way to it: a
    # request that bypassed the proxy finds nothing, one without the certificate is refused,
    # one that does not trust the bundle refuses the staging. --record-mode adds the
    # recorder's path (vcrpy's connections) to the suite's own, schemathesis' and the shapes'.
    clients = trustme.CA()
    issued = clients.issue_cert("ci-runner@example.com")
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    cassettes, report = tmp_path / "cassettes", tmp_path / "report.json"
    with (
        tls_reference(ca, "127.0.0.1", client_ca=clients) as server,
        ForwardProxy(routes={f"127.0.0.1:{nowhere}": f"127.0.0.1:{server.port}"}) as proxy,
    ):
        env = {
            **staging_env(server),
            "GENVIRAL_BASE_URL": server.base_url.replace(f":{server.port}/", f":{nowhere}/"),
            "HTTPS_PROXY": proxy.url,
            "GENVIRAL_CA_BUNDLE": bundle,
            "GENVIRAL_CLIENT_CERT": str(cert),
            "GENVIRAL_CLIENT_KEY": str(key),
        }
        args = ["--conformance-report", str(report), "--record-mode=rewrite", "--cassette-dir", str(cassettes)]
        run = run_inprocess(pytester, args, env=env)
    assert run.returncode == 0, run.stdout[-3000:]
    assert _all_passed(report) == {}
    assert sorted(p.stem for p in cassettes.glob("*.yaml")) == sorted(SCENARIOS)
    assert proxy.seen and {(p.method, p.target) for p in proxy.seen} == {("CONNECT", f"127.0.0.1:{nowhere}")}
    # Through the tunnel the proxy saw TLS alone, and the run wrote no key: no form of any.
    written = [proxy.everything(), report.read_bytes(), *(p.read_bytes() for p in cassettes.glob("*.yaml"))]
    for seen in written:
        for token in server.keys.values():
            for form, (text, any_case) in key_forms(token).items():
                assert (text.lower().encode() not in seen.lower()) if any_case else (text.encode() not in seen), form
