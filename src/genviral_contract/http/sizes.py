"""Byte sizes as the settings and the messages write them (``32 MiB``)."""

from __future__ import annotations

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30

# The largest answer body read before the exchange is abandoned: far above any real
# account list, far below what a flood would need to exhaust the runner's memory.
DEFAULT_MAX_BODY = 32 * MiB


def size(n: int) -> str:
    """Bytes as the settings write them (``32 MiB``)."""
    for unit, factor in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} bytes"
