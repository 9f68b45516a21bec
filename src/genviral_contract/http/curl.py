"""The request behind an answer, as a ``curl`` command that sends it again.

Built from the request as it went on the wire (shapes.as_sent): the method, the URL and
every header in the order sent, ``--compressed`` only where the request asked for a
content coding (the client decoded the answer; curl without it would print the coded
bytes), the headers curl adds by itself (``Accept``, ``User-Agent``) taken out where the
request had none. The credential is written as credentials/shell.py writes it: the
variable the key came from, never the key.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence

from genviral_contract.credentials.shell import Part, word

# Headers curl sends on its own unless told otherwise ("Name:" with no value removes one).
_CURL_ADDS = ("Accept", "User-Agent")
# Headers curl writes from the URL and the body itself.
_CURL_WRITES = frozenset({"host", "content-length"})


def decodes(headers: Mapping[str, str]) -> bool:
    """Whether a request with these headers asked for a content coding (and so decodes one)."""
    coding = next((value for name, value in headers.items() if name.lower() == "accept-encoding"), None)
    return coding is not None and coding.strip().lower() not in ("", "identity")


def curl_command(
    method: str,
    url: str,
    headers: Mapping[str, str],
    authorization: Sequence[Part] | None = None,
    body: bytes | None = None,
) -> str:
    """The command; ``headers`` as sent, without Authorization, which ``authorization`` gives."""
    words = ["curl"]
    if method != "GET":
        words += ["--request", shlex.quote(method)]
    words.append(shlex.quote(url))
    sent = {name.lower() for name in headers}
    for name, value in headers.items():
        if name.lower() not in _CURL_WRITES:
            words += ["--header", shlex.quote(f"{name}: {value}")]
    for name in _CURL_ADDS:
        if name.lower() not in sent:
            words += ["--header", shlex.quote(f"{name}:")]
    if authorization is not None:
        words += ["--header", word([("Authorization: ", False), *authorization])]
    if body:
        words += ["--data-binary", shlex.quote(body.decode("utf-8", errors="replace"))]
    if decodes(headers):
        words.append("--compressed")
    return " ".join(words)
