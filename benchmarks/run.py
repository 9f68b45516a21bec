"""Benchmarks: what validation costs next to parsing, and what a live run costs a target.

    python benchmarks/run.py [--json PATH] [--quick] [--skip-cli] [--skip-live]
                             [--skip-rate-limit] [--requests-by-test]

Prints one table per part (validation scaling, the validate CLI, a live run next to
schemathesis', the suite against a rate-limited target with and without pacing), then the
goals, each ✓ or ✗ with its figure. benchmarks/README.md explains every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: the sibling modules are imported as the package they are, from the
    # repository root, rather than with benchmarks/ itself on sys.path (where a module
    # named like a library's would shadow it for the whole process).
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks import goals, printer
from benchmarks.validation import QUICK_SIZES, SIZES, bench_validation

VERSIONS = ("genviral-contract", "jsonschema", "jsonschema-rs", "schemathesis", "hypothesis", "pytest")


def environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for dist in VERSIONS:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "versions": versions,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument(
        "--quick", action="store_true", help="the smallest body only, few repeats, no subprocess: a smoke test"
    )
    parser.add_argument("--skip-cli", action="store_true", help="do not time the validate CLI")
    parser.add_argument("--skip-live", action="store_true", help="run the suite not at all")
    parser.add_argument("--skip-rate-limit", action="store_true", help="leave out the rate-limited runs")
    parser.add_argument(
        "--requests-by-test",
        action="store_true",
        help="run the suite once more, untimed, and say which test sends how many requests",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    cli = live = limited = None
    validation = bench_validation(QUICK_SIZES if args.quick else SIZES, args.quick)
    # Imported only when they run: a quick run stays a fraction of a second.
    if not (args.quick or args.skip_cli):
        from benchmarks.cli_cost import bench_cli

        cli = bench_cli()
    if not (args.quick or args.skip_live):
        from benchmarks.live import bench_live

        live = bench_live(by_test=args.requests_by_test)
        if not args.skip_rate_limit:
            from benchmarks.rate_limited import bench_rate_limited

            limited = bench_rate_limited()
    figures = goals.Figures(validation, cli, live, limited)
    reached = goals.judge(figures)
    env = environment()
    elapsed = time.perf_counter() - started
    print(printer.report(env, figures, reached, elapsed))

    if args.json:
        found = {
            "environment": env,
            "quick": args.quick,
            "seconds": elapsed,
            "validation": [r.as_dict() for r in validation],
            "cli": cli.as_dict() if cli else None,
            "live": live.as_dict() if live else None,
            "rate_limited": limited.as_dict() if limited else None,
            "goals": [r.as_dict() for r in reached],
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
