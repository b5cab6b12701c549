"""Where an update came from: the (chat, topic) a subscription belongs to, and replying there."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, ContextTypes

from bot.deliver.render import split_message

Ctx = ContextTypes.DEFAULT_TYPE
AnyHandler = BaseHandler[Update, Ctx, Any]
# What a command runs once dispatched; modules hand these to dispatch.py by catalog name.
Callback = Callable[[Update, Ctx], Coroutine[Any, Any, None]]
Callbacks = dict[str, Callback]


@dataclass(frozen=True, slots=True)
class ChatKey:
    chat_id: int
    thread_id: int  # 0 outside forum topics
    chat_type: str
    title: str | None
    user_id: int | None

    @property
    def is_group(self) -> bool:
        return self.chat_type in ("group", "supergroup")


def chat_key(update: Update) -> ChatKey:
    """The subscriber an update speaks for; a forum topic is a subscriber of its own."""
    chat = update.effective_chat
    if chat is None:
        raise ValueError("update without a chat")
    message = update.effective_message
    thread = 0
    if message is not None and message.is_topic_message and message.message_thread_id:
        thread = message.message_thread_id
    user = update.effective_user
    return ChatKey(
        chat_id=chat.id,
        thread_id=thread,
        chat_type=chat.type,
        title=chat.title,
        user_id=user.id if user else None,
    )


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the same chat and topic (reply_text keeps a forum topic's thread id).

    Text over Telegram's length limit goes out in parts; the keyboard rides on the last one.
    """
    message = update.effective_message
    if message is None:
        return None
    parts = split_message(text)
    sent = None
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        sent = await message.reply_text(part, reply_markup=markup if last else None, do_quote=False)
    return sent


async def reply_all(update: Update, parts: list[str]) -> None:
    for part in parts:
        await reply(update, part)
