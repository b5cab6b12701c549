"""Commands: read once from the message, checked against their catalog entry, then run.

Telegram marks a command with a `bot_command` entity that ends at the first character that
cannot be in a command name, so "/status!" and "/addfeed# URL" call /status and /addfeed. That
entity is read here, once, and the same reading picks the handler and the permission: every
handler is built from a catalog entry and checks that entry's access before its callback runs,
so a command cannot exist without its permission. A command the catalog lacks gets one sentence
of help and runs nothing. Only new messages carry commands: an edit or a photo caption never
runs one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Message, MessageEntity, Update
from telegram.ext import Application, BaseHandler

from bot.deliver.render import escape
from bot.telegram.catalog import BY_NAME, COMMANDS, Access, Command
from bot.telegram.chat import AnyHandler, Callback, Ctx, reply
from bot.telegram.context import BotContext
from bot.telegram.gate import may_use, refusal
from bot.telegram.permissions import ChatAdmins

log = logging.getLogger(__name__)

Guard = Callable[[Access, Update, Ctx], Awaitable[bool]]
MAX_NAME = 64  # Telegram marks at most 64 characters as a command name


@dataclass(frozen=True, slots=True)
class Called:
    """A command a message addresses to this bot: its name (lower case) and arguments."""

    name: str
    addressed: bool  # "/name@ThisBot"
    args: tuple[str, ...]


def read_command(message: Message, username: str) -> Called | None:
    """The command `message` calls, from the bot_command entity at its start; None when it
    calls none, or calls another bot ("/help@OtherBot")."""
    text = message.text
    if not text or not message.entities:
        return None  # a caption's entities live in caption_entities: captions are not commands
    first = message.entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    try:
        word = message.parse_entity(first)  # counts UTF-16 units as Telegram does
    except UnicodeDecodeError:  # an entity that ends inside a character: not Telegram's
        return None
    name, at, target = word[1:].partition("@")
    if not name or (at and target.lower() != username.lower()):
        return None
    return Called(name.lower(), bool(at), tuple(text[len(word) :].split()))


def called_in(update: object) -> Called | None:
    """The command a new message (never an edit) of `update` calls."""
    if not isinstance(update, Update) or update.message is None:
        return None
    message = update.message
    return read_command(message, message.get_bot().username)


class CatalogCommand(BaseHandler[Update, Ctx, None]):
    """One catalog entry: takes the messages that call it and runs its callback for those its
    access allows; the rest get a polite refusal and nothing changes."""

    __slots__ = ("command",)

    def __init__(self, command: Command, callback: Callback, guard: Guard) -> None:
        async def guarded(update: Update, context: Ctx) -> None:
            if await guard(command.access, update, context):
                await callback(update, context)
                return
            log.info("refused /%s (%s only)", command.name, command.access)
            await reply(update, refusal(command.access, command.name))

        super().__init__(guarded)
        self.command = command

    def check_update(self, update: object) -> Called | None:
        called = called_in(update)
        return called if called is not None and called.name == self.command.name else None

    def collect_additional_context(
        self,
        context: Ctx,
        update: Update,
        application: Application[Any, Ctx, Any, Any, Any, Any],
        check_result: Any,
    ) -> None:
        context.args = list(check_result.args)


class UnknownCommand(BaseHandler[Update, Ctx, None]):
    """A command the catalog lacks: one sentence of help, nothing run."""

    __slots__ = ()

    def __init__(self) -> None:
        async def unknown(update: Update, context: Ctx) -> None:
            called = called_in(update)
            chat = update.effective_chat
            # In groups, commands meant for other bots arrive too; answer only what is ours.
            if called is None or (chat and chat.type != "private" and not called.addressed):
                return
            name = escape(called.name[:MAX_NAME])
            await reply(update, f"I don't know /{name}. Send /help for the list of commands.")

        super().__init__(unknown)

    def check_update(self, update: object) -> Called | None:
        called = called_in(update)
        return called if called is not None and called.name not in BY_NAME else None


def command_handlers(
    ctx: BotContext, admins: ChatAdmins, groups: Iterable[Mapping[str, Callback]]
) -> list[AnyHandler]:
    """A handler per catalog entry, plus the one for unknown commands.

    The callbacks of `groups` must name exactly the catalog's commands, each once: a callback
    without an entry (so without a permission), an entry without a callback or a name given
    twice stops the bot at start-up.
    """
    callbacks: dict[str, Callback] = {}
    for group in groups:
        if twice := callbacks.keys() & group.keys():
            raise ValueError(f"commands defined twice: {sorted(twice)}")
        callbacks.update(group)
    missing, extra = BY_NAME.keys() - callbacks.keys(), callbacks.keys() - BY_NAME.keys()
    if missing or extra:
        raise ValueError(
            f"commands and catalog differ: no callback for {sorted(missing)}, "
            f"not in the catalog: {sorted(extra)}"
        )

    async def allowed(access: Access, update: Update, context: Ctx) -> bool:
        return await may_use(access, update, context.bot, admins, ctx.settings, now=ctx.clock())

    handlers: list[AnyHandler] = [CatalogCommand(c, callbacks[c.name], allowed) for c in COMMANDS]
    return [*handlers, UnknownCommand()]
