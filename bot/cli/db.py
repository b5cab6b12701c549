"""CLI: `claimwatch db upgrade`."""

from __future__ import annotations

import argparse
from typing import Any

from bot.config import Settings
from bot.storage.migrate import upgrade_database_async


def register(commands: argparse._SubParsersAction[Any]) -> None:
    db = commands.add_parser("db", help="database maintenance")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="apply migrations (run also does this on start)")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(handler=upgrade_command)


async def upgrade_command(args: argparse.Namespace, settings: Settings) -> int:
    await upgrade_database_async(settings.database_url, args.revision)
    print(f"database is at {args.revision}")
    return 0
