"""CLI: `claimwatch digest --chat ID` and `claimwatch deliveries` (the outbox at a glance)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from bot.cli.database import open_database
from bot.config import Settings
from bot.deliver.digest import preview_digest, queue_digest_now
from bot.deliver.render import html_to_plain
from bot.storage.outbox import dead_reasons, delivery_counts, list_outbox
from bot.storage.subscribers import get_subscriber


def register(commands: argparse._SubParsersAction[Any]) -> None:
    digest = commands.add_parser("digest", help="print a chat's next digest (and queue it)")
    digest.add_argument("--chat", type=int, required=True, metavar="ID", help="Telegram chat id")
    digest.add_argument("--thread", type=int, default=0, metavar="N", help="forum topic id")
    digest.add_argument(
        "--dry-run", action="store_true", help="only print it; queue nothing, change nothing"
    )
    digest.set_defaults(handler=digest_command)
    outbox = commands.add_parser("deliveries", help="the outbox: pending, sent, dead by reason")
    outbox.add_argument("--status", choices=("pending", "sending", "sent", "dead"))
    outbox.add_argument("--limit", type=int, default=20, help="recent rows to list (default 20)")
    outbox.set_defaults(handler=deliveries_command)


async def digest_command(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)
    async with open_database(settings) as sessions:
        async with sessions() as session:
            subscriber = await get_subscriber(session, chat_id=args.chat, thread_id=args.thread)
        if subscriber is None:
            print(f"No subscriber with chat id {args.chat} (topic {args.thread}).")
            return 1
        if args.dry_run:
            messages = await preview_digest(sessions, subscriber.id, now=now)
        else:
            messages = await queue_digest_now(sessions, subscriber.id, now=now)
    if not messages:
        print("Nothing new for this chat since its last digest.")
        return 0
    for index, text in enumerate(messages, 1):
        if len(messages) > 1:
            print(f"--- message {index} of {len(messages)} ---")
        print(html_to_plain(text))
    if not args.dry_run:
        print(f"\nQueued {len(messages)} message(s); the running bot sends them on its next tick.")
    return 0


async def deliveries_command(args: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings) as sessions, sessions() as session:
        counts = await delivery_counts(session)
        reasons = await dead_reasons(session)
        lines = await list_outbox(session, status=args.status, limit=args.limit)
    print(f"pending {counts['pending']}  sent {counts['sent']}  dead {counts['dead']}")
    for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        print(f"  dead: {count:>5}  {reason}")
    if lines:
        print()
        header = ("id", "status", "kind", "chat", "tries", "due (UTC)")
        print("{:>6}  {:<8} {:<7} {:>15}  {:>5}  {:<16}  key".format(*header))
    for line in lines:
        due = line.not_before.strftime("%Y-%m-%d %H:%M")
        print(
            f"{line.id:>6}  {line.status:<8} {line.kind:<7} {line.chat_id:>15}  "
            f"{line.attempts:>5}  {due:<16}  {line.key}"
        )
        if line.reason and line.status != "sent":
            print(f"{'':>8}↳ {line.reason[:160]}")
    return 0
