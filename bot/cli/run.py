"""CLI: `claimwatch run` — the bot, its ticks and (with a token) Telegram, in one process."""

from __future__ import annotations

import argparse
from typing import Any

from bot.config import Settings


def register(commands: argparse._SubParsersAction[Any]) -> None:
    run = commands.add_parser(
        "run",
        help="poll, match and deliver until stopped (console mode without TELEGRAM_BOT_TOKEN)",
    )
    run.set_defaults(handler=run_command)


async def run_command(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here so `claimwatch feeds …` does not load the Telegram and model stacks.
    from bot.app import run_bot  # noqa: PLC0415

    return await run_bot(settings)
