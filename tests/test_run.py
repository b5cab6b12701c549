"""`claimwatch run` as an operator starts it: console mode, bad config files, clean stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

import pytest
from feedserver import FeedServer

ROOT = Path(__file__).resolve().parents[1]


def run_env(database_url: str, feeds: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CLAIMWATCH_"))}
    env |= {
        "CLAIMWATCH_DATABASE_URL": database_url,
        "CLAIMWATCH_FEEDS": str(feeds),
        "CLAIMWATCH_CLAIMS": str(ROOT / "claims.yaml"),
        "CLAIMWATCH_MATCHER": "lexical",
        "CLAIMWATCH_TICK_SECONDS": "1",
        "CLAIMWATCH_ALLOW_PRIVATE_FEEDS": "true",
        "PYTHONUNBUFFERED": "1",
    }
    return env


def start_run(cwd: Path, env: dict[str, str], sink: TextIO) -> subprocess.Popen[str]:
    """`claimwatch run` in the background, its output (stdout and log) going to `sink`."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=cwd,
        env=env,
        stdout=sink,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(path: Path, text: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text() if path.exists() else ""
        if text in content:
            return content
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear within {timeout}s in:\n{content}")


def test_invalid_feeds_file_refuses_to_start_and_names_the_line(
    tmp_path: Path, sqlite_url: str
) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - url: https://example.org/rss\n    interval: soon\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=run_env(sqlite_url, feeds),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert f"{feeds}:3:" in result.stderr
    assert "interval" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_claims_file_refuses_to_start(tmp_path: Path, sqlite_url: str) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - url: https://example.org/rss\n")
    claims = tmp_path / "claims.yaml"
    claims.write_text("claims:\n  - id: Not A Slug\n    text: x\n")
    env = run_env(sqlite_url, feeds) | {"CLAIMWATCH_CLAIMS": str(claims)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert str(claims) in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_console_mode_prints_alerts_and_stops_cleanly(
    tmp_path: Path, database_url: str, stop_signal: signal.Signals
) -> None:
    with FeedServer() as server:
        server.feed("/wire.xml", items=2, title="Wire")
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(
            f"feeds:\n  - url: {server.url('/wire.xml')}\n    name: Wire\n    interval: 1s\n"
            f"  - url: {server.url('/broken.xml')}\n    name: Broken\n    interval: 1s\n"
        )
        server.status("/broken.xml", 500)
        out = tmp_path / "out.txt"
        with out.open("w") as sink:
            proc = start_run(tmp_path, run_env(database_url, feeds), sink)
            try:
                # The first poll is backlog: nothing is alerted from it.
                wait_for(out, "claimwatch is running")
                deadline = time.monotonic() + 30
                while len(server.hits("/wire.xml")) < 1 and time.monotonic() < deadline:
                    time.sleep(0.2)
                time.sleep(1.5)
                server.feed(
                    "/wire.xml",
                    items=2,
                    title="Wire",
                    extra_items=[
                        "<item><title>Trump postpones his April visit to Beijing</title>"
                        "<link>https://news.example.org/trump-trip-delay</link>"
                        "<guid>trip-delay</guid><description>The White House said the "
                        "president's trip to China to meet Xi Jinping has been put off "
                        "indefinitely.</description></item>"
                    ],
                )
                text = wait_for(out, "https://news.example.org/trump-trip-delay")
                assert "trump-xi-visit" in text
                started = time.monotonic()
                proc.send_signal(stop_signal)
                code = proc.wait(timeout=15)
                elapsed = time.monotonic() - started
            finally:
                if proc.poll() is None:
                    proc.kill()
        log = out.read_text()
        assert code == 0, log
        assert elapsed < 10
        assert "Traceback" not in log
        # The broken feed was recorded and did not stop anything.
        assert len(server.hits("/broken.xml")) >= 1


def test_a_claim_added_from_the_shell_is_matched_by_the_running_bot(
    tmp_path: Path, sqlite_url: str
) -> None:
    with FeedServer() as server:
        server.feed("/wire.xml", items=1, title="Wire")
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(f"feeds:\n  - url: {server.url('/wire.xml')}\n    interval: 1s\n")
        env = run_env(sqlite_url, feeds)
        out = tmp_path / "out.txt"
        with out.open("w") as sink:
            proc = start_run(tmp_path, env, sink)
            try:
                wait_for(out, "claimwatch is running")
                added = subprocess.run(
                    [sys.executable, "-m", "bot", "claims", "add", "arctic-shipping",
                     "--theme", "russia-china-trade", "--kind", "forecast",
                     "--text", "Russia and China will expand shipping on the Northern Sea Route.",
                     "--support", "Chinese container ships sail the Northern Sea Route to Russia."],
                    cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
                )  # fmt: skip
                assert added.returncode == 0, added.stderr
                wait_for(out, "claims changed: rebuilding the matcher")
                server.feed(
                    "/wire.xml",
                    items=1,
                    title="Wire",
                    extra_items=[
                        "<item><title>Chinese container ship completes Northern Sea Route voyage"
                        "</title><link>https://news.example.org/arctic</link><guid>arctic</guid>"
                        "<description>The vessel reached Arkhangelsk via the Arctic route as "
                        "Moscow and Beijing expand shipping.</description></item>"
                    ],
                )
                text = wait_for(out, "https://news.example.org/arctic")
                assert "arctic-shipping" in text
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=15)
