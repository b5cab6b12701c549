"""`claimwatch digest` and `claimwatch deliveries` as an operator runs them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from deliveryworld import World

from bot.cli import main
from bot.storage.db import create_engine, create_sessions


async def seed(url: str) -> None:
    engine = create_engine(url)
    world = World(create_sessions(engine), now=datetime.now(UTC) - timedelta(minutes=5))
    await world.claim("visit", short="Trump visits Beijing")
    await world.chat(101)
    await world.development(
        "Visit <confirmed>", claims={"visit": "supports"}, link="https://n.example/v"
    )
    await engine.dispose()


def test_digest_dry_run_prints_and_changes_nothing_then_queues(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAIMWATCH_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    asyncio.run(seed(sqlite_url))

    assert main(["digest", "--chat", "101", "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert "Visit <confirmed> (https://n.example/v)" in printed
    assert "Trump visits Beijing [visit] — 1 supports" in printed
    assert main(["deliveries"]) == 0
    assert "pending 0  sent 0  dead 0" in capsys.readouterr().out

    assert main(["digest", "--chat", "101"]) == 0
    assert "Queued 1 message(s)" in capsys.readouterr().out
    assert main(["deliveries"]) == 0
    listing = capsys.readouterr().out
    assert "pending 1  sent 0  dead 0" in listing and "digest:101:0:now-" in listing
    # The period was closed: nothing new since.
    assert main(["digest", "--chat", "101", "--dry-run"]) == 0
    assert "Nothing new" in capsys.readouterr().out


def test_digest_for_an_unknown_chat_says_so(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAIMWATCH_DATABASE_URL", sqlite_url)
    assert main(["digest", "--chat", "999"]) == 1
    assert capsys.readouterr().out.strip() == "No subscriber with chat id 999 (topic 0)."
