"""``genviral-contract serve``: the reference API in the foreground, for poking at by hand.

Its arguments are checked here, not only by the parser, since tests and scripts call
:func:`run` with a Namespace of their own: a bad one is one line and exit 2.
"""

from __future__ import annotations

import argparse
import shlex
import time

from genviral_contract.cli.output import Exit, fail
from genviral_contract.contract.revision import DEFAULT_REVISION, REVISIONS
from genviral_contract.http.limits import Rate
from genviral_contract.refapi.faults import FAULTS
from genviral_contract.refapi.server import ReferenceServer, is_loopback

MAX_LATENCY = 60.0


def list_faults() -> None:
    width = max(len(name) for name in FAULTS)
    kind_width = max(len(fault.kind) for fault in FAULTS.values())
    for fault in FAULTS.values():
        rules = ", ".join(fault.rules) or "-"
        print(f"{fault.name:<{width}}  {fault.kind:<{kind_width}}  {rules}\n{'':<{width}}  {fault.description}")


def _usage_error(message: str) -> Exit:
    """A bad argument: one line, exit 2."""
    return fail(f"genviral-contract serve: {message}")


def _wait_forever() -> None:
    while True:
        time.sleep(3600)


def run(args: argparse.Namespace) -> int:
    if args.list_faults:
        list_faults()
        return 0
    if args.fault is not None and args.fault not in FAULTS:
        raise _usage_error(f"unknown fault {args.fault!r}; valid faults: {', '.join(FAULTS)}")
    if not is_loopback(args.host):
        # The keys it prints are real for this server: anyone who can reach it can use them.
        raise _usage_error(f"--host must be a loopback address (127.0.0.1, ::1, localhost), not {args.host!r}")
    if not 0 <= args.port <= 65535:
        raise _usage_error(f"--port must be between 0 and 65535, not {args.port}")
    # Not `latency < 0`, which lets NaN through; inf, or hours, would hang every request.
    if not 0 <= args.latency <= MAX_LATENCY:
        raise _usage_error(f"--latency must be a number of seconds from 0 to {MAX_LATENCY:g}, not {args.latency}")
    text = args.rate_limit
    try:
        rate_limit = Rate.parse(text) if text is not None else None
    except ValueError as exc:
        raise _usage_error(f"--rate-limit: {exc}, not {text!r}") from None
    fault_revision = FAULTS[args.fault].revision if args.fault is not None else None
    revision = getattr(args, "contract_revision", None) or fault_revision or DEFAULT_REVISION
    if revision not in REVISIONS:
        raise _usage_error(f"--contract-revision must be one of {', '.join(map(str, REVISIONS))}, not {revision!r}")
    server = ReferenceServer(
        fault=args.fault, latency=args.latency, host=args.host, port=args.port, rate_limit=rate_limit, revision=revision
    )
    try:
        server.start()
    except OSError as exc:
        raise _usage_error(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    try:
        _announce(server)
        _wait_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _announce(server: ReferenceServer) -> None:
    fault = server.fault
    label = f"fault {fault.name} ({fault.kind}: {fault.description})" if fault else "no fault"
    limit = f", rate limit {server.rate_limit} (one fixed window for all keys)" if server.rate_limit else ""
    latency = f", each answer {server.latency * 1000:g} ms late" if server.latency else ""
    print(f"Genviral reference API, contract revision {server.revision}, {label}{limit}{latency}")
    print(f"  base URL: {server.base_url}")
    print("  keys (send as 'Authorization: Bearer <key>'; fresh on every start):")
    width = max(len(name) for name in server.keys)
    for name, key in server.keys.items():
        print(f"    {name:<{width}}  {key}")
    print(f"  workspace_id={server.expected['workspace_id']}  owner_user_id={server.expected['owner_user_id']}")
    header = shlex.quote(f"Authorization: Bearer {server.keys['workspace']}")
    print(f"  try: curl -s -H {header} {server.base_url}/accounts")
    print("Ctrl-C stops it.", flush=True)
