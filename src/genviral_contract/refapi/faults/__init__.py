"""The fault catalogue: each fault breaks one promise of the contract on purpose.

A fault is data: a name, the rule ids it breaks, the request that shows it (``caller``,
see callers.py), a small transform of the conformant reply, and optionally a rate limit
the server then keeps. The conformance suite proves it can fail by catching every
``breaks`` fault, and proves it is not over-strict by passing every ``benign`` one. An
``unjudgeable`` fault leaves the suite nothing to judge (every request refused): it must
say "not judged", neither pass nor fail.

The faults live in one module per family, by the promise they break; fault.py holds the
``Fault`` type and the blocks their transforms are built from. ``FAULTS`` lists the
families in the order below, so ``serve --list-faults`` reads family by family.
"""

from __future__ import annotations

from genviral_contract.refapi.callers import CALLERS
from genviral_contract.refapi.faults import (
    authentication,
    capabilities,
    clients_and_caches,
    envelope,
    errors,
    payload,
    rate_limits,
    scope,
    strict_json,
    transport,
)
from genviral_contract.refapi.faults.fault import Ctx, Fault, Kind, Transform

FAMILIES = (
    envelope,
    payload,
    capabilities,
    scope,
    authentication,
    errors,
    transport,
    strict_json,
    rate_limits,
    clients_and_caches,
)

FAULTS: dict[str, Fault] = {fault.name: fault for family in FAMILIES for fault in family.FAULTS}

__all__ = ["CALLERS", "FAMILIES", "FAULTS", "Ctx", "Fault", "Kind", "Transform"]
