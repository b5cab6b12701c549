"""Who may do what: chat admins change a group's settings, operators run admin commands.

Group admin status comes from getChatMember and is cached for a minute, so a burst of button
presses costs one request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import Bot, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.config import Settings

ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
MAX_CACHED = 10_000


class ChatAdmins:
    """A short-lived cache of getChatMember answers."""

    def __init__(self, ttl: timedelta = timedelta(seconds=60)) -> None:
        self.ttl = ttl
        self._seen: dict[tuple[int, int], tuple[datetime, bool]] = {}

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int, *, now: datetime) -> bool:
        cached = self._seen.get((chat_id, user_id))
        if cached and cached[0] > now:
            return cached[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError:
            return False  # unknown is not admin; nothing changes
        verdict = member.status in ADMIN_STATUSES
        if len(self._seen) > MAX_CACHED:
            self._seen = {k: v for k, v in self._seen.items() if v[0] > now}
        self._seen[(chat_id, user_id)] = (now + self.ttl, verdict)
        return verdict


def is_operator(settings: Settings, update: Update) -> bool:
    user = update.effective_user
    return user is not None and user.id in settings.admin_ids


async def may_change_settings(
    update: Update, bot: Bot, admins: ChatAdmins, settings: Settings, *, now: datetime
) -> bool:
    """Anyone in a private chat; in groups the chat's admins (and operators); channels' posters."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type in (ChatType.PRIVATE, ChatType.CHANNEL) or is_operator(settings, update):
        return True
    message = update.effective_message
    if update.callback_query is None and message and message.sender_chat:
        # An anonymous admin speaks as the group itself.
        return message.sender_chat.id == chat.id
    user = update.effective_user
    return user is not None and await admins.is_admin(bot, chat.id, user.id, now=now)
