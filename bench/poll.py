"""Benchmark: poll N generated feeds from a local server, cold and then warm (all 304).

    .venv/bin/python bench/poll.py [--feeds 500] [--items 20] [--concurrency 50]
        [--database-url URL]

The feed server (tests/feedserver.py) runs in a child process, as a remote server would, so it
does not compete with the poller for the GIL. All feeds come from one host (127.0.0.1), so the
per-host cap (CLAIMWATCH_PER_HOST_LIMIT, 2 by default) would serialise them: the bench raises
per_host_limit to the concurrency it is given. Prints feeds per second, bytes the server sent,
and the poller's peak resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from feedserver import FeedServer  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.domain import FeedSpec  # noqa: E402
from bot.ingest.fetch import create_client  # noqa: E402
from bot.ingest.pipeline import poll_feeds  # noqa: E402
from bot.storage.db import create_engine, create_sessions  # noqa: E402
from bot.storage.entries import count_entries  # noqa: E402
from bot.storage.feeds import sync_feeds  # noqa: E402
from bot.storage.migrate import upgrade_database  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve(feeds: int, items: int, pipe: Connection) -> None:
    """Child process: serve the feeds, report the port, then answer byte counts until told."""
    with FeedServer() as server:
        for n in range(feeds):
            server.feed(f"/feed/{n}.xml", items=items, title=f"Feed {n}", start=n * 1000)
        pipe.send(server.port)
        while pipe.recv() == "bytes":
            pipe.send(server.bytes_sent)


async def bench(args: argparse.Namespace, database_url: str, pipe: Connection) -> None:
    settings = load_settings(
        CLAIMWATCH_POLL_CONCURRENCY=args.concurrency,
        CLAIMWATCH_PER_HOST_LIMIT=args.concurrency,
        CLAIMWATCH_LOG_LEVEL="WARNING",
    )
    engine = create_engine(database_url)
    sessions = create_sessions(engine)
    now = datetime.now(UTC)
    port = pipe.recv()
    specs = [FeedSpec(url=f"http://127.0.0.1:{port}/feed/{n}.xml") for n in range(args.feeds)]
    async with sessions.begin() as session:
        await sync_feeds(session, specs, now=now)
    rows = []
    async with create_client(settings) as client:
        for label, offset in (("cold", 0), ("warm", 1)):
            pipe.send("bytes")
            sent_before = pipe.recv()
            started = time.perf_counter()
            report = await poll_feeds(
                sessions,
                client=client,
                settings=settings,
                now=now + timedelta(minutes=offset * 15),
                due_only=False,
            )
            seconds = time.perf_counter() - started
            pipe.send("bytes")
            sent = pipe.recv() - sent_before
            failed = sum(1 for r in report.results if r.error)
            rows.append((label, seconds, sent))
            print(
                f"{label}: {len(report.results)} feeds in {seconds:.2f}s "
                f"({len(report.results) / seconds:.0f} feeds/s), {failed} failed, "
                f"{len(report.new_entries)} new entries, {sent / 1024:.0f} KiB sent, "
                f"peak RSS {peak_mib():.0f} MiB"
            )
    async with sessions() as session:
        stored = await count_entries(session)
    await engine.dispose()
    cold, warm = rows
    print(f"stored entries: {stored}; warm bytes are {100 * warm[2] / cold[2]:.2f}% of cold")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        upgrade_database(url)
        ours, theirs = multiprocessing.Pipe()
        server = multiprocessing.Process(target=serve, args=(args.feeds, args.items, theirs))
        server.start()
        try:
            asyncio.run(bench(args, url, ours))
        finally:
            ours.send("stop")
            server.join(timeout=10)


if __name__ == "__main__":
    main()
