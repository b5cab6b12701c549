"""`claimwatch run` as a subprocess against the local feed server and the stand-in Bot API.

with DeliveryStack(tmp_path, database_url) as stack:
    stack.serve("/wire.xml", [story(...)])       # before start: the first poll is backlog
    proc = stack.start()
    ...
    stack.stop(proc)

Waits are for events (`wait_polls`: the feed server saw the requests; `wait_settled`: the bot
matched what it stored and finished a tick since), each bounded by a timeout from tests/timing.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from types import TracebackType
from xml.sax.saxutils import escape

from botapi import BotApiServer
from feedserver import FeedServer, rss_document
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from timing import scaled

from bot.storage.db import create_engine, create_sessions
from bot.storage.models import EntryRow
from bot.storage.state import get_state
from bot.storage.subscribers import get_or_create_subscriber
from bot.storage.subscriptions import add_subscription

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = ROOT / "claims.yaml"
TOKEN = "123456789:TEST-token-abcdefghijkl"
FEEDS = ("/wire.xml", "/agency.xml")


def story(slug: str, title: str, summary: str, *, minutes_ago: int = 5) -> str:
    """One RSS item; the same slug in two feeds is the same development (same link)."""
    when = format_datetime(datetime.now(UTC) - timedelta(minutes=minutes_ago), usegmt=True)
    return (
        f"<item><title>{escape(title)}</title><link>https://news.example.org/{slug}</link>"
        f"<guid isPermaLink='false'>{slug}</guid><description>{escape(summary)}</description>"
        f"<pubDate>{when}</pubDate></item>"
    )


RELEVANT = (
    "visit",
    "Trump confirms April trip to Beijing for summit with Xi Jinping",
    "The White House said Trump will travel to China in April to meet Xi Jinping in Beijing.",
)
UNRELATED = (
    "bakery",
    "Local bakery wins award for sourdough bread",
    "A bakery in Ohio won a prize.",
)
OLD = (
    "old-visit",
    "Trump says he may visit Beijing to meet Xi Jinping",
    "Trump said he would consider a trip to China to meet Xi Jinping in Beijing.",
)


class DeliveryStack:
    def __init__(self, tmp: Path, database_url: str) -> None:
        self.tmp = tmp
        self.database_url = database_url
        self.feeds = FeedServer()
        self.botapi = BotApiServer()
        self.logs: list[Path] = []
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> DeliveryStack:
        self.feeds.start()
        self.botapi.start()
        lines = ["feeds:"]
        for path in FEEDS:
            self.serve(path, [])
            lines += [
                f"  - url: {self.feeds.url(path)}",
                f"    name: {path[1:-4].title()}",
                "    interval: 1s",
            ]
        (self.tmp / "feeds.yaml").write_text("\n".join(lines) + "\n")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.botapi.stop()
        self.feeds.stop()

    def serve(self, path: str, items: Sequence[str]) -> None:
        body = rss_document(title=path, items=list(items)).encode()
        self.feeds.raw(path, body, content_type="application/rss+xml; charset=utf-8")

    def env(self, **extra: str) -> dict[str, str]:
        """The bot's environment; TELEGRAM_BOT_TOKEN="" runs it in console mode."""
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("CLAIMWATCH_", "TELEGRAM_"))
        }
        env |= {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": self.botapi.url,
            "CLAIMWATCH_DATABASE_URL": self.database_url,
            "CLAIMWATCH_FEEDS": str(self.tmp / "feeds.yaml"),
            "CLAIMWATCH_CLAIMS": str(CLAIMS),
            "CLAIMWATCH_MATCHER": "lexical",
            "CLAIMWATCH_TICK_SECONDS": "1",
            "CLAIMWATCH_ALLOW_PRIVATE_FEEDS": "true",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        env |= extra
        return {k: v for k, v in env.items() if v != ""}

    def start(self, **extra: str) -> subprocess.Popen[bytes]:
        log = self.tmp / f"run-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=self.tmp,
                env=self.env(**extra),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self.proc

    def check_running(self) -> None:
        """Fail at once, with the bot's output, if the bot has exited."""
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"the bot exited early:\n{self.output()[-4000:]}")

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=scaled(20))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def output(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs)

    def wait_polls(self, count: int, *, timeout: float = 60.0) -> None:
        """Wait until every feed has been requested `count` more times."""
        start = {path: len(self.feeds.hits(path)) for path in FEEDS}
        deadline = time.monotonic() + scaled(timeout)
        while any(len(self.feeds.hits(p)) < start[p] + count for p in FEEDS):
            self.check_running()
            if time.monotonic() > deadline:
                raise AssertionError(f"feeds were not polled; bot output:\n{self.output()[-3000:]}")
            time.sleep(0.1)

    def wait_settled(self, entries: int, *, timeout: float = 60.0) -> None:
        """Wait until at least `entries` items are stored, every one matched, and a poll tick has
        finished since the last match. What they plan is then in the outbox: a delivery that is
        not there by now never will be."""
        asyncio.run(self._wait_settled(entries, timeout))

    async def _wait_settled(self, entries: int, timeout: float) -> None:
        engine = create_engine(self.database_url)
        try:
            deadline = time.monotonic() + scaled(timeout)
            while not await self._settled(engine, entries):
                self.check_running()
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"{entries} items were not matched and planned; bot output:\n"
                        f"{self.output()[-3000:]}"
                    )
                await asyncio.sleep(0.1)
        finally:
            await engine.dispose()

    @staticmethod
    async def _settled(engine: AsyncEngine, entries: int) -> bool:
        async with create_sessions(engine)() as session:
            stored = await session.scalar(select(func.count()).select_from(EntryRow))
            waiting = await session.scalar(
                select(func.count()).select_from(EntryRow).where(EntryRow.matched_at.is_(None))
            )
            last_match = await session.scalar(select(func.max(EntryRow.matched_at)))
            tick = await get_state(session, "last_tick")
        if (stored or 0) < entries or waiting or last_match is None or tick is None:
            return False
        # A poll tick plans after it matches and records itself after it plans.
        return datetime.fromisoformat(tick["at"]) >= last_match

    def subscribe(self, chat_ids: Sequence[int]) -> None:
        asyncio.run(self._subscribe(chat_ids))

    async def _subscribe(self, chat_ids: Sequence[int]) -> None:
        engine = create_engine(self.database_url)
        sessions = create_sessions(engine)
        now = datetime.now(UTC) - timedelta(minutes=1)
        async with sessions.begin() as session:
            for chat_id in chat_ids:
                sub = await get_or_create_subscriber(
                    session, chat_id=chat_id, thread_id=0, chat_type="private", title=None, now=now
                )
                await add_subscription(session, sub.id, "all", now=now)
        await engine.dispose()
