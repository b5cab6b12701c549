"""Who may run a command is decided from the same reading of the message that dispatches it.

Telegram ends a `bot_command` entity at the first character that cannot be in a command name, so
"/addfeed# URL" calls /addfeed. The stand-in server marks the whole first word, so these tests
build the entity as Telegram does (`telegram_entities`) and push the update themselves.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from botapi import BOT_USERNAME, BotApiServer
from botapi_wire import telegram_length
from botharness import (
    ADMIN,
    GROUP,
    MEMBER,
    NOW,
    OPERATOR,
    REFUSAL,
    TOKEN,
    RunningBot,
    bot_settings,
    group_server,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot, Chat, Message, MessageEntity, Update, User
from telegram.ext import BaseHandler, CommandHandler

from bot.domain import FeedSpec
from bot.storage.db import create_engine, create_sessions
from bot.storage.feeds import list_feeds, sync_feeds
from bot.telegram.application import BotApp, build_application
from bot.telegram.catalog import BY_NAME, COMMANDS
from bot.telegram.context import BotContext
from bot.telegram.dispatch import CatalogCommand, UnknownCommand, command_handlers
from bot.telegram.gate import may_use
from bot.telegram.permissions import ChatAdmins

STRANGER = 42
OPERATOR_COMMANDS = sorted(c.name for c in COMMANDS if c.access == "operator")
# tdlib's rule: "/" and up to 64 name characters, optionally "@" and a username; no entity when a
# word character, "/", "<" or ">" follows.
COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


def telegram_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entity Telegram marks at the start of `text`, if any."""
    found = COMMAND.match(text)
    if found is None:
        return []
    rest = text[found.end() :]
    if rest and (rest[0].isalnum() or rest[0] in "_/<>"):
        return []
    return [{"type": "bot_command", "offset": 0, "length": telegram_length(found.group())}]


def telegram_update(
    server: BotApiServer, text: str, *, chat_id: int, user_id: int | None = None
) -> dict[str, Any]:
    update = server.message_update(text, chat_id=chat_id, user_id=user_id)
    update["message"]["entities"] = telegram_entities(text)
    return update


async def answers_to(
    bot: RunningBot,
    text_or_update: str | dict[str, Any],
    *,
    chat_id: int,
    user_id: int | None = None,
) -> list[str]:
    """Everything the bot sends in the chat for one message: /help goes next, and as a chat's
    updates are handled in order, whatever came before help's answer answered the message."""
    before = len(bot.server.sent(chat_id))
    update = (
        telegram_update(bot.server, text_or_update, chat_id=chat_id, user_id=user_id)
        if isinstance(text_or_update, str)
        else text_or_update
    )
    bot.server.push_update(update)
    bot.server.push_message("/help", chat_id=chat_id, user_id=user_id)
    await bot.server.wait_for(
        lambda: any(m.text.startswith("<b>Commands") for m in bot.server.sent(chat_id)[before:])
    )
    texts = [m.text for m in bot.server.sent(chat_id)[before:]]
    return texts[: next(i for i, t in enumerate(texts) if t.startswith("<b>Commands"))]


@pytest.fixture
def botapi() -> Iterator[BotApiServer]:
    yield from group_server()


@pytest.fixture
async def one_feed(bot: RunningBot) -> None:
    async with bot.sessions.begin() as session:
        await sync_feeds(session, [FeedSpec(url="https://news.example.org/rss")], now=NOW)


@pytest.mark.parametrize(
    "text",
    ["/addfeed# http://127.0.0.1:1/rss.xml", "/status!", "/feeds.", "/removefeed- 1",
     "/pollnow?", "/Status,", "/feeds@" + BOT_USERNAME + "!"],
)  # fmt: skip
async def test_operator_commands_with_punctuation_are_refused_to_others(
    bot: RunningBot, one_feed: None, text: str
) -> None:
    name = COMMAND.match(text).group()[1:].split("@")[0].lower()  # type: ignore[union-attr]
    answers = await answers_to(bot, text, chat_id=STRANGER)
    assert answers == [f"Sorry, /{name} is for the bot's operators only."]
    async with bot.sessions() as session:
        [feed] = await list_feeds(session)
    assert feed.enabled and feed.url == "https://news.example.org/rss"


@pytest.mark.parametrize(
    "text", ["/pause#", "/mode! digest", "/filter. add x", "/subscribe, all", "/quiet- off",
             "/stop?", "/timezone: Asia/Tokyo", "/resume;"],
)  # fmt: skip
async def test_group_settings_with_punctuation_are_refused_to_members(
    bot: RunningBot, text: str
) -> None:
    assert await answers_to(bot, text, chat_id=GROUP, user_id=MEMBER) == [REFUSAL]
    assert await bot.subscriber(GROUP) is None


