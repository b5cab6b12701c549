"""The hybrid matcher with the real all-MiniLM-L6-v2, loaded offline from its package, once."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from match_cases import CONTRADICTING, MATCHED, SILENT

from bot.claims_file import load_claims_file
from bot.cli.matching import read_items
from bot.config import load_settings
from bot.match.embed import MiniLMEmbedder
from bot.match.evaluate import evaluate
from bot.match.features import ItemText
from bot.match.service import Matcher, load_matcher

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def matcher(embedder: MiniLMEmbedder) -> Matcher:
    return Matcher(load_claims_file(ROOT / "claims.yaml"), embedder)


def test_the_model_reads_meaning_not_just_words(embedder: MiniLMEmbedder) -> None:
    a, b, c = embedder.encode(
        [
            "The president will travel to Beijing next month.",
            "Trump plans a trip to China in the coming weeks.",
            "Heavy rain flooded the streets of Lisbon.",
        ]
    )
    assert np.isclose(np.linalg.norm(a), 1.0, atol=1e-4)
    assert float(a @ b) > float(a @ c) + 0.3


@pytest.mark.parametrize(("item", "claim_id", "stance"), MATCHED)
def test_paraphrases_are_matched(
    matcher: Matcher, item: ItemText, claim_id: str, stance: str | None
) -> None:
    (matches,) = matcher.score_items([item])
    match = next(m for m in matches if m.claim_id == claim_id)
    assert match.level == "alert"
    assert match.why.semantic > 0.4
    assert match.why.matched_text


@pytest.mark.parametrize(("item", "claim_id"), CONTRADICTING)
def test_postponed_and_negated_forecasts_contradict(
    matcher: Matcher, item: ItemText, claim_id: str
) -> None:
    (matches,) = matcher.score_items([item])
    match = next(m for m in matches if m.claim_id == claim_id)
    assert (match.level, match.stance) == ("alert", "contradicts")


def test_a_confirmed_visit_supports_the_forecast(matcher: Matcher) -> None:
    (matches,) = matcher.score_items(
        [
            ItemText(
                "Trump lands in Beijing for talks with Xi",
                "Air Force One arrived in the Chinese capital on Tuesday evening, where the US "
                "president was greeted by China's vice-president.",
            )
        ]
    )
    match = next(m for m in matches if m.claim_id == "trump-xi-visit")
    assert (match.level, match.stance) == ("alert", "supports")


def test_unrelated_news_is_silent(matcher: Matcher) -> None:
    for matches in matcher.score_items(SILENT):
        assert [m for m in matches if m.level == "alert"] == []


async def test_load_matcher_follows_the_setting() -> None:
    claims = load_claims_file(ROOT / "claims.yaml")
    lexical = await load_matcher(load_settings(CLAIMWATCH_MATCHER="lexical"), claims)
    assert lexical.mode == "lexical" and lexical.embedder is None


def test_handwritten_news_is_matched_well_and_unrelated_news_stays_silent(
    matcher: Matcher,
) -> None:
    # Our own items, worded unlike the claims file; a floor, not the product's target.
    items, problems = read_items(ROOT / "tests" / "data" / "handwritten.jsonl")
    assert not problems
    report = evaluate(matcher, items)
    assert report.pairs.f1 >= 0.7
    assert report.pairs.precision >= 0.8
    assert report.unlabeled_alerting == 0
    assert report.stance_accuracy >= 0.8


def test_repeated_sentences_get_the_same_vector(embedder: MiniLMEmbedder) -> None:
    first = embedder.encode(["Wire copy repeated by two feeds.", "Another line."])
    again = embedder.encode(["A new line.", "Wire copy repeated by two feeds.", "A new line."])
    assert np.allclose(first[0], again[1])
    assert np.allclose(again[0], again[2])
    assert embedder.encode([]).shape == (0, 384)
