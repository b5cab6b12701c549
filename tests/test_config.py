"""Settings: good values load, bad ones fail at start-up with one clear line each."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner import claimwatch

from bot.cli import main
from bot.config import EXAMPLES, ListenAddress, SettingsError, load_settings

TOKEN = "123456:ABCDEFGHIJKLMNOP"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Settings also read .env from the working directory; run where there is none.
    monkeypatch.chdir(tmp_path)
    for name in EXAMPLES:
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
        ("CLAIMWATCH_ADMIN_IDS", "-100123", "CLAIMWATCH_ADMIN_IDS: must be comma-separated"),
        ("CLAIMWATCH_WEBHOOK_LISTEN", "0.0.0.0", "CLAIMWATCH_WEBHOOK_LISTEN: must be HOST:PORT"),
        ("CLAIMWATCH_WEBHOOK_LISTEN", ":70000", "CLAIMWATCH_WEBHOOK_LISTEN: must be HOST:PORT"),
        ("CLAIMWATCH_WEBHOOK_LISTEN", "local host:80", "CLAIMWATCH_WEBHOOK_LISTEN: must be"),
        ("CLAIMWATCH_WEBHOOK_URL", "bot.example.org/hook", "CLAIMWATCH_WEBHOOK_URL: must start"),
        ("CLAIMWATCH_CONTACT_URL", "https://", "CLAIMWATCH_CONTACT_URL: must start"),
        ("CLAIMWATCH_WEBHOOK_SECRET", "has spaces", "CLAIMWATCH_WEBHOOK_SECRET: must be 1 to"),
        # Hostile: digits str.isdigit accepts but int() refuses or reads otherwise, ids past
        # 64 bits, and one past Python's 4,300-digit limit on int().
        ("CLAIMWATCH_ADMIN_IDS", "12,²", "CLAIMWATCH_ADMIN_IDS: must be comma-separated"),
        ("CLAIMWATCH_ADMIN_IDS", "١٢٣", "CLAIMWATCH_ADMIN_IDS: must be comma-separated"),
        ("CLAIMWATCH_ADMIN_IDS", "0", "CLAIMWATCH_ADMIN_IDS: must be comma-separated"),
        ("CLAIMWATCH_ADMIN_IDS", "9223372036854775808", "CLAIMWATCH_ADMIN_IDS: must be comma"),
        ("CLAIMWATCH_ADMIN_IDS", "9" * 5000, "CLAIMWATCH_ADMIN_IDS: must be comma-separated"),
        ("CLAIMWATCH_WEBHOOK_LISTEN", ":８４４３", "CLAIMWATCH_WEBHOOK_LISTEN: must be HOST:PORT"),
        ("TELEGRAM_API_URL", "http://127.0.0.1:8o81", "TELEGRAM_API_URL: is not a valid URL"),
        ("CLAIMWATCH_CONTACT_URL", "https://[::1/x", "CLAIMWATCH_CONTACT_URL: is not a valid"),
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


def test_the_largest_64_bit_admin_id_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMWATCH_ADMIN_IDS", "9223372036854775807, 0042")
    assert load_settings().admin_ids == frozenset({2**63 - 1, 42})


@pytest.mark.parametrize(
    "token",
    [
        "12²:ABCDEFGHIJKLMNOP",  # "²" is a digit to str.isdigit
        "١٢٣:ABCDEFGHIJKLMNOP",  # Arabic-Indic digits
        ":ABCDEFGHIJKLMNOP",
        "123456:short",
        "123456:ABCDEFGH/../IJKLMNOP",  # would change the path of every Bot API URL
        "123456:ABCDEFGH IJKLMNOP",
        "123456:ABCDEFGH?x=IJKLMNOP",
        "123456:ABCDEFGHIJKLMNOP\n7",
        "123456:" + "A" * 5000,
    ],
)
def test_a_malformed_token_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    with pytest.raises(SettingsError) as err:
        load_settings()
    [line] = str(err.value).splitlines()
    assert line.startswith("TELEGRAM_BOT_TOKEN: does not look like a bot token")
    assert token.partition(":")[2] not in line


def test_a_webhook_url_with_a_port_past_65535_names_the_variable() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(
            TELEGRAM_BOT_TOKEN=TOKEN, CLAIMWATCH_WEBHOOK_URL="https://bot.example.org:99999/h"
        )
    [line] = str(err.value).splitlines()
    assert line.startswith("CLAIMWATCH_WEBHOOK_URL: is not a valid URL: Port out of range")


def test_every_bad_variable_gets_its_own_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMWATCH_TICK_SECONDS", "-5")
    monkeypatch.setenv("CLAIMWATCH_PER_HOST_LIMIT", "many")
    with pytest.raises(SettingsError) as err:
        load_settings()
    names = sorted(line.split(":")[0] for line in str(err.value).splitlines())
    assert names == ["CLAIMWATCH_PER_HOST_LIMIT", "CLAIMWATCH_TICK_SECONDS"]


def only(env: dict[str, str]) -> dict[str, str]:
    """A child's environment with only `env` set (and a PATH)."""
    return {"PATH": "/usr/bin:/bin", **env}


