"""What every handler needs, passed in explicitly instead of fished out of `bot_data`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from bot.clock import utc_now
from bot.config import Settings
from bot.storage.db import Sessions


@dataclass(frozen=True, slots=True)
class BotContext:
    """Settings, storage and the callables the composition root wires in.

    `client` fetches feeds for /addfeed; `poll_now` runs one feed tick and returns a one-line
    summary (None where this process does not poll); `clock` is the handlers' only clock.
    """

    settings: Settings
    sessions: Sessions
    client: httpx.AsyncClient
    poll_now: Callable[[], Awaitable[str]] | None = None
    clock: Callable[[], datetime] = field(default=utc_now)
