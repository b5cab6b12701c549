"""Console mode: without a bot token, alerts and digests are printed instead of sent."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TextIO

from bot.deliver.render import html_to_plain
from bot.domain import Button, Subscriber
from bot.storage.db import Sessions
from bot.storage.subscribers import get_or_create_subscriber, get_subscriber
from bot.storage.subscriptions import add_subscription

CONSOLE_CHAT_ID = 0
RULE = "─" * 72


class ConsoleSender:
    """A `Sender` that writes each message to `stream` as readable text."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._next_id = 0

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        thread_id: int,
        html: bool,
        buttons: tuple[tuple[Button, ...], ...],
    ) -> int:
        body = html_to_plain(text) if html else text
        lines = [RULE, body]
        labels = [f"[{label}]" for row in buttons for label, _ in row]
        if labels:
            lines.append(" ".join(labels))
        print("\n".join(lines), file=self.stream, flush=True)
        self._next_id += 1
        return self._next_id


async def ensure_console_subscriber(sessions: Sessions, *, now: datetime) -> Subscriber:
    """The console's own subscriber: chat 0, subscribed to everything, instant alerts."""
    async with sessions.begin() as session:
        created = await get_or_create_subscriber(
            session,
            chat_id=CONSOLE_CHAT_ID,
            thread_id=0,
            chat_type="private",
            title="console",
            now=now,
        )
        await add_subscription(session, created.id, "all", now=now)
        found = await get_subscriber(session, chat_id=CONSOLE_CHAT_ID, thread_id=0)
    return found or created
