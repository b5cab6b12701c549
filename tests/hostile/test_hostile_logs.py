"""The bot token never reaches a log line, at any level, from any logger, in any spelling.

Before the fix, `CLAIMWATCH_LOG_LEVEL=DEBUG` logged "Set Bot API URL: …/bot<token>" from
python-telegram-bot, for a good token and for a rejected one alike.
"""

from __future__ import annotations

import io
import logging
import signal
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from botapi import BotApiServer
from runner import claimwatch, running, telegram_env
from timing import scaled

from bot.config import load_settings
from bot.logs import FORMAT, Redactor, install_secret_filter, settings_redactor

# Shaped like a real one: the bot's id, a colon, then 35 characters of secret.
TOKEN = "7312456890:AAHk3cZ9vLmN2pQrS8tUvWxYz-0123456_a"
SECRET = TOKEN.split(":")[1]
OPERATOR = 900


def leaks(text: str, token: str = TOKEN) -> list[str]:
    secret = token.split(":")[1]
    return [line for line in text.splitlines() if secret in line or quote(secret) in line]


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A parent logger with one handler, like the root; records come from a child logger."""
    parent = logging.getLogger("hostile_logs_root")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT + " %(url)s"))
    parent.addHandler(handler)
    parent.setLevel(logging.DEBUG)
    parent.propagate = False
    install_secret_filter(Redactor(TOKEN), parent)
    try:
        yield logging.getLogger("hostile_logs_root.telegram.ext.ExtBot"), stream
    finally:
        parent.removeHandler(handler)


def test_the_filter_redacts_arguments_tracebacks_and_extras(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    log, stream = logged
    url = f"http://127.0.0.1:1/bot{TOKEN}"
    log.debug("Set Bot API URL: %s", url, extra={"url": url})
    log.info("%d%% done, %s", 50, f"token={quote(TOKEN, safe='')}", extra={"url": "-"})
    log.warning("the secret alone: " + SECRET, extra={"url": "-"})
    log.info("too few arguments %s %s", TOKEN, extra={"url": "-"})
    try:
        raise RuntimeError(f"POST {url}/getMe failed")
    except RuntimeError:
        log.exception("call failed for %r", TOKEN, extra={"url": "-"})
    text = stream.getvalue()
    assert leaks(text) == []
    # Everything else is still there: the filter cuts the secret, not the record.
    assert "Set Bot API URL: http://127.0.0.1:1/bot<token> http://127.0.0.1:1/bot<token>" in text
    assert "50% done, token=<token>" in text
    assert "the secret alone: <token>" in text
    assert "too few arguments" in text
    assert "RuntimeError: POST http://127.0.0.1:1/bot<token>/getMe failed" in text
    assert "Traceback (most recent call last)" in text


def debug_env(tmp_path: Path, sqlite_url: str, token: str, api_url: str) -> dict[str, str]:
    return telegram_env(
        tmp_path,
        sqlite_url,
        token=token,
        api_url=api_url,
        admin=OPERATOR,
        CLAIMWATCH_LOG_LEVEL="DEBUG",
        PYTHONUNBUFFERED="1",
    )


def test_a_debug_run_with_a_failing_call_never_logs_the_token(
    tmp_path: Path, sqlite_url: str
) -> None:
    with BotApiServer(token=TOKEN) as server:
        log = tmp_path / "run.log"
        with running(tmp_path, debug_env(tmp_path, sqlite_url, TOKEN, server.url), log) as proc:
            server.push_message("/help", chat_id=42)
            server.wait_for_messages_sync(1, 42, timeout=90)
            # The next answer fails at the Bot API: the error path logs and tells operators.
            server.fail("sendMessage", 500)
            server.push_message("/help", chat_id=43)
            server.wait_for_sync(lambda: len(server.sent(OPERATOR)) >= 1, timeout=30)
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=scaled(20))
        told = "\n".join(m.text for m in server.sent(OPERATOR))
    output = log.read_text()
    assert code == 0, output[-3000:]
    assert leaks(output) == []
    # The operator's error message went out of the process, past the log filter: cut there too.
    assert "Error" in told and leaks(told) == []
    # It did log the Bot API at DEBUG (so a leak had the chance to happen) and the failure.
    assert "Set Bot API URL: " in output and "/bot<token>" in output
    assert "Calling Bot API endpoint `sendMessage`" in output
    assert "error while handling an update" in output


def test_a_rejected_token_at_debug_is_not_logged(tmp_path: Path, sqlite_url: str) -> None:
    wrong = "987654321:AAF0wrongTokenXYZabcdefghijklmnopq"
    with BotApiServer(token=TOKEN) as server:
        env = debug_env(tmp_path, sqlite_url, wrong, server.url)
        result = claimwatch(tmp_path, env, "run", timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert leaks(output, wrong) == []
    assert "Set Bot API URL: " in output and "/bot<token>" in output
    assert "Telegram rejected the bot token" in output


def test_the_webhook_secret_and_database_password_are_redacted_too() -> None:
    settings = load_settings(
        telegram_bot_token=TOKEN,
        database_url="postgresql://claimwatch:pg-Pa55word-x@db.internal/claimwatch",
        webhook_secret="hook-secret-0123456789",
        webhook_url="https://bot.example.org/telegram",
    )
    text = settings_redactor(settings).redact(
        f"connect claimwatch:pg-Pa55word-x@db; header hook-secret-0123456789; /bot{TOKEN}/getMe"
    )
    assert text == "connect claimwatch:<secret>@db; header <secret>; /bot<token>/getMe"
