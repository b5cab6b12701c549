"""Scoring with the lexical matcher (no model): hand-written cases, keyword gates, stance cues."""

from __future__ import annotations

from pathlib import Path

import pytest
from match_cases import CONTRADICTING, MATCHED, SILENT

from bot.claims_file import load_claims_file
from bot.domain import Claim
from bot.match.features import Features, ItemText
from bot.match.language import is_english
from bot.match.score import Weights
from bot.match.service import Matcher
from bot.match.stance import decide_stance
from bot.match.tokens import KeywordView

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_claims_file(ROOT / "claims.yaml"), None)


@pytest.mark.parametrize(("item", "claim_id", "stance"), MATCHED)
def test_paraphrases_are_matched(
    matcher: Matcher, item: ItemText, claim_id: str, stance: str | None
) -> None:
    (matches,) = matcher.score_items([item])
    alerts = {m.claim_id: m for m in matches if m.level == "alert"}
    assert claim_id in alerts
    assert 0.0 <= alerts[claim_id].score <= 1.0


@pytest.mark.parametrize(("item", "claim_id"), CONTRADICTING)
def test_postponed_and_negated_forecasts_contradict(
    matcher: Matcher, item: ItemText, claim_id: str
) -> None:
    (matches,) = matcher.score_items([item])
    match = next(m for m in matches if m.claim_id == claim_id)
    assert match.stance == "contradicts"


@pytest.mark.parametrize("item", SILENT)
def test_unrelated_news_is_silent(matcher: Matcher, item: ItemText) -> None:
    (matches,) = matcher.score_items([item])
    assert [m for m in matches if m.level == "alert"] == []


def test_evidence_names_the_shared_words(matcher: Matcher) -> None:
    item, claim_id, _ = MATCHED[1]
    (matches,) = matcher.score_items([item])
    match = next(m for m in matches if m.claim_id == claim_id)
    assert {"chinese", "russian"} <= set(match.why.shared_words)
    assert match.why.sentence


def test_a_none_keyword_rules_an_item_out() -> None:
    claim = Claim(
        id="derby",
        text="Moscow and Beijing trade grows",
        theme="t",
        kind="assessment",
        keywords_all=(("moscow",), ("beijing",)),
        keywords_none=("football",),
    )
    # One claim gives BM25 nothing to contrast with, so lean on the gate alone here.
    matcher = Matcher(
        [claim], None, weights=Weights(bias=-1.0, semantic=0.0, lexical=1.0, gate=3.0)
    )
    plain, football = matcher.score_items(
        [
            ItemText(
                "Moscow and Beijing trade grows again", "Trade between Moscow and Beijing grew."
            ),
            ItemText("Moscow and Beijing trade grows again", "A football friendly in Beijing."),
        ]
    )
    assert plain and not football


@pytest.mark.parametrize(
    ("text", "keyword", "found"),
    [
        ("The summit was postponed.", "postpone", True),
        ("The summit was postponed.", "postpon*", True),
        ("The summit was postponed.", "pone", False),
        ("Banks tightened checks", "ban", False),
        ("Beijing banned the exports", "ban", True),
        ("Generals issued a warning", "war", False),
        ("Users complained", "us", False),
        ("Allies met in Paris", "ally", True),
        ("Talks were pushed back a week", "pushed back", True),
        ("Talks were pushed backwards", "pushed back", False),
        ("Trump’s trip", "trump's trip", True),
        ("习近平同特朗普通电话", "特朗普", True),
        ("Визит отложен", "визит", True),
        ("Визита не будет", "визит", True),
    ],
)
def test_keywords_match_words_and_their_endings(text: str, keyword: str, found: bool) -> None:
    assert KeywordView.of(text).has(keyword) is found


@pytest.mark.parametrize(
    ("text", "lang", "english"),
    [
        ("Trump visits Beijing", None, True),
        ("Trump visits Beijing", "en-US", True),
        ("Трамп посетит Пекин", None, False),
        ("特朗普将访问北京", "en", False),
        ("Trump besucht Peking", "de", False),
    ],
)
def test_only_english_text_reaches_the_model(text: str, lang: str | None, english: bool) -> None:
    assert is_english(text, lang) is english


def test_other_languages_match_through_their_keywords(matcher: Matcher) -> None:
    item = ItemText(
        "Товарооборот России и Китая вырос",
        "Экспорт Китая в Россию и поставки оборудования увеличились.",
        "ru",
    )
    (matches,) = matcher.score_items([item])
    match = next(m for m in matches if m.claim_id == "russia-depends-on-china")
    assert (match.level, match.stance) == ("alert", "supports")
    assert "росси" in match.why.shared_words


def test_a_postponed_visit_in_russian_contradicts(matcher: Matcher) -> None:
    item = ItemText(
        "Трамп отложил визит в Пекин",
        "Президент США перенёс поездку в Китай на более поздний срок.",
        "ru",
    )
    (matches,) = matcher.score_items([item])
    alerts = {m.claim_id: m for m in matches if m.level == "alert"}
    assert list(alerts) == ["trump-xi-visit"]
    assert alerts["trump-xi-visit"].stance == "contradicts"


def test_other_languages_need_more_than_one_word_per_group_to_alert(matcher: Matcher) -> None:
    # Each keyword group of the visit claim is mentioned once: possibly related, not an alert.
    (matches,) = matcher.score_items([ItemText("Визит Трампа в Китай", "", "ru")])
    assert [(m.claim_id, m.level, m.stance) for m in matches] == [
        ("trump-xi-visit", "digest", "related")
    ]


def _features(support: float, contradict: float, cues_s: int = 0, cues_c: int = 0) -> Features:
    return Features(
        english=True,
        semantic=max(support, contradict),
        semantic_support=support,
        semantic_contradict=contradict,
        lexical=0.5,
        gate=1.0,
        groups=3,
        vetoed=False,
        cues_support=("arrive",) * cues_s,
        cues_contradict=("postpone",) * cues_c,
        shared_words=(),
        best_unit="",
        best_hypothesis="",
    )


@pytest.mark.parametrize(
    ("features", "stance"),
    [
        (_features(0.70, 0.50), "supports"),
        (_features(0.50, 0.70), "contradicts"),
        (_features(0.60, 0.62), "related"),  # too close to call
        (_features(0.60, 0.60, cues_c=1), "contradicts"),
        (_features(0.60, 0.60, cues_s=1), "supports"),
        (_features(0.85, 0.60, cues_c=1), "supports"),  # the meaning outweighs one cue word
        (_features(0.72, 0.60, cues_c=1), "related"),  # conflicting signals: say only "bears on"
    ],
)
def test_stance_needs_more_evidence_to_contradict(features: Features, stance: str) -> None:
    call = decide_stance(features)
    assert call.stance == stance
    assert 0.5 <= call.confidence <= 1.0
