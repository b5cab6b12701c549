"""The composition of the Telegram side: one Application, one ordered handler list, one error
handler, and starting/stopping it in polling or webhook mode.

The caller owns the event loop: `await start_bot(app, settings)` … `await stop_bot(app)`.
post_init hooks only run under `run_polling`, so start_bot registers the command menu itself.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    Defaults,
    ExtBot,
    JobQueue,
)

from bot.config import Settings
from bot.errors import StartupError
from bot.logs import redact
from bot.telegram.admin import admin_commands
from bot.telegram.callbacks import callback_handler
from bot.telegram.catalog import COMMANDS
from bot.telegram.chat import Ctx
from bot.telegram.claims import claim_commands
from bot.telegram.context import BotContext
from bot.telegram.dispatch import command_handlers
from bot.telegram.errors import error_handler
from bot.telegram.leaving import leaving_commands
from bot.telegram.membership import membership_handlers
from bot.telegram.ordering import ChatOrder
from bot.telegram.permissions import ChatAdmins
from bot.telegram.settings import settings_commands
from bot.telegram.start import start_commands
from bot.telegram.subscriptions import subscription_commands

log = logging.getLogger(__name__)

BotApp = Application[
    ExtBot[Any], Ctx, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[Ctx]
]


def build_application(settings: Settings, context: BotContext) -> BotApp:
    """The bot, pointed at settings.telegram_api_url, with every handler registered in order.

    Commands come from the catalog (dispatch.py), each with its permission; updates of one chat
    are handled in order and chats in parallel (ordering.py).
    """
    if settings.token is None:
        raise ValueError("build_application needs TELEGRAM_BOT_TOKEN")
    api = settings.telegram_api_url
    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(AIORateLimiter(max_retries=2))
        .concurrent_updates(ChatOrder())
        .build()
    )
    admins = ChatAdmins()
    commands = [
        start_commands(context),
        subscription_commands(context),
        claim_commands(context),
        settings_commands(context),
        leaving_commands(context),
        admin_commands(context),
    ]
    app.add_handlers(
        [
            *command_handlers(context, admins, commands),
            callback_handler(context, admins),
            *membership_handlers(context),
        ]
    )
    app.add_error_handler(error_handler(context))
    return app


async def register_commands(bot: ExtBot[Any], settings: Settings) -> None:
    """The command menu: everyone's commands, plus the admin ones in each operator's chat."""
    public = [BotCommand(c.name, c.help) for c in COMMANDS if c.access != "operator"]
    await bot.set_my_commands(public)
    every = [BotCommand(c.name, c.help) for c in COMMANDS]
    for admin in sorted(settings.admin_ids):
        try:
            await bot.set_my_commands(every, scope=BotCommandScopeChat(admin))
        except TelegramError as err:  # the operator has not opened a chat with the bot yet
            log.info("admin command menu not set for %s: %s", admin, err.message)


async def start_bot(
    app: BotApp, settings: Settings, *, poll_timeout: int = 30, poll_interval: float = 0.0
) -> None:
    """Initialize, register commands, then long-poll — or serve a webhook when one is configured.

    In webhook mode Telegram must send the secret token header; requests without it get 403.
    Without CLAIMWATCH_WEBHOOK_SECRET a random secret is set with setWebhook at each start.
    """
    try:
        await app.initialize()
    except InvalidToken:
        # python-telegram-bot's message quotes the token; say what to fix instead.
        raise StartupError(
            "telegram: Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN"
        ) from None
    except TelegramError as err:
        raise StartupError(
            f"telegram: could not start the bot with the Bot API at {settings.telegram_api_url}: "
            f"{redact(err.message, settings.token)}"
        ) from None
    await register_commands(app.bot, settings)
    updater = app.updater
    if updater is None:
        raise RuntimeError("the application was built without an updater")
    if settings.webhook_url:
        listen = settings.webhook_listen  # checked at start-up, like every setting
        secret = (
            settings.webhook_secret.get_secret_value()
            if settings.webhook_secret
            else secrets.token_urlsafe(32)
        )
        await updater.start_webhook(
            listen=listen.host,
            port=listen.port,
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
        log.info("Telegram webhook listening on %s", listen)
    else:
        await updater.start_polling(
            timeout=poll_timeout, poll_interval=poll_interval, allowed_updates=Update.ALL_TYPES
        )
        log.info("Telegram long polling started")
    await app.start()


async def stop_bot(app: BotApp) -> None:
    """Stop receiving updates, finish the ones in hand, release the HTTP clients."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
