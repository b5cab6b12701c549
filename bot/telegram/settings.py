"""Per-chat settings: /mode, /schedule, /timezone, /quiet, /filter, /pause, /resume."""

from __future__ import annotations

import difflib
from zoneinfo import available_timezones

from telegram import Update
from telegram.ext import CommandHandler

from bot.deliver.render import escape, format_time
from bot.deliver.schedule import load_zone, next_digest_time, parse_quiet_hours, parse_schedule
from bot.domain import Subscriber
from bot.storage.subscribers import (
    add_filter,
    remove_filter,
    set_mode,
    set_paused,
    set_quiet_hours,
    set_schedule,
    set_timezone,
)
from bot.telegram.catalog import usage
from bot.telegram.chat import AnyHandler, Ctx, chat_key, reply
from bot.telegram.context import BotContext
from bot.telegram.membership import ensure_subscriber

MAX_FILTER = 100
MODES = {
    "instant": "instant alerts as developments happen, plus digests",
    "digest": "digests only",
}


def describe_subscriptions(subscriber: Subscriber) -> list[str]:
    follows = [
        "all claims" if s.kind == "all" else f"{s.kind} <code>{escape(s.target)}</code>"
        for s in subscriber.subscriptions
        if s.kind != "mute"
    ]
    muted = [
        f"<code>{escape(s.target)}</code>" for s in subscriber.subscriptions if s.kind == "mute"
    ]
    lines = [
        f"<b>Following:</b> {', '.join(follows) if follows else 'nothing yet (see /subscribe)'}"
    ]
    if muted:
        lines.append(f"<b>Muted claims:</b> {', '.join(muted)}")
    return lines


def describe_settings(subscriber: Subscriber) -> str:
    """Everything a chat has chosen, one line each, as /mysubs shows it."""
    quiet = f"{subscriber.quiet_start}–{subscriber.quiet_end}" if subscriber.quiet_start else "off"
    filters = ", ".join(f"“{escape(w)}”" for w in subscriber.filters) or "none"
    lines = [
        *describe_subscriptions(subscriber),
        f"<b>Mode:</b> {subscriber.mode} ({MODES[subscriber.mode]})",
        f"<b>Digest:</b> {escape(subscriber.schedule)}" + _next(subscriber),
        f"<b>Timezone:</b> {escape(subscriber.timezone)}",
        f"<b>Quiet hours:</b> {quiet}",
        f"<b>Filtered words:</b> {filters}",
    ]
    if subscriber.paused:
        lines.append("<b>Paused</b> — nothing is sent until /resume.")
    return "\n".join(lines)


def _next(subscriber: Subscriber) -> str:
    if subscriber.next_digest_at is None or subscriber.schedule == "off":
        return ""
    return f" (next: {format_time(subscriber.next_digest_at, subscriber.timezone)})"


def suggest_timezones(text: str) -> list[str]:
    names = {name.lower(): name for name in available_timezones()}
    close = difflib.get_close_matches(text.lower(), names, n=3, cutoff=0.6)
    return [names[c] for c in close]


def resolve_timezone(text: str) -> str:
    """The IANA name for `text` (case-insensitive); ValueError with one sentence otherwise."""
    names = {name.lower(): name for name in available_timezones()}
    if text.lower() in names:
        return names[text.lower()]
    try:
        load_zone(text)
    except ValueError as err:
        close = suggest_timezones(text)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"{err}{hint}") from None
    return text


