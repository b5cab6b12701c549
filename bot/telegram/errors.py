"""The one error handler: log with the traceback, tell the operators, apologise to the user.

The token never leaves this module in a message: descriptions are redacted before they are
logged or sent, and repeats of the same error are told to operators once per few minutes.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.error import NetworkError, TelegramError

from bot.deliver.render import escape
from bot.telegram.chat import Ctx, reply
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)
QUIET_REPEAT = timedelta(minutes=5)
SORRY = "Sorry, something went wrong on our side; the operator has been told."

ErrorCallback = Callable[[object, Ctx], Coroutine[Any, Any, None]]


def redact(text: str, token: str | None) -> str:
    return text.replace(token, "<token>") if token else text


def error_handler(ctx: BotContext) -> ErrorCallback:
    told: dict[str, datetime] = {}

    async def on_error(update: object, context: Ctx) -> None:
        error = context.error
        description = redact(f"{type(error).__name__}: {error}", ctx.settings.token)
        chat_id = getattr(getattr(update, "effective_chat", None), "id", None)
        # The traceback is formatted here so the token can be cut out of it too.
        trace = "".join(traceback.format_exception(error)) if error else ""
        log.error(
            "error while handling an update: %s\n%s",
            description,
            redact(trace, ctx.settings.token),
            extra={"chat_id": chat_id},
        )
        if isinstance(update, Update) and update.effective_message is not None:
            try:
                await reply(update, SORRY)
            except TelegramError:
                log.warning("could not apologise", extra={"chat_id": chat_id})
        if isinstance(error, NetworkError) and update is None:
            return  # polling hiccups; python-telegram-bot retries them
        now = ctx.clock()
        if description in told and now - told[description] < QUIET_REPEAT:
            return
        if len(told) > 1000:
            told.clear()
        told[description] = now
        where = f" in chat {chat_id}" if chat_id is not None else ""
        text = f"⚠️ Error{where}:\n<code>{escape(description[:3000])}</code>"
        for admin in sorted(ctx.settings.admin_ids):
            try:
                await context.bot.send_message(admin, text)
            except TelegramError as err:
                log.warning(
                    "could not tell operator %s: %s", admin, redact(str(err), ctx.settings.token)
                )

    return on_error
