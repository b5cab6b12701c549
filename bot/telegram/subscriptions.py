"""/themes, /subscribe, /unsubscribe and /mysubs: what a chat follows."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import Update
from telegram.ext import CommandHandler

from bot.deliver.render import escape
from bot.domain import Subscription
from bot.storage.claims import list_claims, list_themes
from bot.storage.subscribers import add_subscription, clear_subscriptions, remove_subscription
from bot.telegram.chat import AnyHandler, ChatKey, Ctx, chat_key, reply
from bot.telegram.context import BotContext
from bot.telegram.keyboards import themes_keyboard, unsubscribe_keyboard
from bot.telegram.membership import ensure_subscriber
from bot.telegram.settings import describe_settings


@dataclass(frozen=True, slots=True)
class Resolved:
    """What the words of /subscribe name, and the words that name nothing (with suggestions)."""

    found: tuple[Subscription, ...]
    unknown: tuple[tuple[str, tuple[str, ...]], ...]


def resolve_targets(
    words: Iterable[str], themes: Iterable[str], claim_ids: Iterable[str]
) -> Resolved:
    """Map "all", theme names and claim ids (any case) to subscriptions."""
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
            close = difflib.get_close_matches(word, candidates, n=3, cutoff=0.5)
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
    lines = []
    for word, close in unknown:
        hint = (
            "did you mean " + " or ".join(f"<code>{escape(c)}</code>" for c in close) + "?"
            if close
            else "see /themes and /claims for the names."
        )
        lines.append(f"I don't know “{escape(word)}”; {hint}")
    return lines


async def change_subscription(
    ctx: BotContext, key: ChatKey, sub: Subscription, *, add: bool
) -> str:
    """Follow or stop following one thing; returns the sentence to show."""
    subscriber = await ensure_subscriber(ctx, key)
    async with ctx.sessions.begin() as session:
        if add:
            changed = await add_subscription(
                session, subscriber.id, sub.kind, sub.target, now=ctx.clock()
            )
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


def subscription_handlers(ctx: BotContext) -> list[AnyHandler]:
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
        await reply(update, "\n".join(lines + describe_unknown(resolved.unknown)))

    async def subscribe_command(update: Update, context: Ctx) -> None:
        await subscribe(update, context, add=True)

    async def unsubscribe_command(update: Update, context: Ctx) -> None:
        await subscribe(update, context, add=False)

    async def mysubs(update: Update, context: Ctx) -> None:
        subscriber = await ensure_subscriber(ctx, chat_key(update))
        await reply(update, describe_settings(subscriber))

    return [
        CommandHandler("themes", themes),
        CommandHandler("subscribe", subscribe_command),
        CommandHandler("unsubscribe", unsubscribe_command),
        CommandHandler("mysubs", mysubs),
    ]