async def test_punctuation_calls_the_command_telegram_marked(bot: RunningBot) -> None:
    [status] = await answers_to(bot, "/status!", chat_id=OPERATOR)
    assert "Feeds: 0 ok" in status
    [paused] = await answers_to(bot, "/pause#", chat_id=GROUP, user_id=ADMIN)
    assert paused.startswith("Paused")


async def test_commands_addressed_to_other_bots_run_nothing(bot: RunningBot) -> None:
    assert await answers_to(bot, "/status@OtherBot", chat_id=OPERATOR) == []
    assert await answers_to(bot, "/pause@OtherBot", chat_id=GROUP, user_id=ADMIN) == []
    assert await answers_to(bot, "/subscribe@OtherBot all", chat_id=GROUP, user_id=ADMIN) == []
    assert await bot.subscriber(GROUP) is None
    [mine] = await answers_to(bot, f"/status@{BOT_USERNAME}", chat_id=OPERATOR)
    assert "Feeds: 0 ok" in mine
    [refused] = await answers_to(bot, f"/status@{BOT_USERNAME.upper()}", chat_id=STRANGER)
    assert refused == "Sorry, /status is for the bot's operators only."
    [done] = await answers_to(bot, f"/pause@{BOT_USERNAME}", chat_id=GROUP, user_id=ADMIN)
    assert done.startswith("Paused")


async def test_unknown_commands_run_nothing(bot: RunningBot) -> None:
    [answer] = await answers_to(bot, "/sudo! addfeed", chat_id=STRANGER)
    assert answer == "I don't know /sudo. Send /help for the list of commands."
    assert await answers_to(bot, "/sudo", chat_id=GROUP, user_id=MEMBER) == []


@pytest.mark.parametrize("text", ["/subscribe all", "/status", "/pause", "/status!", "/sudo"])
async def test_edited_messages_run_no_command(bot: RunningBot, text: str) -> None:
    update = telegram_update(bot.server, text, chat_id=OPERATOR)
    edited = {"update_id": update["update_id"], "edited_message": update["message"]}
    edited["edited_message"]["edit_date"] = int(time.time())
    assert await answers_to(bot, edited, chat_id=OPERATOR) == []
    assert await bot.subscriber(OPERATOR) is None


@pytest.mark.parametrize("user", [STRANGER, OPERATOR])
async def test_captions_are_not_commands(bot: RunningBot, user: int) -> None:
    """A photo captioned "/status" has the command in caption_entities. python-telegram-bot's
    command handlers read only `text`, and so does ClaimWatch: a caption runs nothing, and is
    not answered, for operators either."""
    update = telegram_update(bot.server, "/status", chat_id=user)
    message = update["message"]
    message["caption"] = message.pop("text")
    message["caption_entities"] = message.pop("entities")
    message["photo"] = [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]
    assert await answers_to(bot, update, chat_id=user) == []


def forwarded(update: dict[str, Any], author: int) -> dict[str, Any]:
    """`update`'s message as a forward of a message `author` wrote."""
    update["message"]["forward_origin"] = {
        "type": "user",
        "date": int(time.time()) - 60,
        "sender_user": {"id": author, "is_bot": False, "first_name": f"User{author}"},
    }
    return update


async def test_a_forwarded_command_runs_with_the_forwarders_rights_not_the_authors(
    bot: RunningBot, one_feed: None
) -> None:
    """Forwarding an operator's (or a group admin's) command lends none of their rights."""
    removal = forwarded(telegram_update(bot.server, "/removefeed 1", chat_id=STRANGER), OPERATOR)
    assert await answers_to(bot, removal, chat_id=STRANGER) == [
        "Sorry, /removefeed is for the bot's operators only."
    ]
    async with bot.sessions() as session:
        [feed] = await list_feeds(session)
    assert feed.enabled
    pause = telegram_update(bot.server, "/pause", chat_id=GROUP, user_id=MEMBER)
    assert await answers_to(bot, forwarded(pause, ADMIN), chat_id=GROUP, user_id=MEMBER) == [
        REFUSAL
    ]
    assert await bot.subscriber(GROUP) is None


# --- the handlers are the catalog --------------------------------------------------------------

# Handlers built outside a running bot: building touches neither the database nor the network.
SETTINGS = bot_settings(BotApiServer(), "sqlite+aiosqlite:///:memory:")
CONTEXT = BotContext(
    settings=SETTINGS,
    sessions=create_sessions(create_engine("sqlite+aiosqlite:///:memory:")),
    client=httpx.AsyncClient(),
)