def test_cli_refuses_to_start_with_bad_settings(tmp_path: Path) -> None:
    result = claimwatch(tmp_path, only({"CLAIMWATCH_TICK_SECONDS": "soon"}), "db", "upgrade")
    assert result.returncode == 2
    assert "CLAIMWATCH_TICK_SECONDS" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.0.0.0:8443", ListenAddress("0.0.0.0", 8443)),
        ("127.0.0.1:80", ListenAddress("127.0.0.1", 80)),
        (":8443", ListenAddress("0.0.0.0", 8443)),
        ("[::1]:8443", ListenAddress("::1", 8443)),
        ("bot.internal:65535", ListenAddress("bot.internal", 65535)),
    ],
)
def test_listen_address_is_parsed_at_load(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: ListenAddress
) -> None:
    monkeypatch.setenv("CLAIMWATCH_WEBHOOK_LISTEN", value)
    assert load_settings().webhook_listen == expected


def test_webhook_secret_may_be_unset_and_is_then_made_at_start() -> None:
    settings = load_settings(
        TELEGRAM_BOT_TOKEN=TOKEN, CLAIMWATCH_WEBHOOK_URL="https://bot.example.org/hook"
    )
    assert settings.webhook_secret is None
    assert settings.webhook_url == "https://bot.example.org/hook"


def test_a_self_hosted_bot_api_may_call_plain_http_on_any_port() -> None:
    settings = load_settings(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:8081",
        CLAIMWATCH_WEBHOOK_URL="http://127.0.0.1:9000/hook",
    )
    assert settings.webhook_url == "http://127.0.0.1:9000/hook"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"CLAIMWATCH_WEBHOOK_LISTEN": "8443x"},
            "claimwatch: CLAIMWATCH_WEBHOOK_LISTEN: must be HOST:PORT with a port from 1 to "
            "65535, not '8443x' (for example: 0.0.0.0:8443)",
        ),
        (
            {"CLAIMWATCH_WEBHOOK_URL": "https://bot.example.org/hook"},
            "claimwatch: CLAIMWATCH_WEBHOOK_URL: is set but TELEGRAM_BOT_TOKEN is not",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "CLAIMWATCH_WEBHOOK_URL": "http://bot.example.org/h"},
            "claimwatch: CLAIMWATCH_WEBHOOK_URL: api.telegram.org calls only https:// URLs",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "CLAIMWATCH_WEBHOOK_URL": "https://bot.example.org:9/"},
            "claimwatch: CLAIMWATCH_WEBHOOK_URL: api.telegram.org calls only https:// URLs",
        ),
        ({"CLAIMWATCH_SEND_RATE": "fast"}, "claimwatch: CLAIMWATCH_SEND_RATE: Input should be"),
    ],
)
@pytest.mark.parametrize("command", [["run"], ["db", "upgrade"], ["feeds", "list"]])
def test_cli_stops_on_bad_settings_before_touching_the_database(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    tmp_path: Path,
    env: dict[str, str],
    expected: str,
    command: list[str],
) -> None:
    database = tmp_path / "claimwatch.db"
    monkeypatch.setenv("CLAIMWATCH_DATABASE_URL", f"sqlite:///{database}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(expected)
    assert "(for example: " in line
    assert not database.exists()  # no migration ran


def test_cli_reports_every_bad_variable_on_its_own_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAIMWATCH_WEBHOOK_LISTEN", "nowhere")
    monkeypatch.setenv("CLAIMWATCH_ADMIN_IDS", "me")
    assert main(["db", "upgrade"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert sorted(line.split(":")[1].strip() for line in lines) == [
        "CLAIMWATCH_ADMIN_IDS",
        "CLAIMWATCH_WEBHOOK_LISTEN",
    ]
    assert all(line.startswith("claimwatch: ") for line in lines)


def test_run_with_a_bad_listen_address_exits_before_migrating(tmp_path: Path) -> None:
    database = tmp_path / "claimwatch.db"
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "CLAIMWATCH_DATABASE_URL": f"sqlite:///{database}",
        "CLAIMWATCH_WEBHOOK_URL": "https://bot.example.org/telegram",
        "CLAIMWATCH_WEBHOOK_LISTEN": "0.0.0.0:http",
    }
    result = claimwatch(tmp_path, only(env), "run")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "claimwatch: CLAIMWATCH_WEBHOOK_LISTEN: must be HOST:PORT with a port from 1 to 65535, "
        "not '0.0.0.0:http' (for example: 0.0.0.0:8443)"
    )
    assert result.stdout == ""
    assert not database.exists()


def test_an_unreadable_env_file_is_one_line_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_bytes(b"CLAIMWATCH_LOG_LEVEL=\xff\xfe\n")
    assert main(["db", "upgrade"]) == 2
    assert capsys.readouterr().err == "claimwatch: .env: not UTF-8 text; save it as UTF-8\n"
