"""Inline buttons: one handler that reads the callback data's prefix and calls the same actions
the commands use (see keyboards.py for the data forms).

The prefix picks both the action and, from catalog.BUTTONS, who may press it. Callback data is
input like any other: a press naming a claim or theme that does not exist changes nothing."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot.deliver.render import html_to_plain
from bot.domain import Subscription, SubscriptionKind
from bot.storage.claims import get_claim, list_themes
from bot.storage.subscribers import get_subscriber
from bot.telegram.arguments import plain_name
from bot.telegram.catalog import BUTTONS
from bot.telegram.chat import AnyHandler, ChatKey, Ctx, chat_key
from bot.telegram.claims import show_claim, show_theme
from bot.telegram.context import BotContext
from bot.telegram.gate import may_use, refusal
from bot.telegram.keyboards import fits
from bot.telegram.leaving import STOPPED, delete_chat
from bot.telegram.permissions import ChatAdmins
from bot.telegram.subscriptions import change_subscription, mute_claim

log = logging.getLogger(__name__)
STALE = "This button no longer does anything; try /help."
NOTHING_THERE = "That claim or theme does not exist (any more); /themes lists them."
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


async def known_target(ctx: BotContext, key: ChatKey, sub: Subscription, *, add: bool) -> bool:
    """Whether a pressed target names something real: a claim or theme that exists, or (to
    unsubscribe) something the chat follows. Callback data is input: anyone can forge it."""
    if sub.kind == "all":
        return True
    if not plain_name(sub.target):
        return False  # never query with forged bytes (PostgreSQL refuses NUL even to compare)
    async with ctx.sessions() as session:
        if sub.kind in ("claim", "mute") and await get_claim(session, sub.target) is not None:
            return True
        if sub.kind == "theme" and sub.target in await list_themes(session):
            return True
        if add:
            return False
        subscriber = await get_subscriber(session, chat_id=key.chat_id, thread_id=key.thread_id)
    return subscriber is not None and sub in subscriber.subscriptions


def callback_handler(ctx: BotContext, admins: ChatAdmins) -> AnyHandler:
    async def pressed(update: Update, context: Ctx) -> None:
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        # One parse decides both what the press does and who may do it.
        prefix, _, payload = data.partition(":")
        access = BUTTONS.get(prefix)
        if access is None:
            await query.answer(STALE)
            return
        if not await may_use(access, update, context.bot, admins, ctx.settings, now=ctx.clock()):
            await query.answer(refusal(access, prefix), show_alert=True)
            return
        key = chat_key(update)
        # The answer comes last: everything the press changes is done when the spinner stops.
        toast: str | None = STALE
        if prefix in ("sub", "unsub") and (target := parse_target(payload)):
            if await known_target(ctx, key, target, add=prefix == "sub"):
                toast = html_to_plain(
                    await change_subscription(ctx, key, target, add=prefix == "sub")
                )
                await refresh_keyboard(query, data)
            else:
                toast = NOTHING_THERE
        elif prefix == "theme" and payload:
            await show_theme(ctx, update, key, payload)
            toast = None
        elif prefix == "claim" and payload:
            await show_claim(ctx, update, key, payload)
            toast = None
        elif prefix == "mute" and payload:
            if await known_target(ctx, key, Subscription("mute", payload), add=True):
                toast = html_to_plain(await mute_claim(ctx, key, payload))
            else:
                toast = NOTHING_THERE
        elif data == "stop:confirm":
            await delete_chat(ctx, key)
            await query.edit_message_text(STOPPED)
            toast = None
        elif data == "stop:cancel":
            await query.edit_message_text("Nothing was deleted.")
            toast = None
        await query.answer(toast)

    return CallbackQueryHandler(pressed)
