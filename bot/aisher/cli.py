"""The `aisher` command line: `why`, `load`, `demo`, `bench`.

Every failure the user can cause or fix prints one line on stderr and exits non-zero; a
traceback appears only with `--debug`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from aisher import __version__
from aisher.config import Settings, variable_for
from aisher.errors import AisherError, ConfigError
from aisher.render.safe_text import MESSAGE_LIMIT, error_line, one_line
from aisher.runtime import prepare_process_environment

log = logging.getLogger("aisher")

EXIT_INTERRUPTED = 130

# What each sub-command runs: its parsed arguments and the settings in, an exit code out.
# Each imports its module when it runs: `aisher load` need not load the Slack bot, nor `aisher
# why` the benchmarks, and every command starts sooner.
Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


async def _why(args: argparse.Namespace, settings: Settings) -> int:
    from aisher.commands.why import run_why

    return await run_why(
        settings,
        service=args.service,
        window=args.window,
        until=args.until,
        fmt=args.format,
        refresh=args.refresh,
        tenant=args.tenant,
    )


async def _load(args: argparse.Namespace, settings: Settings) -> int:
    from aisher.commands.load import run_load

    return await run_load(args.files, settings)


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from aisher.commands.demo import run_demo

    return await run_demo(settings, scenario=args.scenario, seed=args.seed, fmt=args.format)


async def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from aisher.bench.runner import run_bench

    return await run_bench(settings, as_json=args.json, quick=args.quick, only=args.only)


async def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from aisher.commands.eval import run_eval

    return await run_eval(
        settings,
        suite=args.suite,
        demo_suite=args.demo_suite,
        demo_count=args.count,
        demo_seed=args.seed,
        as_json=args.json,
        with_llm=args.llm,
    )


async def _capture(args: argparse.Namespace, settings: Settings) -> int:
    from aisher.commands.capture import run_capture

    return await run_capture(
        settings, service=args.service, window=args.window, until=args.until, out=args.out
    )


async def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from aisher.commands.serve import run_serve

    return await run_serve(settings, no_slack=args.no_slack)


async def _check(args: argparse.Namespace, settings: Settings) -> int:
    from aisher.commands.check import run_check

    return await run_check(settings, llm_call=args.llm_call, manifest=args.manifest)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit code 2, like ours."""

    def error(self, message: str) -> NoReturn:
        # The message may echo an argument, which can hold a line break of its own.
        shown = one_line(message, MESSAGE_LIMIT)
        print(f"aisher: error: {shown}; see {self.prog} --help", file=sys.stderr)
        self.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="aisher", description="Explain production errors from SigNoz traces and logs."
    )
    parser.add_argument("--version", action="version", version=f"aisher {__version__}")
    parser.add_argument("--debug", action="store_true", help="log details and show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    why = commands.add_parser("why", help="explain why a service fails in a time window")
    why.add_argument("service", help="service name as in SigNoz, e.g. checkout-svc")
    why.add_argument("window", help="how far back to look: 30m, 2h, 1d")
    why.add_argument("--until", help="end of the window, ISO 8601 (default: now)")
    why.add_argument("--format", choices=("text", "json"), default="text")
    why.add_argument("--refresh", action="store_true", help="bypass the cached answer")
    why.add_argument("--tenant", help="tenant for budgets and prompt choice")
    why.set_defaults(run=_why)

    load = commands.add_parser("load", help="import OTLP/JSON files into the embedded store")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.set_defaults(run=_load)

    demo = commands.add_parser("demo", help="seed a realistic incident and explain it")
    demo.add_argument("--scenario", help="fault kind to inject (default: the showcase incident)")
    demo.add_argument("--seed", type=int, default=None, help="random seed of the generator")
    demo.add_argument("--format", choices=("text", "json"), default="text")
    demo.set_defaults(run=_demo)

    bench = commands.add_parser("bench", help="run the benchmarks and print figures")
    bench.add_argument("--json", action="store_true", help="machine-readable output")
    bench.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    bench.add_argument("--only", action="append", help="run only the named benchmark(s)")
    bench.set_defaults(run=_bench)

    evaluate = commands.add_parser("eval", help="root-cause accuracy on labelled incidents")
    evaluate.add_argument(
        "suite", nargs="?", type=Path, metavar="SUITE", help="folder of incident folders"
    )
    evaluate.add_argument(
        "--demo-suite", action="store_true", help="evaluate aisher's own generated scenarios"
    )
    evaluate.add_argument("--count", type=int, default=30, help="--demo-suite: scenarios")
    evaluate.add_argument("--seed", type=int, default=1, help="--demo-suite: generator seed")
    evaluate.add_argument("--json", action="store_true", help="machine-readable output")
    evaluate.add_argument("--llm", action="store_true", help="run the LLM path too")
    evaluate.set_defaults(run=_eval)

    capture = commands.add_parser(
        "capture", help="export a past incident as masked OTLP/JSON for an eval suite"
    )
    capture.add_argument("service", help="service name as in SigNoz, e.g. checkout-svc")
    capture.add_argument("window", help="how far back to look: 30m, 2h, 1d")
    capture.add_argument("--until", help="end of the window, ISO 8601 (default: now)")
    capture.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="incident folder to write"
    )
    capture.set_defaults(run=_capture)

    serve = commands.add_parser("serve", help="run the Slack bot and the HTTP server")
    serve.add_argument("--no-slack", action="store_true", help="run the HTTP side only")
    serve.set_defaults(run=_serve)

    check = commands.add_parser("check", help="check settings and connections before deploying")
    check.add_argument(
        "--llm-call", action="store_true", help="also send the model a one-token request"
    )
    check.add_argument(
        "--manifest", type=Path, metavar="FILE", help="Slack app manifest (default: manifest.yml)"
    )
    check.set_defaults(run=_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    prepare_process_environment()
    try:
        settings = load_settings()
        command: Command = args.run
        return asyncio.run(command(args, settings))
    except AisherError as exc:
        if args.debug:
            log.exception("command failed")
        print(f"aisher: {error_line(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("aisher: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the outermost handler: one line, never a bare traceback
        if args.debug:
            log.exception("unexpected failure")
        print(
            f"aisher: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
            file=sys.stderr,
        )
        return 1


def load_settings() -> Settings:
    """The settings from the environment; any invalid value is a one-line `ConfigError`."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            describe_setting_error(error["loc"], error["msg"]) for error in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None


def describe_setting_error(location: tuple[int | str, ...], message: str) -> str:
    """`AISHER_MAX_TRACES (limits.max_traces): <message>`; never the value, which may be secret."""
    path = ".".join(str(part) for part in location)
    variable = variable_for(location)
    return f"{variable} ({path}): {message}" if variable else f"{path}: {message}"