@pytest.fixture
async def app(botapi: BotApiServer, sqlite_url: str) -> AsyncIterator[BotApp]:
    engine = create_engine(sqlite_url)
    async with httpx.AsyncClient() as client:
        context = BotContext(
            settings=bot_settings(botapi, sqlite_url),
            sessions=create_sessions(engine),
            client=client,
        )
        yield build_application(context.settings, context)
    await engine.dispose()


def every_handler(app: BotApp) -> list[BaseHandler[Any, Any, Any]]:
    return [handler for group in app.handlers.values() for handler in group]


async def test_registered_commands_are_the_catalog(app: BotApp) -> None:
    handlers = every_handler(app)
    commands = [h for h in handlers if isinstance(h, CatalogCommand)]
    assert sorted(h.command.name for h in commands) == sorted(BY_NAME)
    assert all(h.command is BY_NAME[h.command.name] for h in commands)
    # Nothing else takes commands: no bare CommandHandler, one handler for unknown commands.
    assert not [h for h in handlers if isinstance(h, CommandHandler)]
    assert len([h for h in handlers if isinstance(h, UnknownCommand)]) == 1


async def anything(update: Update, context: Any) -> None:
    pass


def test_a_command_cannot_be_registered_outside_the_catalog() -> None:
    every = {c.name: anything for c in COMMANDS}
    without_addfeed = {k: v for k, v in every.items() if k != "addfeed"}
    with pytest.raises(ValueError, match=r"not in the catalog: \['sudo'\]"):
        command_handlers(CONTEXT, ChatAdmins(), [every, {"sudo": anything}])
    with pytest.raises(ValueError, match=r"no callback for \['addfeed'\]"):
        command_handlers(CONTEXT, ChatAdmins(), [without_addfeed])
    with pytest.raises(ValueError, match="defined twice"):
        command_handlers(CONTEXT, ChatAdmins(), [every, {"help": anything}])


# --- property: no spelling gets an operator command past its permission -------------------------


class NamedBot(Bot):
    """python-telegram-bot's Bot with the username getMe would give; nothing is sent."""

    @property
    def username(self) -> str:
        return BOT_USERNAME


def stranger_update(text: str, length: int | None) -> Update:
    entities = telegram_entities(text) if length is None else [
        {"type": "bot_command", "offset": 0, "length": length}
    ]  # fmt: skip
    message = Message(
        message_id=1,
        date=datetime.now(UTC),
        chat=Chat(STRANGER, Chat.PRIVATE),
        from_user=User(STRANGER, "Stranger", is_bot=False),
        text=text,
        entities=tuple(MessageEntity(**e) for e in entities),
    )
    message.set_bot(NAMED_BOT)
    return Update(1, message=message)


NAMED_BOT = NamedBot(TOKEN)
HANDLERS = command_handlers(CONTEXT, ChatAdmins(), [{c.name: anything for c in COMMANDS}])


@settings(max_examples=400, deadline=None)
@given(
    name=st.sampled_from(OPERATOR_COMMANDS),
    case=st.sampled_from([str.lower, str.upper, str.title]),
    suffix=st.text(max_size=12),
    length=st.none() | st.integers(min_value=1, max_value=30),
)
def test_no_spelling_runs_an_operator_command_for_a_stranger(
    name: str, case: Any, suffix: str, length: int | None
) -> None:
    text = f"/{case(name)}{suffix}"
    if length is not None:
        length = min(length, telegram_length(text))
    update = stranger_update(text, length)
    takers = [h for h in HANDLERS if h.check_update(update)]
    assert len(takers) <= 1, takers
    for taker in takers:
        assert isinstance(taker, CatalogCommand | UnknownCommand)
        if isinstance(taker, CatalogCommand):
            marked = update.message.parse_entity(update.message.entities[0])  # type: ignore[union-attr]
            assert taker.command.name == marked[1:].split("@")[0].lower()
            allowed = asyncio.run(
                may_use(taker.command.access, update, NAMED_BOT, ChatAdmins(), SETTINGS, now=NOW)
            )
            assert not allowed or taker.command.access == "anyone"
            if taker.command.name in OPERATOR_COMMANDS:
                assert not allowed
    if length is None and (marked := COMMAND.match(text)) and telegram_entities(text):
        # What Telegram marks as an operator command is taken by that command's guarded handler.
        called = marked.group()[1:].split("@")[0].lower()
        if called in OPERATOR_COMMANDS and "@" not in marked.group():
            assert [t.command.name for t in takers if isinstance(t, CatalogCommand)] == [called]
