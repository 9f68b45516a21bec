"""An answer's body is read under the size cap (body.py): a flood, an endless body and a gzip
bomb each cost the cap, not the memory there is, and say so in one line.

Live cases: a loopback server of hostile.py sends them, and the suite's own client reads
them with a cap of 2 MiB (the bomb is 1 MiB and a little as sent: it passes the
Content-Length check and swells past the cap as it decodes).
"""

from __future__ import annotations

import re
import time

import pytest
from helpers.hostile import HostileServer

from genviral_contract.http.body import read_capped
from genviral_contract.http.errors import TargetError, TooLarge
from genviral_contract.http.session import TargetSession, fetch
from genviral_contract.http.sizes import MiB

CAP = "the body is larger than the cap of 2 MiB (GENVIRAL_MAX_BODY): "

# Hostile behaviour -> what follows CAP in the one line (a regex).
FLOODS = {
    "huge-body": r"Content-Length says 2147483648 bytes",
    "endless-chunked": r"more than \d+ bytes (decoded|as sent), abandoned there",
    "gzip-bomb": r"more than \d+ bytes decoded, abandoned there",
}


@pytest.mark.parametrize(("behaviour", "says"), FLOODS.items(), ids=list(FLOODS))
def test_a_flood_is_abandoned_at_the_cap_in_one_line(behaviour: str, says: str) -> None:
    with (
        HostileServer(behaviour, lifetime=20) as server,
        TargetSession(timeout=10, retries=0, max_body=2 * MiB) as session,
    ):
        url = server.base_url + "/accounts"
        started = time.monotonic()
        with pytest.raises(TargetError) as caught:
            fetch(session, url)
    assert time.monotonic() - started < 10  # abandoned at the cap, not read to the server's end
    assert re.fullmatch(re.escape(f"GET {url}: {CAP}") + says, str(caught.value)), str(caught.value)


def test_chunks_under_the_cap_are_the_body() -> None:
    closed: list[bool] = []
    assert read_capped([b"ab", b"", b"cd"], 4, lambda: closed.append(True)) == b"abcd"
    assert closed == []


def test_the_first_chunk_past_the_cap_closes_and_says_so() -> None:
    closed: list[bool] = []
    with pytest.raises(TooLarge) as caught:
        read_capped(iter([b"ab", b"cde", b"never read"]), 4, lambda: closed.append(True), when=" while recording")
    assert str(caught.value) == (
        "the body is larger than the cap of 4 bytes (GENVIRAL_MAX_BODY): "
        "more than 5 bytes decoded, abandoned there while recording"
    )
    assert closed == [True]


def test_the_bytes_as_sent_count_too() -> None:
    # A compressed body whose bytes on the wire pass the cap before its decoded ones do.
    with pytest.raises(TooLarge, match=r"more than 9 bytes as sent, abandoned there$"):
        read_capped([b"a", b"b"], 4, lambda: None, sent=iter([3, 9]).__next__)
