"""`claimwatch run` as an operator starts it: console mode, bad config files, clean stops."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from feedserver import FeedServer
from runner import claimwatch, run_env, running
from timing import scaled


def console_env(database_url: str, feeds: Path) -> dict[str, str]:
    """Console mode (no token), a 1 s tick, feeds on this machine allowed, output unbuffered."""
    return run_env(
        database_url,
        feeds,
        CLAIMWATCH_TICK_SECONDS="1",
        CLAIMWATCH_ALLOW_PRIVATE_FEEDS="true",
        PYTHONUNBUFFERED="1",
    )


def wait_for(path: Path, text: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + scaled(timeout)
    while time.monotonic() < deadline:
        content = path.read_text() if path.exists() else ""
        if text in content:
            return content
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear within {scaled(timeout)}s in:\n{content}")


def wait_hits(server: FeedServer, path: str, count: int, timeout: float = 30) -> None:
    """Wait until the feed server has answered `count` requests for `path` in all."""
    deadline = time.monotonic() + scaled(timeout)
    while len(server.hits(path)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{path} was requested {len(server.hits(path))} times, not {count}"
            )
        time.sleep(0.05)


def test_invalid_feeds_file_refuses_to_start_and_names_the_line(
    tmp_path: Path, sqlite_url: str
) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - url: https://example.org/rss\n    interval: soon\n")
    result = claimwatch(tmp_path, console_env(sqlite_url, feeds), "run", timeout=120)
    assert result.returncode == 2
    assert f"{feeds}:3:" in result.stderr
    assert "interval" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_claims_file_refuses_to_start(tmp_path: Path, sqlite_url: str) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - url: https://example.org/rss\n")
    claims = tmp_path / "claims.yaml"
    claims.write_text("claims:\n  - id: Not A Slug\n    text: x\n")
    env = console_env(sqlite_url, feeds) | {"CLAIMWATCH_CLAIMS": str(claims)}
    result = claimwatch(tmp_path, env, "run", timeout=120)
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
        with running(tmp_path, console_env(database_url, feeds), out) as proc:
            # The first poll is backlog: nothing is alerted from it. A second request
            # means the first poll has been stored, so what is served next is news.
            wait_for(out, "claimwatch is running")
            wait_hits(server, "/wire.xml", 2)
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
            proc.send_signal(stop_signal)
            # Inside the 10 s a service manager grants between SIGTERM and SIGKILL.
            code = proc.wait(timeout=scaled(10))
        log = out.read_text()
        assert code == 0, log
        assert "stopping: letting work in flight finish" in log and "stopped" in log
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
        env = console_env(sqlite_url, feeds)
        out = tmp_path / "out.txt"
        with running(tmp_path, env, out) as proc:
            try:
                wait_for(out, "claimwatch is running")
                added = claimwatch(
                    tmp_path, env, "claims", "add", "arctic-shipping",
                    "--theme", "russia-china-trade", "--kind", "forecast",
                    "--text", "Russia and China will expand shipping on the Northern Sea Route.",
                    "--support", "Chinese container ships sail the Northern Sea Route to Russia.",
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
                proc.wait(timeout=scaled(15))
