"""TelegramSender: delivery's `Sender` on top of python-telegram-bot's `Bot`.

This is the only module below the handlers that knows python-telegram-bot: it turns the
library's errors into ClaimWatch's delivery errors, and button rows into an inline keyboard.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from functools import lru_cache

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.domain import Button
from bot.errors import (
    BadMarkup,
    ChatGone,
    ChatMoved,
    DeliveryError,
    MessageTooLong,
    RetryLater,
    TransientError,
)


@lru_cache(maxsize=1024)
def keyboard(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """The inline keyboard for button rows (cached: fan-outs repeat the same few)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons
        ]
    )


def translate_error(err: TelegramError) -> DeliveryError:
    """The delivery error that says what to do about a Bot API failure."""
    if isinstance(err, RetryAfter):
        with warnings.catch_warnings():  # PTB warns that the type will become timedelta
            warnings.simplefilter("ignore")
            wait = err.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return RetryLater(seconds)
    if isinstance(err, ChatMigrated):
        return ChatMoved(int(err.new_chat_id))
    if isinstance(err, Forbidden):
        return ChatGone(err.message)
    if isinstance(err, BadRequest):
        text = err.message.lower()
        if "chat not found" in text or "not enough rights" in text or "have no rights" in text:
            return ChatGone(err.message)
        if "thread not found" in text:
            return ChatGone(err.message, topic_only=True)
        if "can't parse entities" in text or "unsupported start tag" in text:
            return BadMarkup(err.message)
        if "message is too long" in text or "text is too long" in text:
            return MessageTooLong(err.message)
        return DeliveryError(f"deliver: Telegram refused the message: {err.message}")
    if isinstance(err, NetworkError):  # timeouts, dropped connections, 5xx
        return TransientError(f"deliver: {err.message}")
    return DeliveryError(f"deliver: {err.message}")


class TelegramSender:
    """Sends through a `Bot` (built with AIORateLimiter by the application)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        thread_id: int,
        html: bool,
        buttons: tuple[tuple[Button, ...], ...],
    ) -> int:
        try:
            message = await self.bot.send_message(
                chat_id=chat_id,
                text=text,
                parse_mode=ParseMode.HTML if html else None,
                message_thread_id=thread_id or None,
                reply_markup=keyboard(buttons),
            )
        except TelegramError as err:
            raise translate_error(err) from None
        return message.message_id
