"""The one error handler: log with the traceback, tell the operators, apologise to the user.

The token never leaves this module in a message: descriptions are redacted before they are
logged or sent. Operators hear of each kind of error (its type and where in our code it was
raised, never its text, which a stranger can vary) at most once an hour; every one is logged.
"""

from __future__ import annotations

import logging
import traceback
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.error import NetworkError, TelegramError

from bot.deliver.render import escape
from bot.logs import settings_redactor
from bot.telegram.chat import Ctx, reply
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)
QUIET_REPEAT = timedelta(hours=1)
MAX_KINDS = 256  # kinds remembered at once; past that the oldest is forgotten early
OUR_CODE = Path(__file__).resolve().parents[1]  # the `bot` package
SORRY = "Sorry, something went wrong on our side; the operator has been told."

ErrorCallback = Callable[[object, Ctx], Coroutine[Any, Any, None]]


def error_kind(error: BaseException | None) -> str:
    """The exception's type and the innermost frame of our code it passed through (else the
    innermost frame at all): the same failure has one kind whatever its message says."""
    if error is None:
        return "no exception"
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(OUR_CODE)]
    if not (ours or frames):
        return name
    frame = (ours or frames)[-1]
    where = Path(frame.filename).resolve()
    shown = where.relative_to(OUR_CODE.parent) if ours else Path(where.name)
    return f"{name} at {shown}:{frame.lineno} in {frame.name}"


def first_in_window(told: OrderedDict[str, datetime], kind: str, now: datetime) -> bool:
    """Whether `kind` was not told within QUIET_REPEAT before `now`; if so, it is noted as told.

    `told` holds kinds in the order they were told and never more than MAX_KINDS of them.
    """
    while told and now - next(iter(told.values())) >= QUIET_REPEAT:
        told.popitem(last=False)
    if kind in told:
        return False
    if len(told) >= MAX_KINDS:
        told.popitem(last=False)
    told[kind] = now
    return True


def error_handler(ctx: BotContext) -> ErrorCallback:
    told: OrderedDict[str, datetime] = OrderedDict()
    # Operators get the same redaction as the log: token, webhook secret, database password.
    secrets = settings_redactor(ctx.settings)

    async def on_error(update: object, context: Ctx) -> None:
        error = context.error
        description = secrets.redact(f"{type(error).__name__}: {error}")
        chat_id = getattr(getattr(update, "effective_chat", None), "id", None)
        # The traceback is formatted here so the token can be cut out of it too.
        trace = "".join(traceback.format_exception(error)) if error else ""
        log.error(
            "error while handling an update: %s\n%s",
            description,
            secrets.redact(trace),
            extra={"chat_id": chat_id},
        )
        if isinstance(update, Update) and update.effective_message is not None:
            try:
                await reply(update, SORRY)
            except TelegramError:
                log.warning("could not apologise", extra={"chat_id": chat_id})
        if isinstance(error, NetworkError) and update is None:
            return  # polling hiccups; python-telegram-bot retries them
        kind = error_kind(error)
        if not first_in_window(told, kind, ctx.clock()):
            log.info("operators were told of this kind of error within the hour: %s", kind)
            return
        where = f" in chat {chat_id}" if chat_id is not None else ""
        text = (
            f"⚠️ Error{where}:\n<code>{escape(description[:3000])}</code>\n"
            f"Kind: <code>{escape(kind)}</code>; more of this kind within the hour are only logged."
        )
        for admin in sorted(ctx.settings.admin_ids):
            try:
                await context.bot.send_message(admin, text)
            except TelegramError as err:
                log.warning("could not tell operator %s: %s", admin, secrets.redact(str(err)))

    return on_error
