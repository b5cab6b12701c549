"""/start and /help."""

from __future__ import annotations

from telegram import Update

from bot.deliver.render import escape
from bot.storage.claims import list_themes
from bot.storage.subscribers import get_subscriber
from bot.telegram.catalog import COMMANDS
from bot.telegram.chat import Callbacks, Ctx, chat_key, reply
from bot.telegram.context import BotContext
from bot.telegram.keyboards import themes_keyboard
from bot.telegram.membership import ensure_subscriber
from bot.telegram.permissions import is_operator
from bot.telegram.settings import describe_settings

WELCOME = (
    "<b>ClaimWatch</b> follows the claims of an op-ed on the Russia–China partnership and "
    "US–China rapprochement, and tells you when the news supports or contradicts them.\n\n"
    "Pick what to follow below, or use /subscribe all. /claims lists the claims, /help every "
    "command."
)


def help_text(*, operator: bool) -> str:
    lines = ["<b>Commands</b>"]
    for command in COMMANDS:
        if command.access == "operator" and not operator:
            continue
        args = f" {escape(command.args)}" if command.args else ""
        lines.append(f"/{command.name}{args} — {escape(command.help)}")
    return "\n".join(lines)


def start_commands(ctx: BotContext) -> Callbacks:
    async def start(update: Update, context: Ctx) -> None:
        key = chat_key(update)
        async with ctx.sessions() as session:
            before = await get_subscriber(session, chat_id=key.chat_id, thread_id=key.thread_id)
            themes = await list_themes(session)
        subscriber = await ensure_subscriber(ctx, key)
        if before is not None:
            text = "Welcome back! Your settings are as you left them:\n\n" + describe_settings(
                subscriber
            )
        else:
            text = WELCOME
        await reply(update, text, themes_keyboard(themes, subscriber))

    async def show_help(update: Update, context: Ctx) -> None:
        await reply(update, help_text(operator=is_operator(ctx.settings, update)))

    return {"start": start, "help": show_help}