def settings_handlers(ctx: BotContext) -> list[AnyHandler]:
    async def subscriber_for(update: Update) -> Subscriber:
        return await ensure_subscriber(ctx, chat_key(update))

    async def mode(update: Update, context: Ctx) -> None:
        choice = " ".join(context.args or []).strip().lower()
        if choice not in MODES:
            await reply(
                update, "Use /mode instant (alerts plus digests) or /mode digest (digests only)."
            )
            return
        sub = await subscriber_for(update)
        async with ctx.sessions.begin() as session:
            await set_mode(session, sub.id, choice, now=ctx.clock())
        await reply(update, f"Mode: {choice} — {MODES[choice]}.")

    async def schedule(update: Update, context: Ctx) -> None:
        text = " ".join(context.args or [])
        sub = await subscriber_for(update)
        if not text:
            await reply(
                update,
                f"Digest: {escape(sub.schedule)}{_next(sub)}. "
                f"Change it with {escape(usage('schedule'))}.",
            )
            return
        try:
            canonical = parse_schedule(text)
        except ValueError as err:
            await reply(update, escape(str(err)))
            return
        now = ctx.clock()
        upcoming = next_digest_time(canonical, sub.timezone, after=now)
        async with ctx.sessions.begin() as session:
            sub = await set_schedule(session, sub.id, canonical, next_digest_at=upcoming, now=now)
        if canonical == "off":
            await reply(update, "Digests are off. Instant alerts still come in /mode instant.")
        else:
            await reply(update, f"Digest: {escape(canonical)}{_next(sub)}.")

    async def timezone(update: Update, context: Ctx) -> None:
        text = " ".join(context.args or []).strip()
        sub = await subscriber_for(update)
        if not text:
            await reply(
                update,
                f"Timezone: {escape(sub.timezone)}. Change it with /timezone Area/City, "
                "for example /timezone Europe/Berlin.",
            )
            return
        try:
            name = resolve_timezone(text)
        except ValueError as err:
            await reply(update, escape(str(err)))
            return
        now = ctx.clock()
        upcoming = next_digest_time(sub.schedule, name, after=now)
        async with ctx.sessions.begin() as session:
            sub = await set_timezone(session, sub.id, name, next_digest_at=upcoming, now=now)
        digest = f" Digest: {escape(sub.schedule)}{_next(sub)}." if sub.schedule != "off" else ""
        await reply(update, f"Timezone: {escape(name)}.{digest}")

    async def quiet(update: Update, context: Ctx) -> None:
        text = "".join(context.args or [])
        if not text:
            await reply(update, f"Use {escape(usage('quiet'))}, for example /quiet 22:00-07:00.")
            return
        try:
            window = parse_quiet_hours(text)
        except ValueError as err:
            await reply(update, escape(str(err)))
            return
        sub = await subscriber_for(update)
        async with ctx.sessions.begin() as session:
            await set_quiet_hours(session, sub.id, window, now=ctx.clock())
        if window is None:
            await reply(update, "Quiet hours are off.")
        else:
            await reply(
                update,
                f"Quiet hours: {window[0]}–{window[1]} ({escape(sub.timezone)}); "
                "alerts wait until they end.",
            )

    async def filter_words(update: Update, context: Ctx) -> None:
        args = context.args or []
        action = args[0].lower() if args else ""
        word = " ".join(args[1:]).strip()
        sub = await subscriber_for(update)
        if action == "list" or (not action and not word):
            listed = ", ".join(f"“{escape(w)}”" for w in sub.filters)
            await reply(
                update,
                f"Filtered words: {listed}."
                if listed
                else "No filters. Add one with /filter add WORD.",
            )
            return
        if action not in ("add", "remove") or not word:
            await reply(update, f"Use {escape(usage('filter'))}, for example /filter add sports.")
            return
        if len(word) > MAX_FILTER:
            await reply(update, f"A filter can be at most {MAX_FILTER} characters long.")
            return
        async with ctx.sessions.begin() as session:
            if action == "add":
                changed = await add_filter(session, sub.id, word, now=ctx.clock())
                text = (
                    f"Developments mentioning “{escape(word)}” will not be sent here."
                    if changed
                    else f"“{escape(word)}” was already filtered."
                )
            else:
                changed = await remove_filter(session, sub.id, word)
                text = (
                    f"Removed the filter “{escape(word)}”."
                    if changed
                    else f"There was no filter “{escape(word)}”; /filter list shows them."
                )
        await reply(update, text)

    async def pause(update: Update, context: Ctx) -> None:
        sub = await subscriber_for(update)
        async with ctx.sessions.begin() as session:
            await set_paused(session, sub.id, True, now=ctx.clock())
        await reply(update, "Paused: nothing is sent here until /resume.")

    async def resume(update: Update, context: Ctx) -> None:
        sub = await subscriber_for(update)
        async with ctx.sessions.begin() as session:
            await set_paused(session, sub.id, False, now=ctx.clock())
        await reply(update, "Resumed: alerts and digests are on again.")

    return [
        CommandHandler("mode", mode),
        CommandHandler("schedule", schedule),
        CommandHandler("timezone", timezone),
        CommandHandler("quiet", quiet),
        CommandHandler("filter", filter_words),
        CommandHandler("pause", pause),
        CommandHandler("resume", resume),
    ]
