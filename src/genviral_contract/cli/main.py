"""The ``genviral-contract`` command: test, replay, validate, serve, drift.

Each subcommand lives in its own module; this one only parses arguments, so that
``genviral-contract --help`` is instant and a usage error never imports the world.
Exit codes: 0 conformant / done, 1 a rule is broken (or drift found), 2 usage or input error;
``test`` and ``replay`` are pytest runs of the shipped suite and exit as ``pytest
tests/contract`` does (0, 1, 4 a usage error, 73 a report not written, 75 not judged).
A usage error is one line on standard error, naming the option; never a traceback. Every
command leaves the same way (cli/output.py): a result through the reporter its ``--format``
names, a problem as :class:`~genviral_contract.cli.output.Exit`.

``validate`` keeps the name such tools give the command (check-jsonschema, openapi-spec-
validator); what it does is what the suite does to every answer: it judges one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from genviral_contract.cli.output import Exit, fail
from genviral_contract.config.settings import DRIFT_OPTIONS, SETTINGS
from genviral_contract.contract.revision import DEFAULT_REVISION, REVISIONS
from genviral_contract.credentials.masking import mask

# Subcommands whose every argument is pytest's: they bypass argparse (see main).
PYTEST_COMMANDS = ("test", "replay")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse would print the whole usage synopsis and exit; one line that names the
        # option is easier to act on, and returning keeps main() callable in-process.
        raise fail(f"{self.prog}: error: {message} (see {self.prog} --help)")


class _Version(argparse.Action):
    """``--version``: the tool and the contract it judges by (reading the schemas only when asked)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> NoReturn:
        from genviral_contract.config.settings import load_contract
        from genviral_contract.config.values import SettingsError
        from genviral_contract.contract.provenance import line

        # The revision in force here: GENVIRAL_CONTRACT_REVISION, else this folder's policy.
        try:
            loaded = load_contract()
        except SettingsError as exc:
            raise fail(f"{parser.prog}: {exc}") from None
        print(line(loaded.contract.revision))
        raise Exit(0)


def _http_status(raw: str) -> int:
    try:
        status = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not an HTTP status, 100 to 599") from None
    if not 100 <= status <= 599:
        raise argparse.ArgumentTypeError(f"{status} is not an HTTP status, 100 to 599")
    return status


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="genviral-contract", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action=_Version, help="show the version and the contract revision, and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "test",
        help="run the conformance suite against the target ([pytest options]; see test --help)",
        add_help=False,
    )
    sub.add_parser(
        "replay", help="judge the cassettes offline ([pytest options], e.g. --cassette-dir DIR)", add_help=False
    )

    val = sub.add_parser(
        "validate", help="judge one saved response body, or each exchange of a HAR file, by the whole contract"
    )
    val.add_argument(
        "file",
        metavar="FILE|-",
        help="the response body (JSON), or a HAR file (.har: each entry judged again); - reads standard input",
    )
    val.add_argument(
        "--status", type=_http_status, default=None, help="HTTP status it came with, 100 to 599 (default 200)"
    )
    val.add_argument("--key-scope", choices=("workspace", "personal"), help="scope of the key used, when known")
    val.add_argument("--content-type", help="Content-Type it came with, when known")
    val.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    # The contract revision and the team's policy, from the settings table.
    for setting in SETTINGS:
        if setting.env in ("GENVIRAL_CONTRACT_REVISION", "GENVIRAL_POLICY") and setting.drift:
            val.add_argument(setting.drift, default=None, metavar=setting.metavar, help=setting.usage)

    srv = sub.add_parser("serve", help="run the embedded reference API standalone")
    srv.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=0, help="port, 0 to 65535 (default 0: a free one)")
    srv.add_argument("--fault", default=None, help="break one rule on purpose (see --list-faults)")
    srv.add_argument("--latency", type=float, default=0.0, help="seconds of delay per request, 0 to 60")
    srv.add_argument(
        "--rate-limit",
        default=None,
        metavar="COUNT/WINDOW",
        help="answer 429 past COUNT requests per WINDOW, all keys together (e.g. 40/15s, 100/min)",
    )
    srv.add_argument(
        "--contract-revision",
        type=int,
        choices=REVISIONS,
        default=None,
        help="the documentation revision answered by (3: accounts carry capabilities; default: the fault's, "
        f"else {DEFAULT_REVISION})",
    )
    srv.add_argument("--list-faults", action="store_true", help="list the fault catalogue and exit")

    dr = sub.add_parser("drift", help="compare the configured target's answers with the cassettes")
    # --base-url and --timeout, from the settings table; strings: settings.load judges them.
    for setting, option in DRIFT_OPTIONS:
        dr.add_argument(option, default=None, metavar=setting.metavar, help=setting.usage)
    dr.add_argument("--cassettes", default=None, help="cassette folder (default ./cassettes)")
    dr.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="report format")
    dr.add_argument("--strict", action="store_true", help="additive and data changes count as drift too")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in PYTEST_COMMANDS:
        # pytest parses these (-k, -n, --junitxml, --genviral-*...): argparse would refuse
        # the options it does not know, and its REMAINDER cannot take a leading option.
        from genviral_contract.cli.suite import run as run_suite

        return run_suite(args[0], args[1:])
    try:
        return _dispatch(_parser().parse_args(args))
    except Exit as exc:
        if exc.message:
            print(mask(exc.message), file=sys.stderr)
        return exc.code
    except BrokenPipeError:
        # `genviral-contract validate big.json | head` closed the pipe: not an error of ours.
        sys.stderr.close()
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "validate":
        from genviral_contract.cli.validate import run as run_validate

        return run_validate(args)
    if args.command == "serve":
        from genviral_contract.cli.serve import run as run_serve

        return run_serve(args)
    from genviral_contract.cli.drift import run as run_drift

    return run_drift(args)


if __name__ == "__main__":
    sys.exit(main())
