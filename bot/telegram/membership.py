"""A chat's subscriber row follows the chat: created on first use, moved when a group becomes a
supergroup, deactivated when the bot is removed."""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ChatMemberHandler, MessageHandler, filters

from bot.deliver.schedule import next_digest_time
from bot.domain import DEFAULT_SCHEDULE, DEFAULT_TIMEZONE, Subscriber
from bot.storage.subscribers import deactivate_subscriber, get_or_create_subscriber, migrate_chat
from bot.telegram.chat import AnyHandler, ChatKey, Ctx
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)
GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.BANNED})


async def ensure_subscriber(ctx: BotContext, key: ChatKey) -> Subscriber:
    """This chat's subscriber, created with default settings or reactivated with its old ones."""
    now = ctx.clock()
    async with ctx.sessions.begin() as session:
        return await get_or_create_subscriber(
            session,
            chat_id=key.chat_id,
            thread_id=key.thread_id,
            chat_type=key.chat_type,
            title=key.title,
            now=now,
            next_digest_at=next_digest_time(DEFAULT_SCHEDULE, DEFAULT_TIMEZONE, after=now),
        )


def membership_handlers(ctx: BotContext) -> list[AnyHandler]:
    async def migrated(update: Update, context: Ctx) -> None:
        message = update.effective_message
        if message is None or message.migrate_to_chat_id is None:
            return
        async with ctx.sessions.begin() as session:
            moved = await migrate_chat(
                session, message.chat_id, message.migrate_to_chat_id, now=ctx.clock()
            )
        log.info(
            "chat migrated",
            extra={
                "chat_id": message.chat_id,
                "new_chat_id": message.migrate_to_chat_id,
                "rows": moved,
            },
        )

    async def member_changed(update: Update, context: Ctx) -> None:
        change: ChatMemberUpdated | None = update.my_chat_member
        if change is None or change.new_chat_member.status not in GONE:
            return
        async with ctx.sessions.begin() as session:
            await deactivate_subscriber(
                session, change.chat.id, reason="bot removed from the chat", now=ctx.clock()
            )
        log.info("bot removed from chat", extra={"chat_id": change.chat.id})

    return [
        MessageHandler(filters.StatusUpdate.MIGRATE, migrated),
        ChatMemberHandler(member_changed, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
