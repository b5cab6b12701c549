"""`claimwatch run` with a token serves the bot from a separate process, via TELEGRAM_API_URL."""

from __future__ import annotations

import signal
from pathlib import Path

from botapi import BotApiServer
from botharness import OPERATOR, TOKEN
from runner import claimwatch, running, telegram_env
from timing import scaled


def test_run_serves_commands_against_the_stand_in_server(tmp_path: Path, sqlite_url: str) -> None:
    with BotApiServer(token=TOKEN) as server:
        env = telegram_env(tmp_path, sqlite_url, token=TOKEN, api_url=server.url, admin=OPERATOR)
        log = tmp_path / "run.log"
        with running(tmp_path, env, log) as proc:
            server.push_message("/subscribe trump-xi-visit", chat_id=42)
            [answer] = server.wait_for_messages_sync(1, 42, timeout=90)
            server.push_message("/status", chat_id=OPERATOR)
            [status] = server.wait_for_messages_sync(1, OPERATOR, timeout=30)
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=scaled(20))
    output = log.read_text()
    assert code == 0, output
    assert answer.text == "Subscribed to claim <code>trump-xi-visit</code>."
    assert "Subscribed chats: 1" in status.text
    assert [c["command"] for c in server.commands()][:2] == ["start", "help"]
    assert TOKEN not in output and "Traceback" not in output


def test_a_rejected_token_stops_run_with_one_sentence_and_no_token(
    tmp_path: Path, sqlite_url: str
) -> None:
    wrong = "987654:WRONG-token-zyxwvutsrq"
    with BotApiServer(token=TOKEN) as server:
        env = telegram_env(tmp_path, sqlite_url, token=wrong, api_url=server.url, admin=OPERATOR)
        result = claimwatch(tmp_path, env, "run", timeout=120)
    assert result.returncode == 1
    assert wrong not in result.stderr and wrong.split(":")[1] not in result.stderr
    assert "Traceback" not in result.stderr
    assert "Telegram rejected the bot token" in result.stderr
