"""`claimwatch claims …` against a real SQLite database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.database import open_database
from bot.config import load_settings
from bot.domain import Claim
from bot.storage.claims import list_claims

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMWATCH_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CLAIMWATCH_CLAIMS", str(ROOT / "claims.yaml"))


def test_sync_list_add_edit_show_retire(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", "sync"]) == 0
    assert "13 added" in capsys.readouterr().out
    assert main(["claims", "list"]) == 0
    listing = capsys.readouterr().out
    assert "trump-xi-visit" in listing and "Trump visits Xi in China" in listing

    assert (
        main(
            [
                "claims",
                "add",
                "gas-deal",
                "--text",
                "Russia and China sign a pipeline deal.",
                "--theme",
                "energy",
                "--kind",
                "forecast",
                "--support",
                "The contract is signed.",
            ]
        )
        == 0
    )
    assert main(["claims", "edit", "gas-deal", "--text", "Russia and China sign it in 2027."]) == 0
    assert "version 2" in capsys.readouterr().out
    assert main(["claims", "show", "gas-deal"]) == 0
    shown = capsys.readouterr().out
    assert "gas-deal (v2, forecast, theme energy)" in shown
    assert "Russia and China sign it in 2027." in shown
    assert "1 support, 0 contradict" in shown
    assert "evidence: no evidence yet" in shown

    assert main(["claims", "retire", "gas-deal"]) == 0
    assert "retired gas-deal" in capsys.readouterr().out
    assert main(["claims", "list"]) == 0
    assert "gas-deal" not in capsys.readouterr().out
    assert main(["claims", "list", "--all"]) == 0
    assert "(retired)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["claims", "show", "nope"], "no claim with id 'nope'"),
        (["claims", "retire", "nope"], "no claim with id 'nope'"),
        (["claims", "add", "Bad Id", "--text", "x", "--theme", "t"], "must be a lowercase slug"),
        (["claims", "add", "ok", "--text", "x", "--theme", "Not A Slug"], "must be a lowercase"),
        (["claims", "edit", "nope"], "nothing to change"),
        (
            ["claims", "add", "ok", "--text", "x", "--theme", "t", "--keywords", " , ,"],
            "a keyword group needs at least one word",
        ),
        (
            ["claims", "add", "ok", "--text", "x", "--theme", "t"] + ["--keywords", "a"] * 7,
            "at most 6 keyword groups",
        ),
        (
            ["claims", "add", "ok", "--text", "x", "--theme", "t", "--keywords", "w" * 61],
            "at most 60 words of at most 60 characters",
        ),
    ],
)
def test_mistakes_get_one_clear_sentence(
    env: None, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_adding_an_existing_id_is_refused(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["claims", "sync"]) == 0
    argv = ["claims", "add", "trump-xi-visit", "--text", "x", "--theme", "t"]
    assert main(argv) == 1
    assert "already exists" in capsys.readouterr().err


def test_keyword_groups_from_the_command_line_reach_the_claim(
    env: None, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["claims", "add", "gas-deal", "--text", "Russia and China sign a gas deal."]
    argv += ["--theme", "energy", "--keywords", "Russia, Moscow", "--keywords", "china,beijing"]
    argv += ["--keywords", "gas,pipeline,power of siberia"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["claims", "edit", "gas-deal", "--keywords", "russia", "--keywords", "china"]) == 0
    assert "version 2" in capsys.readouterr().out
    claims = asyncio.run(_claims(sqlite_url))
    assert claims["gas-deal"].keywords_all == (("russia",), ("china",))


async def _claims(url: str) -> dict[str, Claim]:
    settings = load_settings().model_copy(update={"database_url": url})
    async with open_database(settings) as sessions, sessions() as session:
        return {c.id: c for c in await list_claims(session)}
