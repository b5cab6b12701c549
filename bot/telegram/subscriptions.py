"""/themes, /subscribe, /unsubscribe and /mysubs: what a chat follows."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import Update

from bot.deliver.render import escape
from bot.domain import Subscription
from bot.storage.claims import get_claim, list_claims, list_themes
from bot.storage.subscriptions import (
    LimitError,
    add_subscription,
    clear_subscriptions,
    remove_subscription,
)
from bot.telegram.arguments import plain_name, shown
from bot.telegram.chat import Callbacks, ChatKey, Ctx, chat_key, reply
from bot.telegram.context import BotContext
from bot.telegram.keyboards import themes_keyboard, unsubscribe_keyboard
from bot.telegram.membership import ensure_subscriber
from bot.telegram.settings import describe_settings

NAMED_UNKNOWN = 3  # unknown names quoted in one answer; the rest are counted
CHANGES_SHOWN = 10  # lines of "Subscribed to …" in one answer; the rest are counted


@dataclass(frozen=True, slots=True)
class Resolved:
    """What the words of /subscribe name, and the words that name nothing (with suggestions)."""

    found: tuple[Subscription, ...]
    unknown: tuple[tuple[str, tuple[str, ...]], ...]


def resolve_targets(
    words: Iterable[str], themes: Iterable[str], claim_ids: Iterable[str]
) -> Resolved:
    """Map "all", theme names and claim ids (any case) to subscriptions.

    Only the first NAMED_UNKNOWN unknown words get suggestions (the others are listed without),
    so a long message of nonsense costs no more than a short one.
    """
    by_theme = {t.lower(): t for t in themes}
    by_claim = {c.lower(): c for c in claim_ids}
    candidates = {"all": "all", **by_theme, **by_claim}
    found: list[Subscription] = []
    unknown: list[tuple[str, tuple[str, ...]]] = []
    for raw in words:
        word = raw.strip().strip(",").lower()
        if not word:
            continue
        if word == "all":
            sub = Subscription("all")
        elif word in by_theme:
            sub = Subscription("theme", by_theme[word])
        elif word in by_claim:
            sub = Subscription("claim", by_claim[word])
        else:
            close = (
                difflib.get_close_matches(word, candidates, n=3, cutoff=0.5)
                if len(unknown) < NAMED_UNKNOWN and plain_name(word)
                else []
            )
            unknown.append((raw, tuple(candidates[c] for c in close)))
            continue
        if sub not in found:
            found.append(sub)
    return Resolved(tuple(found), tuple(unknown))


def describe_target(sub: Subscription) -> str:
    if sub.kind == "all":
        return "all claims"
    return f"{'theme' if sub.kind == 'theme' else 'claim'} <code>{escape(sub.target)}</code>"


def describe_unknown(unknown: Sequence[tuple[str, tuple[str, ...]]]) -> list[str]:
    """A line for each of the first NAMED_UNKNOWN unknown words, and one counting the rest."""
    lines = []
    for word, close in unknown[:NAMED_UNKNOWN]:
        hint = (
            "did you mean " + " or ".join(f"<code>{escape(c)}</code>" for c in close) + "?"
            if close
            else "see /themes and /claims for the names."
        )
        lines.append(f"I don't know “{escape(shown(word))}”; {hint}")
    if len(unknown) > NAMED_UNKNOWN:
        lines.append(f"…and {len(unknown) - NAMED_UNKNOWN} more names I don't know.")
    return lines


def summarize_changes(lines: Sequence[str]) -> list[str]:
    """The first CHANGES_SHOWN lines, then one counting the rest, so an answer is one message."""
    if len(lines) <= CHANGES_SHOWN:
        return list(lines)
    rest = len(lines) - CHANGES_SHOWN
    return [
        *lines[:CHANGES_SHOWN],
        f"…and {rest} more changes; /mysubs shows what this chat follows.",
    ]


def missing_target(sub: Subscription) -> str:
    what = "theme" if sub.kind == "theme" else "claim"
    return f"There is no {what} “{escape(shown(sub.target))}”; /{what}s lists them."


async def target_exists(ctx: BotContext, sub: Subscription) -> bool:
    """Whether a theme or claim to follow or mute is real: only those become rows."""
    if sub.kind == "all":
        return sub.target == ""
    if not plain_name(sub.target):
        return False
    async with ctx.sessions() as session:
        if sub.kind == "theme":
            return sub.target in await list_themes(session)
        return await get_claim(session, sub.target) is not None


async def change_subscription(
    ctx: BotContext, key: ChatKey, sub: Subscription, *, add: bool
) -> str:
    """Follow or stop following one thing; returns the sentence to show (HTML).

    A theme or claim that does not exist is refused (buttons are input too), and so is one more
    subscription than the chat may keep.
    """
    known = await target_exists(ctx, sub) if add else sub.kind == "all" or plain_name(sub.target)
    if not known:
        return missing_target(sub)
    subscriber = await ensure_subscriber(ctx, key)
    async with ctx.sessions.begin() as session:
        if add:
            try:
                changed = await add_subscription(
                    session, subscriber.id, sub.kind, sub.target, now=ctx.clock()
                )
            except LimitError as err:
                return f"{escape(str(err))} /unsubscribe from some first."
            if sub.kind == "claim":  # following a claim again lifts its mute
                await remove_subscription(session, subscriber.id, "mute", sub.target)
        elif sub.kind == "all":
            changed = await clear_subscriptions(session, subscriber.id) > 0
        else:
            changed = await remove_subscription(session, subscriber.id, sub.kind, sub.target)
    what = describe_target(sub)
    if add:
        return f"Subscribed to {what}." if changed else f"Already subscribed to {what}."
    if sub.kind == "all":
        return "Unsubscribed from everything." if changed else "This chat follows nothing."
    return f"Unsubscribed from {what}." if changed else f"This chat was not subscribed to {what}."


async def mute_claim(ctx: BotContext, key: ChatKey, claim_id: str) -> str:
    """Mute one claim in this chat (the alert's button); returns the sentence to show (HTML)."""
    sub = Subscription("mute", claim_id)
    if not await target_exists(ctx, sub):
        return missing_target(sub)
    subscriber = await ensure_subscriber(ctx, key)
    try:
        async with ctx.sessions.begin() as session:
            await add_subscription(session, subscriber.id, "mute", claim_id, now=ctx.clock())
    except LimitError as err:
        return f"{escape(str(err))} /unsubscribe from some first."
    return f"Muted {escape(claim_id)}: no more alerts or digest items about it here."


def subscription_commands(ctx: BotContext) -> Callbacks:
    async def themes(update: Update, context: Ctx) -> None:
        key = chat_key(update)
        async with ctx.sessions() as session:
            counts = await list_themes(session)
        if not counts:
            await reply(update, "No claims are tracked yet.")
            return
        subscriber = await ensure_subscriber(ctx, key)
        lines = ["<b>Themes</b> (claims in each):"]
        lines += [f"• <code>{escape(t)}</code> — {n}" for t, n in counts.items()]
        await reply(update, "\n".join(lines), themes_keyboard(counts, subscriber))

    async def subscribe(update: Update, context: Ctx, *, add: bool) -> None:
        key = chat_key(update)
        subscriber = await ensure_subscriber(ctx, key)
        args = context.args or []
        if not args:
            if add:
                async with ctx.sessions() as session:
                    counts = await list_themes(session)
                await reply(
                    update,
                    "What should this chat follow? (or /subscribe all | THEME | CLAIM-ID)",
                    themes_keyboard(counts, subscriber),
                )
            elif not [s for s in subscriber.subscriptions if s.kind != "mute"]:
                await reply(update, "This chat follows nothing; /subscribe to start.")
            else:
                await reply(
                    update,
                    "Tap what to stop following (or /unsubscribe all):",
                    unsubscribe_keyboard(subscriber),
                )
            return
        async with ctx.sessions() as session:
            names = await list_themes(session)
            claims = await list_claims(session)
        resolved = resolve_targets(args, names, [c.id for c in claims])
        lines = [await change_subscription(ctx, key, sub, add=add) for sub in resolved.found]
        lines = summarize_changes(lines) + describe_unknown(resolved.unknown)
        await reply(update, "\n".join(lines))

    async def subscribe_command(update: Update, context: Ctx) -> None:
        await subscribe(update, context, add=True)

    async def unsubscribe_command(update: Update, context: Ctx) -> None:
        await subscribe(update, context, add=False)

    async def mysubs(update: Update, context: Ctx) -> None:
        subscriber = await ensure_subscriber(ctx, chat_key(update))
        await reply(update, describe_settings(subscriber))

    return {
        "themes": themes,
        "subscribe": subscribe_command,
        "unsubscribe": unsubscribe_command,
        "mysubs": mysubs,
    }
