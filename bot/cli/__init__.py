"""The `claimwatch` command line: one sub-module per area registers its sub-commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from bot.cli import claims, db, deliveries, feeds, matching, poll, run
from bot.config import Settings, SettingsError, load_settings
from bot.errors import ConfigFileError, StartupError

Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]

AREAS = (run, db, poll, feeds, claims, matching, deliveries)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claimwatch",
        description="Track the claims of an op-ed against the news and tell Telegram subscribers.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for area in AREAS:
        area.register(commands)
    return parser


def configure_logging(settings: Settings, *, verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else settings.log_level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs request URLs at INFO, and Bot API URLs carry the token.
    for noisy in ("httpx", "httpcore", "alembic", "telegram.ext.Application"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A tick still running when the next is due is skipped on purpose; don't warn about it.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        settings = load_settings()
    except SettingsError as err:
        print(f"claimwatch: bad configuration:\n{err}", file=sys.stderr)
        return 2
    configure_logging(settings, verbose=args.verbose)
    try:
        return asyncio.run(handler(args, settings))
    except ConfigFileError as err:
        print(f"claimwatch: {err}", file=sys.stderr)
        return 2
    except StartupError as err:
        print(f"claimwatch: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
