"""`claimwatch run` with a token serves the bot from a separate process, via TELEGRAM_API_URL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from botapi import BotApiServer
from botharness import OPERATOR, TOKEN

ROOT = Path(__file__).resolve().parents[1]


def run_env(tmp_path: Path, sqlite_url: str, *, token: str, api_url: str) -> dict[str, str]:
    """`claimwatch run`'s environment: no feeds, the shipped claims, this token and server."""
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CLAIMWATCH_"))}
    return env | {
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_URL": api_url,
        "CLAIMWATCH_DATABASE_URL": sqlite_url,
        "CLAIMWATCH_FEEDS": str(feeds),
        "CLAIMWATCH_CLAIMS": str(ROOT / "claims.yaml"),
        "CLAIMWATCH_MATCHER": "lexical",
        "CLAIMWATCH_ADMIN_IDS": str(OPERATOR),
    }


def test_run_serves_commands_against_the_stand_in_server(tmp_path: Path, sqlite_url: str) -> None:
    with BotApiServer(token=TOKEN) as server:
        env = run_env(tmp_path, sqlite_url, token=TOKEN, api_url=server.url)
        log = tmp_path / "run.log"
        with log.open("w") as sink:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=tmp_path,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
            try:
                server.push_message("/subscribe trump-xi-visit", chat_id=42)
                [answer] = server.wait_for_messages_sync(1, 42, timeout=90)
                server.push_message("/status", chat_id=OPERATOR)
                [status] = server.wait_for_messages_sync(1, OPERATOR, timeout=30)
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(timeout=20)
            finally:
                if proc.poll() is None:
                    proc.kill()
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
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=run_env(tmp_path, sqlite_url, token=wrong, api_url=server.url),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1
    assert wrong not in result.stderr and wrong.split(":")[1] not in result.stderr
    assert "Traceback" not in result.stderr
    assert "Telegram rejected the bot token" in result.stderr
