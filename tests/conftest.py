"""Shared fixtures: real databases (SQLite files, PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from botapi import BotApiServer
from botharness import RunningBot, running_bot, seed_claims
from feedserver import FeedServer
from hypothesis import HealthCheck, settings
from sqlalchemy import text
from sqlalchemy.engine import make_url
from timing import in_ci

from bot.storage.db import Sessions, create_engine, create_sessions
from bot.storage.migrate import upgrade_database
from bot.storage.models import Base

# Property tests never fail for being slow on a loaded machine; in CI they replay the same
# examples every run, so a red build is reproducible (locally they keep exploring).
settings.register_profile("local", suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", parent=settings.get_profile("local"), derandomize=True, database=None
)
settings.load_profile("ci" if in_ci() else "local")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Matchers built by the tests keep claim vectors in memory, not in a file in the working folder.
os.environ.setdefault("CLAIMWATCH_VECTOR_CACHE", "")

PG_ADMIN_URL = os.environ.get("CLAIMWATCH_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _pg_url(database: str) -> str:
    assert PG_ADMIN_URL
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg", database=database)
    return url.render_as_string(hide_password=False)


async def _pg_admin(statement: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    engine = create_engine(_pg_url(make_url(PG_ADMIN_URL or "").database or "test"))
    async with engine.connect() as plain:
        conn = await plain.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(statement))
    await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every test so each starts from `upgrade head`."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_database(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A private PostgreSQL database for this test process, migrated to head."""
    if not PG_ADMIN_URL:
        pytest.skip("CLAIMWATCH_TEST_DATABASE_URL is not set")
    name = f"claimwatch_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = _pg_url(name)
    upgrade_database(url)
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a SQLite file, then PostgreSQL when configured."""
    if request.param == "sqlite":
        path = tmp_path / "claimwatch.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    asyncio.run(_truncate_all(url))
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty SQLite database, for tests that are not about storage."""
    path = tmp_path / "claimwatch.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(database_url)
    yield create_sessions(engine)
    await engine.dispose()


@pytest.fixture
async def sqlite_sessions(sqlite_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(sqlite_url)
    yield create_sessions(engine)
    await engine.dispose()


# --- local servers the bot and the feed code talk to ----------------------------------------


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """The local feed server (tests/feedserver.py); `botapi` is the Telegram one."""
    with FeedServer() as running:
        yield running


@pytest.fixture
def botapi() -> Iterator[BotApiServer]:
    """The stand-in Bot API server (tests/botapi.py); modules override it to seed chats."""
    with BotApiServer() as server:
        yield server


@pytest.fixture
async def bot(botapi: BotApiServer, sqlite_url: str) -> AsyncIterator[RunningBot]:
    """The real bot against `botapi`, with the test claims seeded."""
    async with running_bot(botapi, sqlite_url) as running:
        await seed_claims(running.sessions)
        yield running
