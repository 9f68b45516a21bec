"""Every scenario recorded afresh from an embedded reference API, for the unit tests to work on.

Never the repository's cassettes/: users re-record those from their staging (other ids, hosts,
a retried 429 or 503 giving two interactions), and only tests/replay may judge what they hold.
"""

from __future__ import annotations

from pathlib import Path

from vcr import VCR

from genviral_contract.cassettes.recording import Recorder
from genviral_contract.cassettes.scenarios import SCENARIOS
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.session import TargetSession, fetch
from genviral_contract.refapi import ReferenceServer


def record_all(directory: Path) -> Path:
    """Record every scenario into ``directory`` with the project's recorder, as test_scenarios.py
    does: one interaction per cassette, sent to 127.0.0.1 under the default base path."""
    with ReferenceServer() as server, TargetSession(retries=0) as session:
        keys = {role: Secret(token, f"{role} key") for role, token in server.keys.items()}
        sent = {s.name: s.credential(keys) for s in SCENARIOS.values()}
        recorder = Recorder(directory, fresh=True, secrets={*keys.values(), *filter(None, sent.values())})
        vcr = VCR(cassette_library_dir=str(directory), record_mode="new_episodes")
        recorder.configure(vcr)
        for s in SCENARIOS.values():
            with vcr.use_cassette(s.filename, **recorder.vcr_config()) as cassette:
                answer = fetch(session, server.base_url + "/accounts", role=s.role, authorization=sent[s.name])
                assert answer.status == s.status, f"the reference API answered {s.name} with HTTP {answer.status}"
                recorder.completed(cassette.path)
    written = sorted(p.name for p in directory.iterdir())
    expected = sorted(s.filename for s in SCENARIOS.values())
    assert written == expected, f"recorded {written}, expected {expected}"
    return directory
