"""The embedded reference API: GET /accounts as documented, on loopback, with optional faults.

It is the conformance suite's default target, and its fault catalogue is how the suite
proves it can fail: every ``breaks`` fault must be caught, every ``benign`` one passed,
and an ``unjudgeable`` one reported as not judged. ``ReferenceServer(rate_limit=...)``
adds a fixed-window rate limit for the whole server.
"""

from genviral_contract.refapi.faults import CALLERS, FAULTS, Fault
from genviral_contract.refapi.server import ReferenceServer
from genviral_contract.refapi.stats import Stats

__all__ = ["CALLERS", "FAULTS", "Fault", "ReferenceServer", "Stats"]
