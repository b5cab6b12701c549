"""Inline buttons: one handler that reads the callback data's prefix and calls the same actions
the commands use (see keyboards.py for the data forms)."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot.deliver.render import html_to_plain
from bot.domain import Subscription, SubscriptionKind
from bot.storage.subscribers import add_subscription
from bot.telegram.chat import AnyHandler, Ctx, chat_key
from bot.telegram.claims import show_claim, show_theme
from bot.telegram.context import BotContext
from bot.telegram.keyboards import fits
from bot.telegram.leaving import STOPPED, delete_chat
from bot.telegram.membership import ensure_subscriber
from bot.telegram.subscriptions import change_subscription

log = logging.getLogger(__name__)
KINDS: dict[str, SubscriptionKind] = {"all": "all", "theme": "theme", "claim": "claim"}


def parse_target(payload: str) -> Subscription | None:
    """ "all", "theme:NAME" or "claim:ID" → Subscription; None for anything else."""
    kind, _, target = payload.partition(":")
    if kind not in KINDS or (kind == "all") != (target == ""):
        return None
    return Subscription(KINDS[kind], target)


def flipped(markup: InlineKeyboardMarkup | None, data: str) -> InlineKeyboardMarkup | None:
    """The keyboard with the pressed sub/unsub button turned into its opposite."""
    if markup is None:
        return None
    action, _, payload = data.partition(":")
    rows = []
    for row in markup.inline_keyboard:
        new_row = []
        for button in row:
            if button.callback_data != data:
                new_row.append(button)
                continue
            if button.text.startswith("✕"):
                continue  # a /unsubscribe list drops what was removed
            label = button.text.removeprefix("+ ").removeprefix("✓ ").removesuffix(" — unsubscribe")
            opposite = f"{'unsub' if action == 'sub' else 'sub'}:{payload}"
            text = f"✓ {label} — unsubscribe" if action == "sub" else f"+ {label}"
            if fits(opposite):
                new_row.append(InlineKeyboardButton(text, callback_data=opposite))
        if new_row:
            rows.append(new_row)
    return InlineKeyboardMarkup(rows)


async def refresh_keyboard(query: CallbackQuery, data: str) -> None:
    message = query.message
    if message is None or not hasattr(message, "reply_markup"):
        return
    try:
        await query.edit_message_reply_markup(flipped(message.reply_markup, data))
    except BadRequest as err:  # the message is too old to edit, or unchanged
        log.info("could not refresh a keyboard: %s", err)


def callback_handler(ctx: BotContext) -> AnyHandler:
    async def pressed(update: Update, context: Ctx) -> None:
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        prefix, _, payload = data.partition(":")
        key = chat_key(update)
        # The answer comes last: everything the press changes is done when the spinner stops.
        toast: str | None = None
        if prefix in ("sub", "unsub") and (target := parse_target(payload)):
            toast = html_to_plain(await change_subscription(ctx, key, target, add=prefix == "sub"))
            await refresh_keyboard(query, data)
        elif prefix == "theme" and payload:
            await show_theme(ctx, update, key, payload)
        elif prefix == "claim" and payload:
            await show_claim(ctx, update, key, payload)
        elif prefix == "mute" and payload:
            subscriber = await ensure_subscriber(ctx, key)
            async with ctx.sessions.begin() as session:
                await add_subscription(session, subscriber.id, "mute", payload, now=ctx.clock())
            toast = f"Muted {payload}: no more alerts or digest items about it here."
        elif data == "stop:confirm":
            await delete_chat(ctx, key)
            await query.edit_message_text(STOPPED)
        elif data == "stop:cancel":
            await query.edit_message_text("Nothing was deleted.")
        else:
            toast = "This button no longer does anything; try /help."
        await query.answer(toast)

    return CallbackQueryHandler(pressed)
