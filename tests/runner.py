"""Running the `claimwatch` command in a child process, as an operator runs it.

    env = run_env(database_url, feeds, CLAIMWATCH_TICK_SECONDS="1")
    result = claimwatch(tmp_path, env, "run", timeout=120)   # runs to its end
    with running(tmp_path, env, tmp_path / "out.txt") as proc:  # `claimwatch run` in the background
        ...

Timeouts go through `timing.scaled`. bench/ scripts put tests/ on sys.path and use it too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from timing import scaled

ROOT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-m", "bot"]


def clean_environ() -> dict[str, str]:
    """This process's environment without any TELEGRAM_ or CLAIMWATCH_ setting of its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CLAIMWATCH_"))}


def run_env(database_url: str, feeds: Path, **extra: str) -> dict[str, str]:
    """`claimwatch run`'s environment: this database and feeds file, the shipped claims and the
    lexical matcher, then `extra` (which may replace any of them)."""
    return clean_environ() | {
        "CLAIMWATCH_DATABASE_URL": database_url,
        "CLAIMWATCH_FEEDS": str(feeds),
        "CLAIMWATCH_CLAIMS": str(ROOT / "claims.yaml"),
        "CLAIMWATCH_MATCHER": "lexical",
        **extra,
    }


def telegram_env(
    workdir: Path, database_url: str, *, token: str, api_url: str, admin: int, **extra: str
) -> dict[str, str]:
    """`claimwatch run` serving the bot: no feeds (an empty feeds.yaml is written in `workdir`),
    this token and Bot API server, `admin` its one operator."""
    feeds = workdir / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    return run_env(
        database_url,
        feeds,
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_URL=api_url,
        CLAIMWATCH_ADMIN_IDS=str(admin),
        **extra,
    )


def cli_env(database_url: str, feeds: Path, *, private: bool) -> dict[str, str]:
    """The environment of a one-off command (`feeds …`, `poll --once`): errors only in the log."""
    return {
        **os.environ,
        "CLAIMWATCH_DATABASE_URL": database_url,
        "CLAIMWATCH_FEEDS": str(feeds),
        "CLAIMWATCH_ALLOW_PRIVATE_FEEDS": "true" if private else "false",
        "CLAIMWATCH_LOG_LEVEL": "ERROR",
    }


def claimwatch(
    cwd: Path, env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`claimwatch ARGS…` run to its end, its output captured; fails after `scaled(timeout)`."""
    return subprocess.run(
        [*COMMAND, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=scaled(timeout),
        check=False,
    )


@contextmanager
def running(cwd: Path, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[str]]:
    """`claimwatch run` in the background, its output (stdout and log) written to `log`.

    The caller stops it; one still running when the block is left is killed."""
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [*COMMAND, "run"], cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, text=True
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
