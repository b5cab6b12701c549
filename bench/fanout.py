"""Fan-out benchmark: one development to 5,000 subscribed chats through the stand-in Bot API.

    .venv/bin/python bench/fanout.py [--chats 5000] [--rate 25] [--uncapped-only]

Runs planning and sending exactly as the bot does (a real SQLite database, python-telegram-bot
over HTTP to the stand-in server, which runs in its own process and counts the messages), first
at the configured rate cap, then with the cap lifted to find the bot's own ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from botapi import BotApiServer  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.deliver.plan import plan_deliveries  # noqa: E402
from bot.deliver.sender import send_pending  # noqa: E402
from bot.domain import Claim, Evidence, FeedSpec, Match  # noqa: E402
from bot.storage.claims import add_claim  # noqa: E402
from bot.storage.db import Sessions, create_engine, create_sessions  # noqa: E402
from bot.storage.feeds import add_feed  # noqa: E402
from bot.storage.matches import save_match  # noqa: E402
from bot.storage.migrate import upgrade_database_async  # noqa: E402
from bot.storage.models import EntryRow, SubscriberRow, SubscriptionRow  # noqa: E402
from bot.storage.stories import attach_entry, create_story  # noqa: E402
from bot.telegram.outbound import TelegramSender  # noqa: E402

TOKEN = "123456789:BENCH-token-abcdefghijkl"


def serve(commands: Any, replies: Any) -> None:
    """The stand-in server in a process of its own, so it does not share our interpreter."""
    server = BotApiServer().start()
    replies.put(server.url)
    while (command := commands.get()) != "stop":
        if command == "reset":
            with server._lock:  # the benchmark owns this server; start counting afresh
                server._sent.clear()
            replies.put(True)
        elif command == "stats":
            sent = server.sent()
            replies.put((len(sent), len({m.chat_id for m in sent}), server.messages_per_second()))
    server.stop()


async def seed(sessions: Sessions, chats: int, now: datetime) -> None:
    """`chats` subscribers following everything, one claim, one alert-level development."""
    before = now - timedelta(hours=1)
    async with sessions.begin() as session:
        await session.execute(
            insert(SubscriberRow),
            [
                {
                    "chat_id": 10_000 + n, "thread_id": 0, "chat_type": "private",
                    "active": True, "paused": False, "mode": "instant",
                    "schedule": "daily 08:00", "timezone": "UTC",
                    "empty_digest_line": False, "alerts_in_window": 0, "cap_notice_sent": False,
                    "subscribed_at": before, "created_at": before, "updated_at": before,
                }
                for n in range(chats)
            ],
        )  # fmt: skip
        ids = list(
            await session.scalars(
                SubscriberRow.__table__.select().with_only_columns(SubscriberRow.id)
            )
        )
        await session.execute(
            insert(SubscriptionRow),
            [{"subscriber_id": i, "kind": "all", "target": "", "created_at": before} for i in ids],
        )
        claim = Claim(id="trump-xi-visit", text="Trump visits Beijing in April.", theme="trump-xi",
                      kind="forecast", short="Trump's Beijing visit goes ahead")  # fmt: skip
        await add_claim(session, claim, now=before)
        feed = await add_feed(
            session,
            FeedSpec(url="http://127.0.0.1:9/wire.xml", name="Wire"),
            origin="cli",
            now=before,
        )
        story = await create_story(
            session, link="https://news.example.org/visit", title="Trump confirms April trip",
            fingerprint="trump april trip", now=now,
        )  # fmt: skip
        entry = EntryRow(
            feed_id=feed.id, identity="visit", guid="visit", link="https://news.example.org/visit",
            title="Trump confirms April trip to Beijing for summit with Xi Jinping",
            summary="The White House said Trump will travel to China in April.",
            published_at=now, first_seen_at=now, lang="en", is_backlog=False, matched_at=now,
        )  # fmt: skip
        session.add(entry)
        await session.flush()
        await attach_entry(session, entry.id, story.id, now=now)
        why = Evidence("Trump will travel to China in April.", "", ("trump", "april"), 0.6, 0.7)
        await save_match(
            session, story_id=story.id, entry_id=entry.id,
            match=Match("trump-xi-visit", 0.72, "alert", "supports", 0.68, why),
            claim_version=1, is_backlog=False, now=now,
        )  # fmt: skip


async def run_once(
    url: str, chats: int, rate: float, *, concurrency: int, commands: Any, replies: Any
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await upgrade_database_async(database_url)
        engine = create_engine(database_url)
        sessions = create_sessions(engine)
        now = datetime.now(UTC)
        await seed(sessions, chats, now)
        settings = load_settings(CLAIMWATCH_SEND_RATE=rate, CLAIMWATCH_DATABASE_URL=database_url)
        started = time.perf_counter()
        planned = await plan_deliveries(sessions, now=now, settings=settings)
        plan_seconds = time.perf_counter() - started
        commands.put("reset")
        replies.get()
        bot = Bot(TOKEN, base_url=f"{url}/bot", request=HTTPXRequest(connection_pool_size=16))
        async with bot:
            started, cpu = time.perf_counter(), time.process_time()
            report = await send_pending(
                sessions,
                TelegramSender(bot),
                settings=settings,
                clock=lambda: datetime.now(UTC),
                concurrency=concurrency,
            )
            send_seconds = time.perf_counter() - started
            cpu_ms = (time.process_time() - cpu) * 1000 / max(1, report.sent)
        await engine.dispose()
    commands.put("stats")
    count, distinct, per_second = replies.get()
    return {
        "planned": planned, "plan_s": plan_seconds, "sent": report.sent, "received": count,
        "chats": distinct, "send_s": send_seconds, "server_msgs_per_s": per_second,
        "end_to_end_msgs_per_s": count / send_seconds if send_seconds else 0.0,
        # CPU the bot spends per message: its ceiling on one core, whatever else runs.
        "bot_cpu_ms_per_msg": cpu_ms, "cpu_ceiling_msgs_per_s": 1000 / cpu_ms if cpu_ms else 0.0,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=5000)
    parser.add_argument(
        "--rate",
        type=float,
        default=load_settings().send_rate,
        help="the rate cap in messages/s (default: CLAIMWATCH_SEND_RATE)",
    )
    parser.add_argument("--uncapped-only", action="store_true")
    parser.add_argument("--concurrency", type=int, default=8, help="chats in flight at once")
    args = parser.parse_args()
    commands: Any = mp.Queue()
    replies: Any = mp.Queue()
    server = mp.Process(target=serve, args=(commands, replies), daemon=True)
    server.start()
    url = replies.get(timeout=30)
    runs = [] if args.uncapped_only else [("capped", args.rate)]
    runs.append(("uncapped", 10_000.0))
    try:
        for name, rate in runs:
            result = asyncio.run(
                run_once(
                    url,
                    args.chats,
                    rate,
                    concurrency=args.concurrency,
                    commands=commands,
                    replies=replies,
                )
            )
            line = ", ".join(
                f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()
            )
            print(f"{name} (cap {rate:g}/s): {line}")
            if name == "capped":
                print(f"  -> {100 * result['server_msgs_per_s'] / rate:.1f}% of the cap")
    finally:
        commands.put("stop")
        server.join(timeout=10)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the bot side: {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
