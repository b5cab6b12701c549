"""Operator commands: /feeds, /addfeed, /removefeed, /status, /pollnow.

dispatch.py runs these for operators only (catalog access "operator"); they only do the work.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

from telegram import Update

from bot.deliver.render import escape, link
from bot.domain import Feed, FeedSpec
from bot.errors import FeedError
from bot.feeds_file import check_feed_url
from bot.ingest.pipeline import add_feed_checked
from bot.storage.entries import count_entries
from bot.storage.feeds import feed_health_counts, list_feeds, remove_feed
from bot.storage.outbox import delivery_counts
from bot.storage.state import get_state
from bot.storage.subscribers import count_subscribers
from bot.storage.subscriptions import is_plain
from bot.telegram.arguments import MAX_NAME, ArgumentError, plain_name, shown
from bot.telegram.catalog import usage
from bot.telegram.chat import Callbacks, Ctx, reply
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)
MAX_URL = 2048
MAX_FEED_ID = 2**31 - 1  # PostgreSQL's integer; a larger number names no feed
MAX_FEED_THEMES = 10


def ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{max(seconds, 0)} s ago"


def feed_line(feed: Feed, now: datetime) -> str:
    head = f"#{feed.id} {link(feed.url, feed.title)}"
    if not feed.enabled:
        return f"⏸ {head} — disabled ({escape(feed.disabled_reason or 'no reason recorded')})"
    if feed.error_count:
        error = escape((feed.last_error or "unknown error")[:200])
        last_ok = ago(feed.last_success_at, now)
        return f"⚠️ {head} — failing ×{feed.error_count}: {error}; last ok {last_ok}"
    note = f"; {escape(feed.last_error[:200])}" if feed.last_error else ""  # e.g. entries capped
    return f"✅ {head} — ok, checked {ago(feed.last_checked_at, now)}{note}"


def read_feed_ref(text: str) -> str:
    """`12`, `#12` or a feed's URL, in the form storage looks it up; ArgumentError if it names
    no feed. Storage reads an all-digit key as a number, so only ASCII digits in range get there
    (int() took "²" and "٣", and 20 digits overflowed the database's integer)."""
    key = text
    while (cleaner := key.strip().lstrip("#")) != key:  # as storage will, until it changes nothing
        key = cleaner
    missing = ArgumentError(f"There is no feed “{shown(text.strip())}”; /feeds lists them.")
    if key.isascii() and key.isdigit():
        if len(key) > len(str(MAX_FEED_ID)) or int(key) > MAX_FEED_ID:
            raise missing
        return str(int(key))
    if not key or key.isdigit() or len(key) > MAX_URL or not is_plain(key):
        raise missing
    return key


def feed_url(text: str) -> str | None:
    """`text` as a feed URL storage and the fetcher may see, or None."""
    if len(text) > MAX_URL or not is_plain(text):
        return None
    try:
        return check_feed_url(text)
    except ValueError:
        return None


def read_new_feed(args: Sequence[str]) -> FeedSpec:
    """/addfeed's URL and themes; ArgumentError (one sentence) when they cannot be a feed."""
    if not args:
        raise ArgumentError(
            f"Use {usage('addfeed')}, for example /addfeed https://example.org/rss.xml us-china."
        )
    text, *themes = args
    url = feed_url(text)
    if url is None:
        raise ArgumentError(
            f"Not added: “{shown(text)}” is not an http:// or https:// address with a host."
        )
    if len(themes) > MAX_FEED_THEMES or not all(plain_name(t) for t in themes):
        raise ArgumentError(
            f"Not added: a feed takes at most {MAX_FEED_THEMES} themes, "
            f"each one word of at most {MAX_NAME} characters."
        )
    return FeedSpec(url=url, themes=tuple(dict.fromkeys(themes)))


def in_background(context: Ctx, update: Update, work: Coroutine[Any, Any, None]) -> None:
    """Run a long operator action as a task of its own, so this chat's next update need not wait.

    An exception it raises goes to the error handler with this update, which logs it, answers
    the chat in one line and tells the operators, as for any handler.
    """
    context.application.create_task(work, update=update, name="operator action")


def admin_commands(ctx: BotContext) -> Callbacks:
    async def feeds(update: Update, context: Ctx) -> None:
        async with ctx.sessions() as session:
            every = await list_feeds(session)
        if not every:
            await reply(update, f"No feeds yet; add one with {escape(usage('addfeed'))}.")
            return
        now = ctx.clock()
        text = "<b>Feeds</b>\n" + "\n".join(feed_line(f, now) for f in every)
        await reply(update, text)

    async def addfeed(update: Update, context: Ctx) -> None:
        try:
            spec = read_new_feed(context.args or [])
        except ArgumentError as err:
            await reply(update, escape(str(err)))
            return
        # The trial fetch may take up to the fetch timeout: answer now, report when done.
        await reply(update, f"Checking {escape(shown(spec.url, 80))}…")
        in_background(context, update, add_and_report(update, spec))

    async def add_and_report(update: Update, spec: FeedSpec) -> None:
        try:
            feed = await add_feed_checked(
                ctx.sessions,
                client=ctx.client,
                settings=ctx.settings,
                spec=spec,
                origin="telegram",
                now=ctx.clock(),
            )
        except FeedError as err:
            await reply(update, f"Not added: {escape(str(err))}")
            return
        log.info("feed added from Telegram", extra={"feed_url": feed.url})
        await reply(
            update,
            f"Added feed #{feed.id}: {link(feed.url, feed.title)}. It is polled from now on.",
        )

    async def removefeed(update: Update, context: Ctx) -> None:
        wanted = " ".join(context.args or []).strip()
        if not wanted:
            await reply(update, f"Use {escape(usage('removefeed'))}; /feeds shows the numbers.")
            return
        try:
            key = read_feed_ref(wanted)
        except ArgumentError as err:
            await reply(update, escape(str(err)))
            return
        async with ctx.sessions.begin() as session:
            feed = await remove_feed(session, key, now=ctx.clock())
        if feed is None:
            await reply(update, f"There is no feed “{escape(shown(wanted))}”; /feeds lists them.")
            return
        await reply(
            update, f"Stopped polling feed #{feed.id} ({escape(feed.title)}); its items stay."
        )

    async def status(update: Update, context: Ctx) -> None:
        now = ctx.clock()
        async with ctx.sessions() as session:
            health = await feed_health_counts(session)
            entries = await count_entries(session)
            midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            today = await count_entries(session, since=midnight)
            subscribers = await count_subscribers(session)
            queue = await delivery_counts(session)
            tick = await get_state(session, "last_tick")
        tick_at = None
        if tick and isinstance(tick.get("at"), str):
            tick_at = datetime.fromisoformat(tick["at"])
        lines = [
            "<b>Status</b>",
            f"Feeds: {health.ok} ok, {health.failing} failing, {health.disabled} disabled",
            f"Entries: {today} new today (UTC), {entries} stored",
            f"Subscribed chats: {subscribers}",
            "Queue: " + ", ".join(f"{n} {state}" for state, n in sorted(queue.items()))
            if queue
            else "Queue: empty",
            f"Last tick: {ago(tick_at, now) if tick else 'never'}"
            + (f" — {escape(str(tick['summary']))}" if tick and tick.get("summary") else ""),
        ]
        await reply(update, "\n".join(lines))

    async def pollnow(update: Update, context: Ctx) -> None:
        if ctx.poll_now is None:
            await reply(update, "This process does not poll feeds, so there is nothing to run now.")
            return
        async with ctx.sessions() as session:
            health = await feed_health_counts(session)
        count = health.ok + health.failing  # every enabled feed, due or not
        await reply(update, f"Polling {count} feed{'' if count == 1 else 's'}…")
        in_background(context, update, poll_and_report(update))

    async def poll_and_report(update: Update) -> None:
        assert ctx.poll_now is not None  # checked before the task was started
        await reply(update, escape(await ctx.poll_now()))

    return {
        "feeds": feeds,
        "addfeed": addfeed,
        "removefeed": removefeed,
        "status": status,
        "pollnow": pollnow,
    }
