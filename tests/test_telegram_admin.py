"""Operator commands: refused to others, and working for operators against a local feed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import timedelta
from http.server import ThreadingHTTPServer

import pytest
from botapi import BotApiServer
from botharness import NOW, OPERATOR, TOKEN, RunningBot, running_bot
from feedserver import QuietHandler, serving

from bot.domain import FeedSpec, ParsedEntry
from bot.storage.entries import store_entries
from bot.storage.feeds import list_feeds, sync_feeds
from bot.storage.state import set_state

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Test &amp; News</title>
<link>http://example.org/</link><description>d</description>
<item><title>Trump to visit Beijing</title><link>http://example.org/1</link>
<guid>1</guid><description>x</description></item></channel></rss>"""


class FeedHandler(QuietHandler):
    def do_GET(self) -> None:
        self.reply(RSS if self.path == "/rss.xml" else b"<html>not a feed</html>")


@pytest.fixture
def feed_url() -> Iterator[str]:
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"


async def poll_now() -> str:
    return "polled 3 feeds: 2 ok, 1 failing, 5 new items"


@pytest.fixture
async def bot(botapi: BotApiServer, sqlite_url: str) -> AsyncIterator[RunningBot]:
    async with running_bot(botapi, sqlite_url, poll_now=poll_now) as running:
        yield running


@pytest.mark.parametrize(
    "command", ["/feeds", "/addfeed http://127.0.0.1:1/rss.xml", "/removefeed 1", "/status",
                "/pollnow"]
)  # fmt: skip
async def test_non_operators_are_refused_politely(bot: RunningBot, command: str) -> None:
    name = command.split(maxsplit=1)[0]
    [answer] = await bot.say(command, chat_id=42)
    assert answer.text == f"Sorry, {name} is for the bot's operators only."
    async with bot.sessions() as session:
        assert await list_feeds(session) == []


async def test_add_list_and_remove_a_feed(bot: RunningBot, feed_url: str) -> None:
    checking, added = await bot.say(
        f"/addfeed {feed_url}/rss.xml us-china", chat_id=OPERATOR, expect=2
    )
    assert checking.text == f"Checking {feed_url}/rss.xml…"
    assert added.text.startswith("Added feed #1: ")
    assert "Test &amp; News" in added.text
    async with bot.sessions() as session:
        [feed] = await list_feeds(session)
    assert feed.themes == ("us-china",) and feed.origin == "telegram"
    [feeds] = await bot.say("/feeds", chat_id=OPERATOR)
    assert "#1" in feeds.text and "Test &amp; News" in feeds.text
    _, again = await bot.say(f"/addfeed {feed_url}/rss.xml", chat_id=OPERATOR, expect=2)
    assert again.text.startswith("Not added: already tracked as feed #1")
    [removed] = await bot.say("/removefeed 1", chat_id=OPERATOR)
    assert removed.text.startswith("Stopped polling feed #1")
    [listed] = await bot.say("/feeds", chat_id=OPERATOR)
    assert "disabled" in listed.text
    [missing] = await bot.say("/removefeed 99", chat_id=OPERATOR)
    assert missing.text == "There is no feed “99”; /feeds lists them."


async def test_addfeed_refuses_what_is_not_a_feed(bot: RunningBot, feed_url: str) -> None:
    [bare] = await bot.say("/addfeed", chat_id=OPERATOR)
    assert bare.text.startswith("Use /addfeed URL [THEME …]")
    _, page = await bot.say(f"/addfeed {feed_url}/page.html", chat_id=OPERATOR, expect=2)
    assert page.text.startswith("Not added: ")
    [scheme] = await bot.say("/addfeed ftp://example.org/x", chat_id=OPERATOR)
    assert scheme.text.startswith("Not added: ")
    async with bot.sessions() as session:
        assert await list_feeds(session) == []


async def test_status_and_pollnow(bot: RunningBot) -> None:
    await bot.say("/start", chat_id=42)
    [status] = await bot.say("/status", chat_id=OPERATOR)
    assert "Feeds: 0 ok, 0 failing, 0 disabled" in status.text
    assert "Subscribed chats: 1" in status.text
    assert "Last tick: never" in status.text
    [started, summary] = await bot.say("/pollnow", chat_id=OPERATOR, expect=2)
    assert started.text == "Polling 0 feeds…"
    assert summary.text == "polled 3 feeds: 2 ok, 1 failing, 5 new items"


async def test_errors_are_logged_told_to_operators_without_the_token(
    botapi: BotApiServer, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> str:
        raise RuntimeError(f"could not reach https://api.example/bot{TOKEN}/getMe")

    async with running_bot(botapi, sqlite_url, poll_now=broken) as bot:
        await bot.say("/pollnow", chat_id=OPERATOR, expect=2)
        # The operator's own chat gets the apology and the error report.
        [_, sorry, report] = await botapi.wait_for_messages(3, OPERATOR)
    assert sorry.text.startswith("Sorry, something went wrong")
    assert report.text.startswith("⚠️ Error in chat 900:")
    assert "RuntimeError" in report.text and "&lt;token&gt;" in report.text
    assert TOKEN not in report.text
    assert TOKEN not in caplog.text and "RuntimeError" in caplog.text


async def test_status_shows_the_last_tick(bot: RunningBot) -> None:
    async with bot.sessions.begin() as session:
        await set_state(
            session, "last_tick", {"at": NOW.isoformat(), "summary": "2 feeds, 3 new"}, now=NOW
        )
    bot.clock.advance(timedelta(minutes=5))
    [status] = await bot.say("/status", chat_id=OPERATOR)
    assert "Last tick: 5 min ago — 2 feeds, 3 new" in status.text


async def test_status_counts_todays_entries_apart_from_all_stored(bot: RunningBot) -> None:
    # The handlers read bot.clock (NOW, midday); an item seen just after midnight UTC is today's.
    today = NOW.replace(hour=0, minute=0, second=1)
    item = ParsedEntry(
        identity="a", title="t", summary="s", link=None, guid="a", published_at=today
    )
    async with bot.sessions.begin() as session:
        await sync_feeds(session, [FeedSpec(url="https://news.example.org/rss")], now=NOW)
        [feed] = await list_feeds(session)
        await store_entries(session, feed.id, [item], now=today - timedelta(hours=1), backlog=True)
        later = replace(item, identity="b", guid="b")
        await store_entries(session, feed.id, [later], now=today, backlog=False)
    [status] = await bot.say("/status", chat_id=OPERATOR)
    assert "Entries: 1 new today (UTC), 2 stored" in status.text
    bot.clock.advance(timedelta(days=1))
    [tomorrow] = await bot.say("/status", chat_id=OPERATOR)
    assert "Entries: 0 new today (UTC), 2 stored" in tomorrow.text
