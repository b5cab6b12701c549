"""CLI: `claimwatch poll --once` — sync feeds.yaml, poll every enabled feed now, print a table."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli.database import open_database
from bot.config import Settings
from bot.domain import PollReport
from bot.feeds_file import load_feeds_file
from bot.ingest.fetch import create_client
from bot.ingest.pipeline import poll_feeds
from bot.storage.feeds import sync_feeds


def register(commands: argparse._SubParsersAction[Any]) -> None:
    poll = commands.add_parser("poll", help="poll feeds once and show what each returned")
    poll.add_argument(
        "--once", action="store_true", required=True, help="poll every enabled feed now, then exit"
    )
    poll.add_argument("--due", action="store_true", help="only feeds whose next check is due")
    poll.add_argument("--feed", type=int, action="append", metavar="ID", help="only this feed")
    poll.set_defaults(handler=poll_command)


def format_report(report: PollReport) -> str:
    """One row per feed: name, HTTP status or error, new entries, seconds; then a total."""
    lines = [f"{'FEED':36}  {'RESULT':56}  {'NEW':>5}  {'TIME':>6}"]
    for result in sorted(report.results, key=lambda r: r.name.lower()):
        outcome = result.error or f"HTTP {result.status}"
        lines.append(
            f"{result.name[:36]:36}  {outcome[:56]:56}  {result.new_entries:>5}  "
            f"{result.seconds:>5.1f}s"
        )
    failed = sum(1 for r in report.results if r.error)
    lines.append(
        f"{len(report.results)} feeds, {failed} failed, {len(report.new_entries)} new entries"
    )
    return "\n".join(lines)


async def poll_command(args: argparse.Namespace, settings: Settings) -> int:
    specs = load_feeds_file(settings.feeds_path)  # an invalid file stops here, before any change
    async with open_database(settings) as sessions:
        async with sessions.begin() as session:
            await sync_feeds(session, specs, now=datetime.now(UTC))
        async with create_client(settings) as client:
            report = await poll_feeds(
                sessions,
                client=client,
                settings=settings,
                now=datetime.now(UTC),
                due_only=args.due,
                feed_ids=args.feed,
            )
    print(format_report(report))
    sys.stdout.flush()
    return 0
