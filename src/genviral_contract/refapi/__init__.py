"""The embedded reference API: GET /accounts as documented, on loopback, with optional faults.

It is the conformance suite's default target, and its fault catalogue is how the suite
proves it can fail: every ``breaks`` fault must be caught, every ``benign`` one passed,
and an ``unjudgeable`` one reported as not judged. ``ReferenceServer(rate_limit=...)``
adds a fixed-window rate limit for the whole server.
"""

from .faults import FAULTS, PROBES, Fault
from .server import ReferenceServer, Stats

__all__ = ["FAULTS", "PROBES", "Fault", "ReferenceServer", "Stats"]
