"""CLI: `claimwatch feeds list|add|remove|check|import-opml|export-opml`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli.database import open_database
from bot.cli.output import fail
from bot.config import Settings
from bot.domain import Feed, FeedSpec
from bot.errors import FeedError
from bot.feeds_file import DEFAULT_INTERVAL, check_feed_url, parse_interval, parse_themes
from bot.ingest.fetch import create_client
from bot.ingest.opml import MAX_BYTES as MAX_OPML_BYTES
from bot.ingest.opml import OpmlError, read_opml, write_opml
from bot.ingest.pipeline import add_feed_checked, check_feed
from bot.ingest.safety import ensure_public_url, ensure_valid_host
from bot.storage.feeds import add_feed, find_feed, list_feeds, remove_feed


def register(commands: argparse._SubParsersAction[Any]) -> None:
    feeds = commands.add_parser("feeds", help="list, add, remove and check feeds")
    actions = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="every feed with its health").set_defaults(handler=list_command)
    add = actions.add_parser("add", help="check a feed once, then poll it")
    add.add_argument("url")
    add.add_argument("--name")
    add.add_argument("--themes", help="comma-separated, e.g. us-china,trump-xi")
    add.add_argument("--interval", default="10m", help="90s, 10m, 1h (default 10m)")
    add.set_defaults(handler=add_command)
    remove = actions.add_parser("remove", help="stop polling a feed (its items are kept)")
    remove.add_argument("feed", metavar="ID|URL")
    remove.set_defaults(handler=remove_command)
    check = actions.add_parser("check", help="fetch and parse a feed once, store nothing")
    check.add_argument("url")
    check.set_defaults(handler=check_command)
    imp = actions.add_parser("import-opml", help="add every feed listed in an OPML file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--interval", default="10m")
    imp.set_defaults(handler=import_command)
    exp = actions.add_parser("export-opml", help="write the enabled feeds as OPML")
    exp.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    exp.set_defaults(handler=export_command)


def when(value: datetime | None, now: datetime) -> str:
    """'12m ago' / 'in 3m' / '-' — short, for tables."""
    if value is None:
        return "-"
    seconds = int((value - now).total_seconds())
    span = abs(seconds)
    text = f"{span}s" if span < 120 else f"{span // 60}m" if span < 7200 else f"{span // 3600}h"
    return f"in {text}" if seconds > 0 else f"{text} ago"


def health(feed: Feed) -> str:
    if not feed.enabled:
        return f"disabled ({feed.disabled_reason or 'by operator'})"
    return "failing" if feed.error_count else "ok"


async def list_command(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)
    async with open_database(settings) as sessions, sessions() as session:
        feeds = await list_feeds(session)
    if not feeds:
        print("no feeds yet: edit feeds.yaml and start the bot, or use `claimwatch feeds add URL`")
        return 0
    print(
        f"{'ID':>4}  {'FEED':32}  {'HEALTH':10}  {'LAST OK':9}  {'ERR':>3}  {'NEXT':9}  LAST ERROR"
    )
    for feed in feeds:
        print(
            f"{feed.id:>4}  {feed.title[:32]:32}  {health(feed)[:10]:10}  "
            f"{when(feed.last_success_at, now):9}  {feed.error_count:>3}  "
            f"{when(feed.next_check_at, now) if feed.enabled else '-':9}  "
            f"{(feed.last_error or feed.disabled_reason or '')[:80]}"
        )
    return 0


async def add_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        spec = FeedSpec(
            url=check_feed_url(args.url),
            name=args.name,
            themes=parse_themes(args.themes.split(",")) if args.themes else (),
            interval_seconds=parse_interval(args.interval),
        )
    except ValueError as err:
        return fail(str(err))
    async with open_database(settings) as sessions, create_client(settings) as client:
        try:
            feed = await add_feed_checked(
                sessions,
                client=client,
                settings=settings,
                spec=spec,
                origin="cli",
                now=datetime.now(UTC),
            )
        except FeedError as err:
            return fail(f"cannot add {args.url}: {err}")
    print(f"added feed #{feed.id}: {feed.title}; it is polled on the next tick")
    return 0


async def remove_command(args: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings) as sessions, sessions.begin() as session:
        feed = await remove_feed(session, args.feed, now=datetime.now(UTC))
    if feed is None:
        return fail(f"no feed {args.feed!r}; `claimwatch feeds list` shows ids and urls")
    print(f"feed #{feed.id} ({feed.title}) is no longer polled; its items are kept")
    return 0


async def check_command(args: argparse.Namespace, settings: Settings) -> int:
    async with create_client(settings) as client:
        try:
            check = await check_feed(
                client, args.url, settings=settings, allow_private=settings.allow_private_feeds
            )
        except FeedError as err:
            return fail(f"{args.url} is not usable: {err}")
    print(f"{check.url}: {check.title or '(no title)'}, {check.entry_count} items")
    if check.final_url != check.url:
        print(f"  redirected to {check.final_url}")
    for title in check.sample_titles:
        print(f"  - {title}")
    return 0


async def import_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        interval = parse_interval(args.interval)
        with args.file.open("rb") as file:
            data = file.read(MAX_OPML_BYTES + 1)  # read_opml refuses the one byte too many
        specs = read_opml(data, interval_seconds=interval or DEFAULT_INTERVAL)
    except (OSError, ValueError) as err:
        kind = "OPML file" if isinstance(err, OpmlError) else "file"
        return fail(f"cannot read the {kind} {args.file}: {err}")
    added = skipped = refused = 0
    now = datetime.now(UTC)
    async with open_database(settings) as sessions:
        for spec in specs:
            try:
                # A bad host must not stop the import half way, nor be stored to fail later.
                if settings.allow_private_feeds:
                    ensure_valid_host(spec.url)
                else:
                    await ensure_public_url(spec.url)  # checks the host's validity first
            except FeedError as err:
                print(f"  refused {spec.url}: {err}")
                refused += 1
                continue
            async with sessions.begin() as session:
                existing = await find_feed(session, spec.url)
                if existing is not None and existing.enabled:
                    skipped += 1
                    continue
                await add_feed(session, spec, origin="cli", now=now)
                added += 1
    print(f"imported {args.file}: {added} added, {skipped} already tracked, {refused} refused")
    return 0


async def export_command(args: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings) as sessions, sessions() as session:
        feeds = await list_feeds(session, include_disabled=False)
    document = write_opml(feeds, now=datetime.now(UTC))
    if args.output is None:
        sys.stdout.write(document)
        return 0
    try:
        args.output.write_text(document, encoding="utf-8")
    except OSError as err:
        return fail(f"cannot write {args.output}: {err}")
    print(f"wrote {len(feeds)} feeds to {args.output}")
    return 0
