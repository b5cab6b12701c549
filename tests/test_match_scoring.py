"""Scoring with the lexical matcher (no model): hand-written cases, keyword gates, stance cues."""

from __future__ import annotations

from pathlib import Path

import pytest
from match_cases import CONTRADICTING, MATCHED, SILENT

from bot.claims_file import load_claims_file
from bot.domain import Claim
from bot.match.features import ItemText
from bot.match.language import is_english
from bot.match.service import Matcher
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


def test_evidence_names_the_claim_example_the_item_resembles(matcher: Matcher) -> None:
    item, claim_id, _ = MATCHED[1]
    (matches,) = matcher.score_items([item])
    match = next(m for m in matches if m.claim_id == claim_id)
    claim = next(c for c in matcher.claims if c.id == claim_id)
    # The claim's own words, never a labeled (mostly invented) news item.
    assert match.why.matched_text in {claim.text, *claim.supports, *claim.contradicts}
    assert {"chines", "russian"} <= set(match.why.shared_words)  # Snowball stems
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
    matcher = Matcher([claim], None)
    plain, football = (
        matcher.english.relevance(matcher.space.surface(item), None).relevance[0]
        for item in (
            ItemText("Moscow and Beijing trade grows again", "Trade between them grew."),
            ItemText("Moscow and Beijing trade grows again", "A football friendly in Beijing."),
        )
    )
    assert plain > 0.0 and football == 0.0


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
        ("Торговля с Китаем растёт", "кита", True),  # by its lemma, "китай"
        ("Саммит отложат", "отлож", True),
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


@pytest.mark.parametrize(
    "item",
    [
        ItemText("Сборная России обыграла Китай в хоккей", "Матч в Пекине завершился 4:2.", "ru"),
        ItemText("Центробанк сохранил ключевую ставку", "Инфляция в России замедлилась.", "ru"),
        ItemText("北京今日有雨", "气象台预计周末气温下降。", "zh"),
    ],
)
def test_unrelated_russian_and_chinese_news_does_not_alert(
    matcher: Matcher, item: ItemText
) -> None:
    (matches,) = matcher.score_items([item])
    assert [m for m in matches if m.level == "alert"] == []
