"""The ``genviral-contract`` command: validate, serve, drift.

Each subcommand lives in its own module; this one only parses arguments, so that
``genviral-contract --help`` is instant and a usage error never imports the world.
Exit codes: 0 conformant / done, 1 a rule is broken (or drift found), 2 usage or input error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genviral-contract", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    val = sub.add_parser("validate", help="judge one saved response body by the whole contract")
    val.add_argument("file", metavar="FILE|-", help="the response body (JSON); - reads standard input")
    val.add_argument("--status", type=int, default=200, help="HTTP status it came with (default 200)")
    val.add_argument("--key-scope", choices=("workspace", "personal"), help="scope of the key used, when known")
    val.add_argument("--content-type", help="Content-Type it came with, when known")
    val.add_argument("--format", choices=("text", "json"), default="text", help="output format")

    srv = sub.add_parser("serve", help="run the embedded reference API standalone")
    srv.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    srv.add_argument("--fault", default=None, help="break one rule on purpose (see --list-faults)")
    srv.add_argument("--latency", type=float, default=0.0, help="seconds of delay per request")
    srv.add_argument("--list-faults", action="store_true", help="list the fault catalogue and exit")

    dr = sub.add_parser("drift", help="compare the configured target's answers with the cassettes")
    dr.add_argument("--base-url", help="target base URL (default $GENVIRAL_BASE_URL)")
    dr.add_argument("--cassettes", default=None, help="cassette folder (default ./cassettes)")
    dr.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="report format")
    dr.add_argument("--strict", action="store_true", help="additive and data changes count as drift too")
    dr.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _dispatch(_parser().parse_args(argv))
    except BrokenPipeError:
        # `genviral-contract validate big.json | head` closed the pipe: not an error of ours.
        sys.stderr.close()
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "validate":
        from .validate_cmd import run as run_validate

        return run_validate(args)
    if args.command == "serve":
        from .refapi.serve import run as run_serve

        return run_serve(args)
    from .drift import run as run_drift

    return run_drift(args)


if __name__ == "__main__":
    sys.exit(main())
