"""Inline buttons: one handler that reads the callback data's prefix and calls the same actions
the commands use (bot.callback_data defines the data forms).

The prefix picks both the action and, from catalog.BUTTONS, who may press it. Callback data is
input like any other: a press naming a claim or theme that does not exist changes nothing."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot.callback_data import (
    STOP_CANCEL,
    STOP_CONFIRM,
    Prefix,
    parse_data,
    parse_subscription,
    subscription_data,
)
from bot.deliver.render import html_to_plain
from bot.domain import Subscription
from bot.storage.subscribers import get_subscriber
from bot.telegram.arguments import plain_name
from bot.telegram.catalog import BUTTONS
from bot.telegram.chat import AnyHandler, ChatKey, Ctx, chat_key
from bot.telegram.claims import show_claim, show_theme
from bot.telegram.context import BotContext
from bot.telegram.gate import may_use, refusal
from bot.telegram.keyboards import subscription_button, subscription_label
from bot.telegram.leaving import STOPPED, delete_chat
from bot.telegram.permissions import ChatAdmins
from bot.telegram.subscriptions import change_subscription, mute_claim, target_exists

log = logging.getLogger(__name__)
STALE = "This button no longer does anything; try /help."
NOTHING_THERE = "That claim or theme does not exist (any more); /themes lists them."


def flipped(
    markup: InlineKeyboardMarkup | None, added: bool, target: Subscription
) -> InlineKeyboardMarkup | None:
    """The keyboard with the pressed sub/unsub button turned into its opposite."""
    if markup is None:
        return None
    data = subscription_data(Prefix.SUBSCRIBE if added else Prefix.UNSUBSCRIBE, target)
    rows = []
    for row in markup.inline_keyboard:
        new_row = []
        for button in row:
            if button.callback_data != data:
                new_row.append(button)
                continue
            if button.text.startswith("✕"):
                continue  # a /unsubscribe list drops what was removed
            label = subscription_label(button.text)
            if opposite := subscription_button(label, target, following=added):
                new_row.append(opposite)
        if new_row:
            rows.append(new_row)
    return InlineKeyboardMarkup(rows)


async def refresh_keyboard(query: CallbackQuery, added: bool, target: Subscription) -> None:
    message = query.message
    if message is None or not hasattr(message, "reply_markup"):
        return
    try:
        await query.edit_message_reply_markup(flipped(message.reply_markup, added, target))
    except BadRequest as err:  # the message is too old to edit, or unchanged
        log.info("could not refresh a keyboard: %s", err)


async def known_target(ctx: BotContext, key: ChatKey, sub: Subscription, *, add: bool) -> bool:
    """Whether a pressed target names something real: a claim or theme that exists, or (to
    unsubscribe) something the chat follows. Callback data is input: anyone can forge it."""
    if await target_exists(ctx, sub):
        return True
    if add or not plain_name(sub.target):
        return False  # never query with forged bytes (PostgreSQL refuses NUL even to compare)
    async with ctx.sessions() as session:
        subscriber = await get_subscriber(session, chat_id=key.chat_id, thread_id=key.thread_id)
    return subscriber is not None and sub in subscriber.subscriptions


def callback_handler(ctx: BotContext, admins: ChatAdmins) -> AnyHandler:
    async def pressed(update: Update, context: Ctx) -> None:
        query = update.callback_query
        if query is None:
            return
        # One parse decides both what the press does and who may do it.
        parsed = parse_data(query.data or "")
        access = BUTTONS.get(parsed[0]) if parsed else None
        if parsed is None or access is None:
            await query.answer(STALE)
            return
        prefix, payload = parsed
        if not await may_use(access, update, context.bot, admins, ctx.settings, now=ctx.clock()):
            await query.answer(refusal(access, prefix), show_alert=True)
            return
        key = chat_key(update)
        # The answer comes last: everything the press changes is done when the spinner stops.
        toast: str | None = STALE
        add = prefix == Prefix.SUBSCRIBE
        if prefix in (Prefix.SUBSCRIBE, Prefix.UNSUBSCRIBE) and (
            target := parse_subscription(payload)
        ):
            if await known_target(ctx, key, target, add=add):
                toast = html_to_plain(await change_subscription(ctx, key, target, add=add))
                await refresh_keyboard(query, add, target)
            else:
                toast = NOTHING_THERE
        elif prefix == Prefix.THEME and payload:
            await show_theme(ctx, update, key, payload)
            toast = None
        elif prefix == Prefix.CLAIM and payload:
            await show_claim(ctx, update, key, payload)
            toast = None
        elif prefix == Prefix.MUTE and payload:
            if await known_target(ctx, key, Subscription("mute", payload), add=True):
                toast = html_to_plain(await mute_claim(ctx, key, payload))
            else:
                toast = NOTHING_THERE
        elif prefix == Prefix.STOP and payload == STOP_CONFIRM:
            await delete_chat(ctx, key)
            await query.edit_message_text(STOPPED)
            toast = None
        elif prefix == Prefix.STOP and payload == STOP_CANCEL:
            await query.edit_message_text("Nothing was deleted.")
            toast = None
        await query.answer(toast)

    return CallbackQueryHandler(pressed)
