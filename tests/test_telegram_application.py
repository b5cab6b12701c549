"""The bot as a whole: state survives a restart, and webhook mode checks Telegram's secret."""

from __future__ import annotations

import socket

import httpx
from botapi import BotApiServer
from botharness import running_bot, seed_claims

from bot.domain import Subscription

SECRET = "s3cret-Token_value"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_subscriptions_and_settings_survive_a_restart(
    botapi: BotApiServer, sqlite_url: str
) -> None:
    async with running_bot(botapi, sqlite_url) as bot:
        await seed_claims(bot.sessions)
        await bot.say("/subscribe us-china", chat_id=42)
        await bot.say("/schedule daily 07:15", chat_id=42)
        botapi.set_admins(-1009, [5])
        await bot.say("/subscribe all", chat_id=-1009, user_id=5, thread_id=3)
    async with running_bot(botapi, sqlite_url) as bot:
        [answer] = await bot.say("/mysubs", chat_id=42)
        assert "theme <code>us-china</code>" in answer.text and "daily 07:15" in answer.text
        topic = await bot.subscriber(-1009, 3)
        assert topic is not None and topic.subscriptions == (Subscription("all"),)
        [back] = await bot.say("/start", chat_id=42)
        assert back.text.startswith("Welcome back!")


async def test_webhook_mode_accepts_only_telegrams_secret(
    botapi: BotApiServer, sqlite_url: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with (
        running_bot(
            botapi,
            sqlite_url,
            CLAIMWATCH_WEBHOOK_URL=url,
            CLAIMWATCH_WEBHOOK_SECRET=SECRET,
            CLAIMWATCH_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        ),
        httpx.AsyncClient() as client,
    ):
        assert botapi.webhook is not None
        assert (botapi.webhook["url"], botapi.webhook["secret_token"]) == (url, SECRET)
        assert botapi.calls["getUpdates"] == 0
        update = botapi.message_update("/help", chat_id=42)
        forged = await client.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        )
        missing = await client.post(url, json=update)
        assert (forged.status_code, missing.status_code) == (403, 403)
        accepted = await client.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert accepted.status_code == 200
        [answer] = await botapi.wait_for_messages(1, 42)
    assert "/subscribe" in answer.text
    assert len(botapi.sent(42)) == 1  # the refused posts were never handled


async def test_a_flood_wait_delays_the_answer_but_does_not_lose_it(
    botapi: BotApiServer, sqlite_url: str
) -> None:
    async with running_bot(botapi, sqlite_url) as bot:
        botapi.rate_limit("sendMessage", retry_after=1)
        [answer] = await bot.say("/help", chat_id=42)
    assert answer.text.startswith("<b>Commands</b>")
    assert botapi.calls["sendMessage"] == 2  # refused once with 429, then sent
