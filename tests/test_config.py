"""Settings: good values load, bad ones fail at start-up with one clear line each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Settings also read .env from the working directory; run where there is none.
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "CLAIMWATCH_DATABASE_URL", "CLAIMWATCH_ADMIN_IDS"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_mean_console_mode_on_sqlite() -> None:
    settings = load_settings()
    assert settings.console_mode
    assert settings.database_url == "sqlite+aiosqlite:///claimwatch.db"
    assert settings.admin_ids == frozenset()


def test_values_are_read_from_env_and_dotenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("CLAIMWATCH_ADMIN_IDS=1, 22 ,333\n")
    monkeypatch.setenv("CLAIMWATCH_DATABASE_URL", "postgresql://bot@db.internal/claimwatch")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABCDEFGHIJKLMNOP")
    settings = load_settings()
    assert settings.admin_ids == frozenset({1, 22, 333})
    assert settings.database_url == "postgresql+asyncpg://bot@db.internal/claimwatch"
    assert not settings.console_mode
    assert settings.token == "123456:ABCDEFGHIJKLMNOP"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("CLAIMWATCH_ADMIN_IDS", "alice,bob", "CLAIMWATCH_ADMIN_IDS: must be comma-separated"),
        ("CLAIMWATCH_TICK_SECONDS", "0", "CLAIMWATCH_TICK_SECONDS: Input should be greater"),
        ("CLAIMWATCH_MATCHER", "magic", "CLAIMWATCH_MATCHER: Input should be 'hybrid' or"),
        ("CLAIMWATCH_DATABASE_URL", "mysql://x/y", "CLAIMWATCH_DATABASE_URL: must be a sqlite"),
        ("TELEGRAM_API_URL", "api.telegram.org", "TELEGRAM_API_URL: must start with http"),
        ("CLAIMWATCH_ALLOW_PRIVATE_FEEDS", "perhaps", "CLAIMWATCH_ALLOW_PRIVATE_FEEDS: Input"),
    ],
)
def test_bad_value_names_variable_and_gives_example(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    lines = str(err.value).splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(expected)
    assert "for example:" in lines[0]


def test_bad_token_is_reported_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token-secret-value")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "TELEGRAM_BOT_TOKEN" in str(err.value)
    assert "not-a-token-secret-value" not in str(err.value)


def test_every_bad_variable_gets_its_own_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMWATCH_TICK_SECONDS", "-5")
    monkeypatch.setenv("CLAIMWATCH_PER_HOST_LIMIT", "many")
    with pytest.raises(SettingsError) as err:
        load_settings()
    names = sorted(line.split(":")[0] for line in str(err.value).splitlines())
    assert names == ["CLAIMWATCH_PER_HOST_LIMIT", "CLAIMWATCH_TICK_SECONDS"]


def test_cli_refuses_to_start_with_bad_settings(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        env={"CLAIMWATCH_TICK_SECONDS": "soon", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "CLAIMWATCH_TICK_SECONDS" in result.stderr
    assert "Traceback" not in result.stderr
