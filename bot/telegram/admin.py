"""Operator commands: /feeds, /addfeed, /removefeed, /status, /pollnow.

The gatekeeper has already refused non-operators; these handlers only do the work.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import CommandHandler

from bot.deliver.render import escape, link
from bot.domain import Feed, FeedSpec
from bot.errors import FeedError
from bot.ingest.pipeline import add_feed_checked
from bot.storage.deliveries import delivery_counts
from bot.storage.entries import count_entries
from bot.storage.feeds import feed_health_counts, list_feeds, remove_feed
from bot.storage.state import get_state
from bot.storage.subscribers import count_subscribers
from bot.telegram.catalog import usage
from bot.telegram.chat import AnyHandler, Ctx, reply
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)


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
    return f"✅ {head} — ok, checked {ago(feed.last_checked_at, now)}"


def admin_handlers(ctx: BotContext) -> list[AnyHandler]:
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
        args = context.args or []
        if not args:
            await reply(
                update,
                f"Use {escape(usage('addfeed'))}, "
                "for example /addfeed https://example.org/rss.xml us-china.",
            )
            return
        spec = FeedSpec(url=args[0], themes=tuple(args[1:]))
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
        async with ctx.sessions.begin() as session:
            feed = await remove_feed(session, wanted, now=ctx.clock())
        if feed is None:
            await reply(update, f"There is no feed “{escape(wanted)}”; /feeds lists them.")
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
        await reply(update, "Polling the feeds now…")
        summary = await ctx.poll_now()
        await reply(update, escape(summary))

    return [
        CommandHandler("feeds", feeds),
        CommandHandler("addfeed", addfeed),
        CommandHandler("removefeed", removefeed),
        CommandHandler("status", status),
        CommandHandler("pollnow", pollnow),
    ]
