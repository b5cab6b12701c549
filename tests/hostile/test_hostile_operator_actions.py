"""Long operator actions answer at once and report when done, without holding up their chat.

/addfeed fetches the URL once (up to the fetch timeout) and /pollnow polls every feed; both used
to hold the chat's queue until done. Here the feed and the poll are held by the test until it
releases them, and the operator's /status must be answered in the meantime. Nothing is timed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
from botapi import BotApiServer
from botharness import OPERATOR, RunningBot, running_bot
from feedserver import QuietHandler, serving
from timing import scaled

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Held News</title>
<link>http://example.org/</link><description>d</description>
<item><title>Trump to visit Beijing</title><link>http://example.org/1</link>
<guid>1</guid></item></channel></rss>"""


class HeldFeed(ThreadingHTTPServer):
    """Serves RSS, but only once `release` is set."""

    release: threading.Event


class HeldHandler(QuietHandler):
    server: HeldFeed

    def do_GET(self) -> None:
        self.server.release.wait(timeout=scaled(20))
        self.reply(RSS)


@pytest.fixture
def held_feed() -> Iterator[HeldFeed]:
    server = HeldFeed(("127.0.0.1", 0), HeldHandler)
    server.release = threading.Event()
    with serving(server):
        yield server
        server.release.set()


async def status_is_answered(bot: RunningBot) -> None:
    [status] = await bot.say("/status", chat_id=OPERATOR)
    assert status.text.startswith("<b>Status</b>")


async def test_addfeed_answers_at_once_and_reports_when_the_fetch_is_done(
    bot: RunningBot, held_feed: HeldFeed
) -> None:
    url = f"http://127.0.0.1:{held_feed.server_address[1]}/rss.xml"
    [checking] = await bot.say(f"/addfeed {url}", chat_id=OPERATOR)
    assert checking.text == f"Checking {url}…"
    await status_is_answered(bot)  # while the fetch is still held
    held_feed.release.set()
    [*_, added] = await bot.server.wait_for_messages(3, OPERATOR)
    assert added.text.startswith("Added feed #1: ") and "Held News" in added.text


async def test_pollnow_answers_at_once_and_reports_when_the_poll_is_done(
    botapi: BotApiServer, sqlite_url: str
) -> None:
    release = asyncio.Event()

    async def poll_now() -> str:
        await release.wait()
        return "polled 0 feeds: 0 new items"

    async with running_bot(botapi, sqlite_url, poll_now=poll_now) as bot:
        try:
            [polling] = await bot.say("/pollnow", chat_id=OPERATOR)
            await status_is_answered(bot)  # while the poll is still running
        finally:
            release.set()  # else stopping the bot would wait for the poll for ever
        [*_, summary] = await botapi.wait_for_messages(3, OPERATOR)
    assert polling.text == "Polling 0 feeds…"
    assert summary.text == "polled 0 feeds: 0 new items"
