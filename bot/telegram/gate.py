"""Who may use a catalog entry (a command or a button), and the polite refusal for the rest.

dispatch.py asks before it runs a command and callbacks.py before it acts on a button, each with
the entry picked by the same parse that dispatches the update, so the permission checked is
always the permission of what runs.
"""

from __future__ import annotations

from datetime import datetime

from telegram import Bot, Update

from bot.config import Settings
from bot.telegram.catalog import Access
from bot.telegram.permissions import ChatAdmins, is_operator, may_change_settings

NOT_OPERATOR = "Sorry, /{name} is for the bot's operators only."
NOT_CHAT_ADMIN = "Sorry, only this group's admins can change what it receives."


async def may_use(
    access: Access,
    update: Update,
    bot: Bot,
    admins: ChatAdmins,
    settings: Settings,
    *,
    now: datetime,
) -> bool:
    if access == "operator":
        return is_operator(settings, update)
    if access == "chat_admin":
        return await may_change_settings(update, bot, admins, settings, now=now)
    return True


def refusal(access: Access, name: str) -> str:
    """The one sentence a refused user gets."""
    return NOT_OPERATOR.format(name=name) if access == "operator" else NOT_CHAT_ADMIN
