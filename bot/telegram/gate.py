"""The gatekeeping handler group: runs before every command and button.

It refuses operator commands to non-operators and settings changes to non-admins of a group,
politely and before any handler runs, so a refused request changes nothing. Edited messages are
ignored: editing a command already answered does not run it again.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.telegram.catalog import BY_NAME, CHANGING_CALLBACKS
from bot.telegram.chat import AnyHandler, Ctx, reply
from bot.telegram.context import BotContext
from bot.telegram.permissions import ChatAdmins, is_operator, may_change_settings

log = logging.getLogger(__name__)

NOT_OPERATOR = "Sorry, /{name} is for the bot's operators only."
NOT_CHAT_ADMIN = "Sorry, only this group's admins can change what it receives."


def command_name(update: Update, bot_username: str) -> str | None:
    """The command a message addresses to this bot ("/Sub@ThisBot x" → "sub"), else None."""
    message = update.message or update.edited_message
    if message is None or not message.text or not message.text.startswith("/"):
        return None
    word = message.text.split(maxsplit=1)[0][1:]
    name, _, target = word.partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return name.lower()


def gate_handler(ctx: BotContext, admins: ChatAdmins) -> AnyHandler:
    async def gate(update: Update, context: Ctx) -> None:
        if update.edited_message is not None:
            # Editing a sent command must not run it a second time (subscribe, /stop, /addfeed…).
            raise ApplicationHandlerStop
        query = update.callback_query
        if query is not None:
            prefix = (query.data or "").split(":", 1)[0]
            if prefix in CHANGING_CALLBACKS and not await may_change_settings(
                update, context.bot, admins, ctx.settings, now=ctx.clock()
            ):
                await query.answer(NOT_CHAT_ADMIN, show_alert=True)
                raise ApplicationHandlerStop
            return
        name = command_name(update, context.bot.username)
        command = BY_NAME.get(name or "")
        if command is None:
            return
        if command.access == "operator" and not is_operator(ctx.settings, update):
            log.info("refused /%s to a non-operator", name)
            await reply(update, NOT_OPERATOR.format(name=name))
            raise ApplicationHandlerStop
        if command.access == "chat_admin" and not await may_change_settings(
            update, context.bot, admins, ctx.settings, now=ctx.clock()
        ):
            await reply(update, NOT_CHAT_ADMIN)
            raise ApplicationHandlerStop

    return TypeHandler(Update, gate)
