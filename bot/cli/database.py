"""The database a CLI command works on, migrated to the current schema first."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.config import Settings
from bot.storage.db import Sessions, create_engine, create_sessions
from bot.storage.migrate import upgrade_database_async


@contextlib.asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Sessions]:
    """Sessions on the configured database, migrated to the current schema first."""
    await upgrade_database_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        yield create_sessions(engine)
    finally:
        await engine.dispose()
