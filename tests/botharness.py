"""Running the real bot against the stand-in Bot API server, for tests that talk to it as users do.

    async with running_bot(server, database_url) as bot:
        [answer] = await bot.say("/subscribe all", chat_id=42)

`say` pushes a message and waits for the bot's answers in that chat; `press` pushes a button
press and waits for the callback answer. Claims come from `seed_claims`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from botapi import BotApiServer, SentMessage

from bot.config import Settings, load_settings
from bot.domain import Claim, Subscriber
from bot.storage.claims import add_claim
from bot.storage.db import Sessions, create_engine, create_sessions
from bot.storage.subscribers import get_subscriber
from bot.telegram.application import BotApp, build_application, start_bot, stop_bot
from bot.telegram.context import BotContext

TOKEN = "123456789:TEST-token-abcdefghijkl"
OPERATOR = 900
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

CLAIMS = (
    Claim(id="trump-xi-visit", text="Trump visits Beijing in April.", theme="trump-xi",
          kind="forecast", short="Trump's Beijing visit goes ahead"),
    Claim(id="us-china-detente", text="Washington and Beijing ease tensions.", theme="us-china",
          kind="assessment", short="A US–China détente"),
    Claim(id="no-us-china-war", text="No war between the US and China.", theme="us-china",
          kind="assessment"),
    Claim(id="russia-depends-on-china", text="Russia depends on China's trade.",
          theme="russia-china-trade", kind="assessment", short="Russia <depends> on China"),
)  # fmt: skip


def bot_settings(server: BotApiServer, database_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": server.url,
        "CLAIMWATCH_DATABASE_URL": database_url,
        "CLAIMWATCH_ADMIN_IDS": str(OPERATOR),
        "CLAIMWATCH_ALLOW_PRIVATE_FEEDS": "true",
    }
    values.update(extra)
    return load_settings(_env_file=None, **values)


async def seed_claims(sessions: Sessions, claims: Sequence[Claim] = CLAIMS) -> None:
    async with sessions.begin() as session:
        for claim in claims:
            await add_claim(session, claim, now=NOW)


@dataclass
class RunningBot:
    server: BotApiServer
    app: BotApp
    sessions: Sessions
    settings: Settings

    async def say(
        self,
        text: str,
        *,
        chat_id: int,
        user_id: int | None = None,
        chat_type: str | None = None,
        thread_id: int | None = None,
        expect: int = 1,
    ) -> list[SentMessage]:
        """Send `text` as a user and return the bot's next `expect` messages in that chat."""
        before = len(self.server.sent(chat_id))
        self.server.push_message(
            text, chat_id=chat_id, user_id=user_id, chat_type=chat_type, thread_id=thread_id
        )
        sent = await self.server.wait_for_messages(before + expect, chat_id)
        return sent[before:]

    async def press(
        self, message: SentMessage, label_or_data: str, *, user_id: int | None = None
    ) -> str:
        """Press a button of `message`; returns the toast text (empty when there is none)."""
        before = len(self.server.answers)
        self.server.push_callback(message.button(label_or_data), message=message, user_id=user_id)
        await self.server.wait_for(lambda: len(self.server.answers) > before)
        return str(self.server.answers[before].get("text") or "")

    async def subscriber(self, chat_id: int, thread_id: int = 0) -> Subscriber | None:
        async with self.sessions() as session:
            return await get_subscriber(session, chat_id=chat_id, thread_id=thread_id)


@asynccontextmanager
async def running_bot(
    server: BotApiServer, database_url: str, *, poll_now: Any = None, **extra: Any
) -> AsyncIterator[RunningBot]:
    settings = bot_settings(server, database_url, **extra)
    engine = create_engine(database_url)
    sessions = create_sessions(engine)
    async with httpx.AsyncClient() as http:
        context = BotContext(settings=settings, sessions=sessions, client=http, poll_now=poll_now)
        app = build_application(settings, context)
        await start_bot(app, settings, poll_timeout=1)
        try:
            yield RunningBot(server, app, sessions, settings)
        finally:
            await stop_bot(app)
            await engine.dispose()
