"""`claimwatch match` and `claimwatch eval`: the output contract, without a database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]

ITEMS = [
    {
        "id": "a",
        "title": "Trump's China trip put off until autumn",
        "summary": "President Trump will not travel to Beijing in April after all; officials said "
        "the summit with Xi has been postponed.",
        "lang": "en",
        "labels": [{"claim": "trump-xi-visit", "stance": "contradicts"}],
    },
    {
        "id": "b",
        "title": "Manchester City sign Brazilian striker",
        "summary": "The club paid a record fee.",
        "labels": [],
    },
    {
        # Bears on the partnership claim, but not strongly enough to alert.
        "id": "d",
        "title": "Putin and Xi discuss energy in phone call",
        "summary": "The two leaders talked about gas supplies and trade.",
        "labels": [],
    },
    {
        "id": "c",
        "title": "Chinese exports to Russia slip as banks tighten payment checks",
        "summary": "Shipments of Chinese goods to Russia fell for a second month.",
        "labels": [{"claim": "russia-depends-on-china", "stance": "contradicts"}],
    },
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(argv: list[str]) -> int:
    return main([*argv, "--matcher", "lexical", "--claims", str(ROOT / "claims.yaml")])


def test_match_writes_one_line_per_item(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", [json.dumps(i) for i in ITEMS])
    out = tmp_path / "out.jsonl"
    assert _run(["match", "--input", str(source), "--output", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["a", "b", "d", "c"]
    assert records[1]["matches"] == []
    (first,) = [m for m in records[0]["matches"] if m["claim"] == "trump-xi-visit"]
    assert first["stance"] == "contradicts"
    assert 0.0 <= first["score"] <= 1.0
    assert first["why"]["sentence"] and first["why"]["shared_words"]
    for record in records:
        assert all(m["level"] == "alert" for m in record["matches"])


def test_match_all_lists_digest_level_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "in.jsonl", [json.dumps(i) for i in ITEMS])
    assert _run(["match", "--input", str(source)]) == 0
    alert_only = capsys.readouterr().out.splitlines()
    assert _run(["match", "--input", str(source), "--all"]) == 0
    everything = capsys.readouterr().out.splitlines()
    listed = {json.loads(line)["id"]: json.loads(line)["matches"] for line in everything}
    alerts = {json.loads(line)["id"]: json.loads(line)["matches"] for line in alert_only}
    assert alerts["d"] == []
    assert [(m["claim"], m["level"]) for m in listed["d"]] == [("partnership-strained", "digest")]
    assert all(m in listed["a"] for m in alerts["a"])


def test_bad_lines_are_reported_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(
        tmp_path / "in.jsonl", ["{not json", json.dumps({"id": "x"}), json.dumps(ITEMS[1])]
    )
    assert _run(["match", "--input", str(source)]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("skipped") == 2
    assert ":1: not valid JSON" in captured.err
    assert [json.loads(line)["id"] for line in captured.out.splitlines()] == ["b"]


def test_eval_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "dev.jsonl", [json.dumps(i) for i in ITEMS])
    assert _run(["eval", str(source)]) == 0
    out = capsys.readouterr().out
    assert "matcher: lexical   items: 4   unlabeled: 2" in out
    assert "F1 1.000   (gold 2, predicted 2, correct 2)" in out
    assert "stance on correct pairs: accuracy 1.000  macro-F1 1.000" in out
    assert "unlabeled items alerting: 0/2 (0.0%)" in out
    assert "trump-xi-visit" in out.split("claim ")[-1]


def test_eval_of_a_missing_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["eval", str(tmp_path / "nope.jsonl")]) == 1
    assert "cannot read the file" in capsys.readouterr().err
