"""Names the recorder borrows from vcrpy and pytest-recording that are not their public API.

Each test fails in one line naming the library and what the recorder does through the
name, when a version of that library moves it. pyproject.toml caps vcrpy below its next
major release and pytest-recording below its next minor one; raising a cap waits until
these pass on that release.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import urllib3
from helpers.runner import keep_library_imports
from vcr import VCR

from genviral_contract.cassettes import recording
from genviral_contract.http.errors import TargetError
from genviral_contract.http.session import TargetSession, fetch

VCRPY = f"vcrpy {version('vcrpy')}"
PYTEST_RECORDING = f"pytest-recording {version('pytest-recording')}"


def test_vcrpy_connections_send_through_a_real_urllib3_connection(tmp_path: Path) -> None:
    vcr = VCR(cassette_library_dir=str(tmp_path), record_mode="new_episodes")
    with vcr.use_cassette("unused.yaml"):
        # The class vcrpy puts in urllib3's pools while a cassette is in use; nothing connects yet.
        connection = urllib3.connectionpool.HTTPConnectionPool.ConnectionCls("127.0.0.1", 9)
        real = getattr(connection, "real_connection", None)
    assert isinstance(real, urllib3.connection.HTTPConnection), (
        f"{VCRPY} no longer has VCRConnection.real_connection: "
        "genviral-contract caps the recording read through it (cassettes/recording_cap.py)"
    )


class _Large(BaseHTTPRequestHandler):
    """A 64 KiB answer: far past the 1 KiB cap of the test below."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b"[" + b" " * (64 * 1024) + b"]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client hangs up at its cap
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def large() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Large)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/partner/v1/accounts"
    server.shutdown()
    server.server_close()


def test_vcrpy_reads_the_answer_it_records_through_the_real_connection(tmp_path: Path, large: str) -> None:
    recorder = recording.Recorder(tmp_path, fresh=False, secrets=set())
    vcr = VCR(cassette_library_dir=str(tmp_path), record_mode="new_episodes")
    recorder.configure(vcr)
    with (
        TargetSession(retries=0, max_body=1024) as session,
        vcr.use_cassette("large.yaml", **recorder.vcr_config()),
        pytest.raises(TargetError) as caught,
    ):
        fetch(session, large)
    # Without the recording cap the session's own reader would refuse the body, from the cassette.
    assert str(caught.value).endswith(" while recording"), (
        f"{VCRPY} no longer reads the answer it records through VCRConnection.real_connection's "
        "request and getresponse: genviral-contract caps the recording read there (cassettes/recording_cap.py)"
    )


CLAIMING_CONFTEST = """
class Claimed:
    def __init__(self, context):
        self.context = context

    def __enter__(self):
        self.context.__enter__()
        return "claimed"

    def __exit__(self, *exc_info):
        return self.context.__exit__(*exc_info)


def pytest_recording_configure(config, vcr):
    use_cassette = vcr.use_cassette
    vcr.use_cassette = lambda path, **kwargs: Claimed(use_cassette(path, **kwargs))
"""


def test_pytest_recording_asks_the_configured_vcr_for_the_cassette_context(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep_library_imports(pytester, monkeypatch)
    pytester.makeconftest(CLAIMING_CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.vcr
        def test_the_context_is_the_claimed_one(vcr):
            assert vcr == "claimed"
        """
    )
    run = pytester.runpytest_inprocess("--disable-plugin-autoload", "-p", "pytest_recording.plugin", "-q")
    assert run.ret == 0, (
        f"{PYTEST_RECORDING} no longer enters the context of VCR.use_cassette on the VCR that "
        "pytest_recording_configure was given: genviral-contract writes cassettes after vcrpy unpatched "
        "through it (cassettes/recording.py)"
    )
