"""/stop (confirmed with a button) and /digest: a chat leaving, or asking for its digest now."""

from __future__ import annotations

import logging

from telegram import Update

from bot.deliver.digest import digest_now
from bot.storage.subscribers import delete_subscriber_data, get_subscriber
from bot.telegram.chat import Callbacks, ChatKey, Ctx, chat_key, reply, reply_all
from bot.telegram.context import BotContext
from bot.telegram.keyboards import stop_keyboard
from bot.telegram.membership import ensure_subscriber

log = logging.getLogger(__name__)

STOP_QUESTION = (
    "This unsubscribes this chat from everything and deletes its settings, filters and queued "
    "messages. Are you sure?"
)
STOPPED = "Done: everything about this chat is deleted. /start brings the bot back."


async def delete_chat(ctx: BotContext, key: ChatKey) -> bool:
    async with ctx.sessions.begin() as session:
        deleted = await delete_subscriber_data(session, key.chat_id, key.thread_id)
    log.info("chat data deleted", extra={"chat_id": key.chat_id, "thread_id": key.thread_id})
    return deleted


def leaving_commands(ctx: BotContext) -> Callbacks:
    async def stop(update: Update, context: Ctx) -> None:
        key = chat_key(update)
        async with ctx.sessions() as session:
            known = await get_subscriber(session, chat_id=key.chat_id, thread_id=key.thread_id)
        if known is None:
            await reply(update, "This chat has no data here. /start to begin.")
            return
        await reply(update, STOP_QUESTION, stop_keyboard())

    async def digest(update: Update, context: Ctx) -> None:
        subscriber = await ensure_subscriber(ctx, chat_key(update))
        if not [s for s in subscriber.subscriptions if s.kind != "mute"]:
            await reply(
                update, "This chat follows nothing yet, so there is no digest; /subscribe first."
            )
            return
        messages = await digest_now(ctx.sessions, subscriber.id, now=ctx.clock())
        if not messages:
            await reply(update, "Nothing new for your claims since the last digest.")
            return
        await reply_all(update, messages)

    return {"stop": stop, "digest": digest}
