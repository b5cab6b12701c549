"""Per-chat settings: /mode, /schedule, /timezone, /quiet, /filter, /pause, /resume."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import cache
from zoneinfo import available_timezones

from telegram import Update

from bot.deliver.render import escape, format_time
from bot.deliver.schedule import (
    SCHEDULE_HELP,
    next_digest_time,
    parse_quiet_hours,
    parse_schedule,
)
from bot.domain import Subscriber
from bot.storage.subscribers import (
    set_mode,
    set_paused,
    set_quiet_hours,
    set_schedule,
    set_timezone,
)
from bot.storage.subscriptions import LimitError, add_filter, check_filter, is_plain, remove_filter
from bot.telegram.arguments import ArgumentError, shown
from bot.telegram.catalog import usage
from bot.telegram.chat import Callbacks, Ctx, chat_key, reply
from bot.telegram.context import BotContext
from bot.telegram.membership import ensure_subscriber

MAX_SETTING = 64  # a schedule, quiet-hours window or timezone is far shorter than this
LISTED = 10  # subscriptions, mutes or filters named in one answer; the rest are counted
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-/]{1,64}")
MODES = {
    "instant": "instant alerts as developments happen, plus digests",
    "digest": "digests only",
}


def listing(items: Sequence[str], limit: int = LISTED) -> str:
    """The first `limit` items joined, then how many more, so the answer stays one message."""
    text = ", ".join(items[:limit])
    return f"{text} and {len(items) - limit} more" if len(items) > limit else text


def describe_subscriptions(subscriber: Subscriber) -> list[str]:
    follows = [
        "all claims" if s.kind == "all" else f"{s.kind} <code>{escape(s.target)}</code>"
        for s in subscriber.subscriptions
        if s.kind != "mute"
    ]
    muted = [
        f"<code>{escape(s.target)}</code>" for s in subscriber.subscriptions if s.kind == "mute"
    ]
    lines = [f"<b>Following:</b> {listing(follows) if follows else 'nothing yet (see /subscribe)'}"]
    if muted:
        lines.append(f"<b>Muted claims:</b> {listing(muted)}")
    return lines


def describe_settings(subscriber: Subscriber) -> str:
    """Everything a chat has chosen, one line each, as /mysubs shows it."""
    quiet = f"{subscriber.quiet_start}–{subscriber.quiet_end}" if subscriber.quiet_start else "off"
    filters = listing([f"“{escape(w)}”" for w in subscriber.filters]) or "none"
    if len(subscriber.filters) > LISTED:
        filters += " (/filter list shows them all)"
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


@cache
def zone_names() -> dict[str, str]:
    """Lower-cased IANA name -> name, for every zone of the installed tz database."""
    return {name.lower(): name for name in available_timezones()}


def suggest_timezones(text: str) -> list[str]:
    names = zone_names()
    close = difflib.get_close_matches(text.lower(), names, n=3, cutoff=0.6)
    return [names[c] for c in close]


def resolve_timezone(text: str) -> str:
    """The IANA name for `text` (any case); ArgumentError with one sentence otherwise.

    Only names of the tz database are accepted, so the user's text never becomes a file path
    (zoneinfo raised OSError and RecursionError on long or odd keys).
    """
    text = text.strip()
    names = zone_names()
    if text.lower() in names:
        return names[text.lower()]
    close = suggest_timezones(text) if _ZONE_NAME.fullmatch(text) else []
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ArgumentError(
        f'"{shown(text)}" is not a known timezone; use an IANA name such as Europe/Berlin.{hint}'
    )


def read_mode(text: str) -> str:
    choice = text.strip().lower()
    if choice not in MODES:
        raise ArgumentError(
            "Use /mode instant (alerts plus digests) or /mode digest (digests only)."
        )
    return choice


def read_schedule(text: str) -> str:
    """The canonical digest schedule `text` names; ArgumentError with one sentence otherwise."""
    if len(text) > MAX_SETTING or not is_plain(text):
        raise ArgumentError(f'"{shown(text)}" is not a digest schedule; {SCHEDULE_HELP}.')
    try:
        return parse_schedule(text)
    except ValueError as err:
        raise ArgumentError(str(err)) from None


def read_quiet_hours(text: str) -> tuple[str, str] | None:
    """A quiet-hours window, None for "off"; ArgumentError with one sentence otherwise."""
    if len(text) > MAX_SETTING or not is_plain(text):
        raise ArgumentError(
            f'"{shown(text)}" is not a quiet-hours window; use HH:MM-HH:MM, '
            'for example 22:00-07:00, or "off".'
        )
    try:
        return parse_quiet_hours(text)
    except ValueError as err:
        raise ArgumentError(str(err)) from None


def read_filter(args: Sequence[str]) -> tuple[str, str]:
    """("list", "") or ("add" | "remove", WORD) from /filter's words; ArgumentError otherwise."""
    action = args[0].lower() if args else ""
    word = " ".join(args[1:]).strip()
    if action == "list" or (not action and not word):
        return "list", ""
    if action not in ("add", "remove") or not word:
        raise ArgumentError(f"Use {usage('filter')}, for example /filter add sports.")
    try:
        check_filter(word)
    except LimitError as err:
        raise ArgumentError(str(err)) from None
    return action, word


def settings_commands(ctx: BotContext) -> Callbacks:
    async def subscriber_for(update: Update) -> Subscriber:
        return await ensure_subscriber(ctx, chat_key(update))

    async def mode(update: Update, context: Ctx) -> None:
        try:
            choice = read_mode(" ".join(context.args or []))
        except ArgumentError as err:
            await reply(update, escape(str(err)))
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
            canonical = read_schedule(text)
        except ArgumentError as err:
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
        except ArgumentError as err:
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
            window = read_quiet_hours(text)
        except ArgumentError as err:
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
        try:
            action, word = read_filter(context.args or [])
        except ArgumentError as err:
            await reply(update, escape(str(err)))
            return
        sub = await subscriber_for(update)
        if action == "list":
            listed = ", ".join(f"“{escape(w)}”" for w in sub.filters)
            await reply(
                update,
                f"Filtered words: {listed}."
                if listed
                else "No filters. Add one with /filter add WORD.",
            )
            return
        if action == "add":
            try:
                async with ctx.sessions.begin() as session:
                    changed = await add_filter(session, sub.id, word, now=ctx.clock())
            except LimitError as err:  # the chat keeps MAX_FILTERS already
                await reply(
                    update, f"{escape(str(err))} Remove one with /filter remove WORD first."
                )
                return
            text = (
                f"Developments mentioning “{escape(word)}” will not be sent here."
                if changed
                else f"“{escape(word)}” was already filtered."
            )
        else:
            async with ctx.sessions.begin() as session:
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

    return {
        "mode": mode,
        "schedule": schedule,
        "timezone": timezone,
        "quiet": quiet,
        "filter": filter_words,
        "pause": pause,
        "resume": resume,
    }
