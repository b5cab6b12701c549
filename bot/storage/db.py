"""Engine and session factory; SQLite gets WAL and foreign keys, PostgreSQL a pool."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

Sessions = async_sessionmaker[AsyncSession]


def is_sqlite(where: str | AsyncEngine | AsyncSession | Sessions) -> bool:
    """Which database this is: SQLite (one writer, no SKIP LOCKED) or else PostgreSQL, from a
    URL, an engine, a session or a session factory. A factory bound to nothing counts as
    SQLite, the cautious answer."""
    if isinstance(where, str):
        return make_url(where).get_backend_name() == "sqlite"
    if isinstance(where, AsyncSession):
        return where.get_bind().dialect.name == "sqlite"
    if isinstance(where, AsyncEngine):
        return where.dialect.name == "sqlite"
    bind = where.kw.get("bind")
    return bind is None or bind.dialect.name == "sqlite"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Build the async engine for `url` with the per-backend settings ClaimWatch relies on."""
    if is_sqlite(url):
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 30}, pool_pre_ping=False
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the bot read while a tick writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def dialect_insert(session: AsyncSession) -> Any:
    """The backend's INSERT construct, which has `on_conflict_do_nothing` on both."""
    return sqlite.insert if is_sqlite(session) else postgresql.insert


def create_sessions(engine: AsyncEngine) -> Sessions:
    return async_sessionmaker(engine, expire_on_commit=False)


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
