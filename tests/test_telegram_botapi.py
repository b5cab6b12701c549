"""The stand-in Bot API server answers python-telegram-bot the way Telegram does."""

from __future__ import annotations

import pytest
from botapi import BotApiServer
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.request import HTTPXRequest

TOKEN = "123456:TEST-token-abcdefghij"


def make_bot(server: BotApiServer) -> Bot:
    return Bot(
        TOKEN,
        base_url=f"{server.url}/bot",
        base_file_url=f"{server.url}/file/bot",
        request=HTTPXRequest(connection_pool_size=8),
    )


async def test_send_message_is_recorded_with_its_topic_and_buttons(botapi: BotApiServer) -> None:
    async with make_bot(botapi) as bot:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open", callback_data="claim:c1")]])
        message = await bot.send_message(
            -100123,
            "<b>hi</b> &amp; bye",
            parse_mode=ParseMode.HTML,
            message_thread_id=7,
            reply_markup=markup,
        )
    [sent] = botapi.sent(-100123)
    assert sent.message_id == message.message_id
    assert sent.message_thread_id == 7
    assert sent.text == "<b>hi</b> &amp; bye"
    assert sent.buttons == [("Open", "claim:c1")]


@pytest.mark.parametrize(
    "text", ["<b>unclosed", "a < b", "AT&T", "<blink>x</blink>", "<b><i>x</b></i>"]
)
async def test_malformed_html_is_refused(botapi: BotApiServer, text: str) -> None:
    async with make_bot(botapi) as bot:
        with pytest.raises(BadRequest, match=r"(?i)parse entities"):
            await bot.send_message(1, text, parse_mode=ParseMode.HTML)
        await bot.send_message(1, text)  # the same text as plain text goes through
    assert [m.text for m in botapi.sent()] == [text]


async def test_long_messages_are_refused_by_utf16_length(botapi: BotApiServer) -> None:
    async with make_bot(botapi) as bot:
        await bot.send_message(1, "x" * 4096)
        with pytest.raises(BadRequest, match=r"(?i)too long"):
            await bot.send_message(1, "😀" * 2049)  # 4098 UTF-16 units, 2049 characters
        await bot.send_message(1, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    assert len(botapi.sent(1)) == 2


async def test_failure_switches(botapi: BotApiServer) -> None:
    botapi.block_chat(5)
    botapi.remove_chat(6)
    botapi.migrate_chat(-77, -10077)
    botapi.rate_limit("sendMessage", retry_after=3)
    async with make_bot(botapi) as bot:
        with pytest.raises(RetryAfter) as retry:
            await bot.send_message(1, "x")
        assert "retry in 3 seconds" in retry.value.message.lower()
        with pytest.raises(Forbidden, match=r"(?i)blocked"):
            await bot.send_message(5, "x")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(6, "x")
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(-77, "x")
        assert migrated.value.new_chat_id == -10077
        botapi.fail("sendMessage", status=500)
        with pytest.raises(NetworkError):
            await bot.send_message(1, "x")
        botapi.drop_connection("sendMessage")
        with pytest.raises(NetworkError):
            await bot.send_message(1, "x")
        await bot.send_message(1, "after")
    assert [m.text for m in botapi.sent()] == ["after"]
    assert botapi.calls["sendMessage"] == 7


async def test_get_updates_long_polls_and_confirms_with_offset(botapi: BotApiServer) -> None:
    async with make_bot(botapi) as bot:
        assert await bot.get_updates(timeout=0) == ()
        botapi.push_message("/start", chat_id=42)
        [update] = await bot.get_updates(timeout=5)
        assert update.message is not None and update.message.text == "/start"
        assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()


async def test_chat_members_and_commands(botapi: BotApiServer) -> None:
    botapi.set_admins(-100, [10, 11])
    async with make_bot(botapi) as bot:
        assert (await bot.get_chat_member(-100, 10)).status == "creator"
        assert (await bot.get_chat_member(-100, 11)).status == "administrator"
        assert (await bot.get_chat_member(-100, 12)).status == "member"
        await bot.set_my_commands([("help", "every command")])
        assert [c.command for c in await bot.get_my_commands()] == ["help"]


async def test_edit_message(botapi: BotApiServer) -> None:
    async with make_bot(botapi) as bot:
        message = await bot.send_message(1, "one")
        await bot.edit_message_text("two", chat_id=1, message_id=message.message_id)
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_text("two", chat_id=1, message_id=message.message_id)
        with pytest.raises(BadRequest, match=r"(?i)not found"):
            await bot.edit_message_text("two", chat_id=1, message_id=1)
    assert [m.text for m in botapi.edits(1)] == ["two"]
