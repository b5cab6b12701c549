"""claims.yaml validation: every problem names the file, the line and what is wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.claims_file import load_claims_file, parse_claims_text
from bot.errors import ConfigFileError

ROOT = Path(__file__).resolve().parents[1]

GOOD = """\
claims:
  - id: gas-deal
    short: Russia and China sign a gas deal
    theme: energy
    kind: forecast
    deadline: 2027-01-31
    text: Russia and China will sign a binding contract for a second Siberian pipeline.
    aliases: [Gazprom, CNPC]
    supports: [The pipeline contract is signed.]
    contradicts: [Talks on the pipeline collapse.]
    keywords:
      all:
        - [russia, gazprom]
        - pipeline
      none: [football]
    cues:
      support: [Signed]
      contradict: [stall, collapse]
"""


def test_a_complete_claim_is_read_with_every_field() -> None:
    (claim,) = parse_claims_text(GOOD)
    assert claim.id == "gas-deal"
    assert claim.kind == "forecast"
    assert claim.deadline == date(2027, 1, 31)
    assert claim.aliases == ("Gazprom", "CNPC")
    assert claim.keywords_all == (("russia", "gazprom"), ("pipeline",))
    assert claim.keywords_none == ("football",)
    assert claim.cues_support == ("signed",)
    assert claim.cues_contradict == ("stall", "collapse")


def test_the_shipped_claims_file_is_valid_and_rich() -> None:
    claims = load_claims_file(ROOT / "claims.yaml")
    assert len(claims) == 13
    for claim in claims:
        assert claim.short and len(claim.short) <= 60, claim.id
        assert len(claim.supports) >= 4 and len(claim.contradicts) >= 3, claim.id
        assert claim.keywords_all, claim.id


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("claims:\n  - id: x\n    theme: t\n    kind: assessment\n", 2, "missing 'text'"),
        ("claims:\n  - id: Bad Id\n    text: t\n    theme: t\n    kind: forecast\n", 2, "slug"),
        ("claims:\n  - id: a\n    text: t\n    theme: t\n    kind: guess\n", 5, "kind must be"),
        (
            "claims:\n  - id: a\n    text: t\n    theme: t\n    kind: forecast\n"
            "    deadline: soon\n",
            6,
            "deadline must be a date",
        ),
        (
            "claims:\n  - id: a\n    text: t\n    theme: t\n    kind: assessment\n"
            "    colour: red\n",
            6,
            "unknown key 'colour'",
        ),
        (
            "claims:\n  - id: a\n    text: t\n    theme: t\n    kind: assessment\n"
            "    supports: yes\n",
            6,
            "supports must be a list",
        ),
        (
            "claims:\n  - id: a\n    text: t\n    theme: t\n    kind: assessment\n"
            "  - id: a\n    text: u\n    theme: t\n    kind: assessment\n",
            6,
            "duplicate claim id 'a' (first on line 2)",
        ),
        ("claims:\n  - id: a\n    text: [t\n", 4, "invalid YAML"),
        ("- id: a\n", None, "top-level 'claims:' list"),
    ],
)
def test_problems_name_the_line(text: str, line: int | None, problem: str) -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse_claims_text(text, "claims.yaml")
    lines = [ln for ln, _ in caught.value.problems]
    assert line in lines
    assert problem in str(caught.value)
    assert str(caught.value).startswith("claims.yaml")


def test_every_problem_is_reported_at_once() -> None:
    text = (
        "claims:\n  - id: a\n    theme: t\n    kind: x\n"
        "  - id: b\n    text: t\n    kind: forecast\n"
    )
    with pytest.raises(ConfigFileError) as caught:
        parse_claims_text(text)
    assert len(caught.value.problems) == 3


def test_a_missing_file_is_one_clear_sentence(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="file not found"):
        load_claims_file(tmp_path / "claims.yaml")
