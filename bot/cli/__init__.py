"""The `claimwatch` command line: one sub-module per area registers its sub-commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from bot.cli import claims, db, deliveries, feeds, matching, poll, run, training
from bot.config import Settings, SettingsError, load_settings
from bot.errors import ConfigFileError, StartupError
from bot.logs import configure_logging

Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]

log = logging.getLogger(__name__)

AREAS = (run, db, poll, feeds, claims, matching, training, deliveries)


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    # Every setting is checked here, before any command touches the database or the network.
    try:
        settings = load_settings()
    except SettingsError as err:
        for line in str(err).splitlines():
            print(f"claimwatch: {line}", file=sys.stderr)
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
    except Exception:
        # Logged rather than left to Python's own printout, so the secret filter sees it too.
        log.exception("claimwatch stopped on an unexpected error")
        return 1
