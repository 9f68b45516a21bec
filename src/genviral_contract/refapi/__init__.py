"""The embedded reference API: GET /accounts as documented, on loopback, with optional faults.

It is the conformance suite's default target, and its fault catalogue is how the suite
proves it can fail: every ``breaks`` fault must be caught, every ``benign`` one passed.
"""

from .faults import FAULTS, PROBES, Fault
from .server import ReferenceServer, Stats

__all__ = ["FAULTS", "PROBES", "Fault", "ReferenceServer", "Stats"]
