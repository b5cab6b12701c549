"""Alert markup and splitting: what Telegram accepts and what a reader sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from botapi import parse_html

from bot.deliver.render import (
    alert_buttons,
    html_to_plain,
    link,
    render_alert,
    split_message,
    stance_words,
    utf16_len,
)
from bot.domain import Claim, Evidence, StoredMatch, Tally

AT = datetime(2026, 3, 4, 12, 5, tzinfo=UTC)


def stored(
    title: str, *, stance: str = "supports", level: str = "alert", link: str | None = None
) -> StoredMatch:
    return StoredMatch(
        id=1,
        story_id=1,
        claim_id="visit",
        score=0.734,
        level=level,  # type: ignore[arg-type]
        stance=stance,  # type: ignore[arg-type]
        confidence=0.62,
        why=Evidence("Trump <will> visit Beijing & meet Xi", "", ("trump", "beijing"), 0.5, 0.7),
        created_at=AT,
        is_backlog=False,
        title=title,
        link=link,
        published_at=AT,
        sources=("Reuters", "A&B <News>"),
    )


CLAIM = Claim(
    id="visit",
    text="Trump visits Beijing",
    theme="us-china",
    kind="forecast",
    short="Trump in Beijing",
)


def test_alert_shows_claim_link_sources_time_stance_and_why() -> None:
    text = render_alert(
        [(stored("Visit <confirmed>", link="https://n.example/a?b=1&c=2"), CLAIM)],
        timezone="Europe/Berlin",
    )
    parse_html(text)  # Telegram would accept it
    plain = parse_html(text)
    assert "Trump in Beijing" in plain and "[visit]" in plain
    assert '<a href="https://n.example/a?b=1&amp;c=2">Visit &lt;confirmed&gt;</a>' in text
    assert "Reuters, A&B <News>" in plain
    assert "04 Mar 2026 13:05 CET" in plain
    assert "Likely supports (62%)" in plain
    assert "Why: “Trump <will> visit Beijing & meet Xi”" in plain


@pytest.mark.parametrize(
    ("stance", "level", "words"),
    [
        ("supports", "alert", "Likely supports"),
        ("contradicts", "alert", "Likely contradicts"),
        ("related", "alert", "Likely bears on"),
        ("supports", "digest", "Possibly related"),
    ],
)
def test_stance_words(stance: str, level: str, words: str) -> None:
    plain = parse_html(
        render_alert([(stored("t", stance=stance, level=level), CLAIM)], timezone="UTC")
    )
    assert f"\n{words} (" in plain


@pytest.mark.parametrize(
    ("confidence", "label"),
    [
        (0.3, "possibly supports (30%)"),
        (0.45, "perhaps supports (45%)"),
        (0.6, "likely supports (60%)"),
        (0.9, "very likely supports (90%)"),
    ],
)
def test_the_words_say_as_much_as_the_number(confidence: float, label: str) -> None:
    match = replace(stored("t"), confidence=confidence)
    assert stance_words(match) == label


def test_why_names_the_claim_example_the_item_resembles() -> None:
    why = Evidence(
        "Officials said the April trip was off.",
        "Trump's visit to China is postponed.",
        ("trump",),
        0.4,
        0.7,
    )
    plain = parse_html(render_alert([(replace(stored("t"), why=why), CLAIM)], timezone="UTC"))
    assert (
        "Why: “Officials said the April trip was off.” resembles "
        "“Trump's visit to China is postponed.”"
    ) in plain


@pytest.mark.parametrize("url", ["javascript:alert(1)", None, "ftp://x"])
def test_links_only_for_http_urls(url: str | None) -> None:
    assert link(url, "A & B") == "A &amp; B"


def test_buttons_open_and_mute_each_claim() -> None:
    other = Claim(id="trade", text="t", theme="t", kind="forecast")
    assert alert_buttons([CLAIM]) == (
        (("Open claim", "claim:visit"), ("Mute this claim", "mute:visit")),
    )
    assert [row[1][1] for row in alert_buttons([CLAIM, other])] == ["mute:visit", "mute:trade"]
    assert alert_buttons([Claim(id="x" * 70, text="t", theme="t", kind="forecast")]) == ()


def test_plain_text_fallback_keeps_link_targets() -> None:
    assert html_to_plain('<b>Hi</b> <a href="https://x.example/?a=1&amp;b=2">there</a> &lt;3') == (
        "Hi there (https://x.example/?a=1&b=2) <3"
    )


def digest_like(n_chars: int) -> str:
    lines, total, n = [], 0, 0
    while total < n_chars:
        line = (
            f'• <a href="https://news.example/{n}">Item {n}: talks &amp; visits</a>'
            " — Reuters · supports (70%). Another sentence follows here."
        )
        if n % 10 == 0:
            line = f"<b>Theme {n}</b>"
        lines.append(line)
        total += len(line) + 1
        n += 1
    return "\n".join(lines)


def assert_valid_parts(parts: list[str], original: str) -> None:
    assert all(utf16_len(p) <= 4096 for p in parts)
    visible = [parse_html(p) for p in parts]  # raises like Telegram on broken markup
    assert "".join(v.replace("\n", "").replace(" ", "") for v in visible) == (
        parse_html(original).replace("\n", "").replace(" ", "")
    )


def test_a_10000_character_digest_splits_into_valid_messages_on_line_boundaries() -> None:
    text = digest_like(10_000)
    parts = split_message(text)
    assert len(parts) == 3
    assert_valid_parts(parts, text)
    lines = set(text.split("\n"))
    assert all(set(p.split("\n")) <= lines for p in parts)  # no line was cut


def test_a_long_paragraph_splits_on_sentences() -> None:
    text = "<i>" + " ".join(f"Sentence number {n} says something." for n in range(400)) + "</i>"
    parts = split_message(text)
    assert len(parts) >= 3
    assert_valid_parts(parts, text)
    assert all(p.endswith(".</i>") and p.startswith("<i>") for p in parts)


def test_text_without_spaces_is_cut_anywhere_but_inside_entities() -> None:
    text = "&amp;" * 3000 + "😀" * 3000
    parts = split_message(text)
    assert_valid_parts(parts, text)


def test_emoji_count_as_two_units() -> None:
    text = "😀" * 2049  # 4098 UTF-16 units, 2049 characters
    parts = split_message(text)
    assert [utf16_len(p) for p in parts] == [4096, 2]


def test_short_messages_are_untouched() -> None:
    assert split_message("<b>short</b>") == ["<b>short</b>"]


def test_plain_text_with_angle_brackets_splits_as_plain_text() -> None:
    text = ("a < b and c > d. " * 600).strip()
    parts = split_message(text, html=False)
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


def test_an_unknown_timezone_falls_back_to_utc() -> None:
    plain = parse_html(render_alert([(stored("t"), CLAIM)], timezone="Mars/Olympus"))
    assert "04 Mar 2026 12:05 UTC" in plain


@pytest.mark.parametrize(
    ("tally", "words"),
    [
        (Tally(), "no evidence yet"),
        (Tally(supports=1), "1 supports"),
        (Tally(supports=2, related=1), "2 support · 1 bears on it"),
        (Tally(contradicts=3, related=2), "3 contradict · 2 bear on it"),
    ],
)
def test_a_tally_reads_the_same_everywhere_without_zeros(tally: Tally, words: str) -> None:
    assert tally.words() == words
