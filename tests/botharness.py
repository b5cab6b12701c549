"""Running the real bot against the stand-in Bot API server, for tests that talk to it as users do.

    async with running_bot(server, database_url) as bot:
        [answer] = await bot.say("/subscribe all", chat_id=42)

`say` pushes a message and waits for the bot's answers in that chat (`answers_to` when how many
is not known); `press` pushes a button press and waits for the callback answer. Claims come from
`seed_claims`. The handlers read `bot.clock`, which stands at NOW until a test moves it, so no
answer depends on today's date.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
# A supergroup in which ADMIN is the one admin (see `group_server`) and MEMBER an ordinary member.
GROUP = -1001234567890
ADMIN, MEMBER = 11, 12
REFUSAL = "Sorry, only this group's admins can change what it receives."

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


def group_server() -> Iterator[BotApiServer]:
    """The stand-in Bot API server knowing ADMIN as GROUP's admin: the body of a module's
    `botapi` fixture, `yield from group_server()`."""
    with BotApiServer() as server:
        server.set_admins(GROUP, [ADMIN])
        yield server


async def seed_claims(sessions: Sessions, claims: Sequence[Claim] = CLAIMS) -> None:
    async with sessions.begin() as session:
        for claim in claims:
            await add_claim(session, claim, now=NOW)


@dataclass
class ManualClock:
    """The handlers' clock: it reads `now`, which only the test moves."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@dataclass
class RunningBot:
    server: BotApiServer
    app: BotApp
    sessions: Sessions
    settings: Settings
    clock: ManualClock = field(default_factory=ManualClock)

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

    async def answers_to(self, text: str, *, chat_id: int) -> list[SentMessage]:
        """Everything the bot sent in answer to `text`, however many messages. A chat's updates
        are handled in order, so the answer to a harmless command sent right after marks the end."""
        before = len(self.server.sent(chat_id))
        self.server.push_message(text, chat_id=chat_id)
        self.server.push_message("/mode", chat_id=chat_id)

        def marked() -> bool:
            return any(m.text.startswith("Use /mode") for m in self.server.sent(chat_id)[before:])

        await self.server.wait_for(marked)
        return self.server.sent(chat_id)[before:-1]

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
    server: BotApiServer,
    database_url: str,
    *,
    poll_now: Any = None,
    clock: ManualClock | None = None,
    **extra: Any,
) -> AsyncIterator[RunningBot]:
    settings = bot_settings(server, database_url, **extra)
    engine = create_engine(database_url)
    sessions = create_sessions(engine)
    clock = clock or ManualClock()
    async with httpx.AsyncClient() as http:
        context = BotContext(
            settings=settings, sessions=sessions, client=http, poll_now=poll_now, clock=clock
        )
        app = build_application(settings, context)
        await start_bot(app, settings, poll_timeout=1)
        try:
            yield RunningBot(server, app, sessions, settings, clock)
        finally:
            await stop_bot(app)
            await engine.dispose()
