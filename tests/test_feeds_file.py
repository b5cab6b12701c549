"""feeds.yaml: what a valid file yields, and how each mistake is reported (file, line, problem)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain import FeedSpec
from bot.errors import ConfigFileError
from bot.feeds_file import format_interval, load_feeds_file, parse_feeds_text, parse_interval

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("1h", 3600), ("2d", 172800), ("45", 45), (30, 30), ("1s", 1)],
)
def test_intervals(text: object, seconds: int) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["0s", "10 minutes", "-5m", "1.5h", "", "8d", True, None])
def test_bad_intervals(text: object) -> None:
    with pytest.raises(ValueError, match="interval"):
        parse_interval(text)


@pytest.mark.parametrize(("seconds", "text"), [(90, "90s"), (600, "10m"), (7200, "2h")])
def test_format_interval(seconds: int, text: str) -> None:
    assert format_interval(seconds) == text


def test_defaults_apply_and_feeds_override_them() -> None:
    specs = parse_feeds_text(
        """
defaults:
  interval: 30m
  themes: [world]
feeds:
  - url: https://feeds.example.org/world.xml
  - url: https://feeds.example.org/asia.xml
    name: Asia
    themes: [us-china, trump-xi]
    interval: 15m
  - url: https://feeds.example.org/off.xml
    enabled: false
  - https://feeds.example.org/bare.xml
"""
    )
    assert specs == [
        FeedSpec(
            url="https://feeds.example.org/world.xml", themes=("world",), interval_seconds=1800
        ),
        FeedSpec(
            url="https://feeds.example.org/asia.xml",
            name="Asia",
            themes=("us-china", "trump-xi"),
            interval_seconds=900,
        ),
        FeedSpec(
            url="https://feeds.example.org/off.xml",
            themes=("world",),
            interval_seconds=1800,
            enabled=False,
        ),
        FeedSpec(
            url="https://feeds.example.org/bare.xml", themes=("world",), interval_seconds=1800
        ),
    ]


def test_every_problem_is_reported_with_its_line() -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse_feeds_text(
            """feeds:
  - url: https://a.example.org/rss
    colour: blue
  - name: no url here
  - url: ftp://files.example.org/feed
  - url: https://b.example.org/rss
    interval: 0s
  - url: https://a.example.org/rss
  - url: https://c.example.org/rss
    enabled: maybe
extra: 1
""",
            "feeds.yaml",
        )
    assert str(caught.value).splitlines() == [
        "feeds.yaml:3: unknown key 'colour' (expected one of enabled, interval, name, themes, url)",
        "feeds.yaml:4: feed has no 'url'",
        "feeds.yaml:5: url 'ftp://files.example.org/feed' must be an http:// or https:// address"
        " with a host",
        "feeds.yaml:7: interval must be at least 1s",
        "feeds.yaml:8: duplicate url https://a.example.org/rss (first on line 2)",
        "feeds.yaml:10: enabled must be true or false",
        "feeds.yaml:11: unknown key 'extra' (expected feeds, defaults)",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "feeds.yaml: the file is empty; expected a 'feeds:' list"),
        ("feeds: 3\n", "feeds.yaml:1: 'feeds:' must be a list of feeds"),
        ("feeds:\n  - [1, 2]\n", "feeds.yaml:2: each feed must be a mapping with at least a 'url'"),
        ("feeds:\n - url: [\n", "feeds.yaml:3: invalid YAML"),
        ("defaults:\n  name: x\nfeeds: []\n", "feeds.yaml:2: unknown key 'name' in defaults"),
        ("just words\n", "feeds.yaml:1: expected a mapping with a 'feeds:' list"),
    ],
)
def test_malformed_files(text: str, message: str) -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse_feeds_text(text, "feeds.yaml")
    assert str(caught.value).startswith(message)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match=r"nope\.yaml: file not found"):
        load_feeds_file(tmp_path / "nope.yaml")


def test_shipped_feeds_file_is_valid_and_covers_the_themes() -> None:
    specs = load_feeds_file(ROOT / "feeds.yaml")
    assert len(specs) >= 20
    assert all(600 <= s.interval_seconds <= 3600 for s in specs)
    themes = {t for s in specs for t in s.themes}
    assert {"us-china", "russia-china-relations", "ukraine-peace", "china-eu"} <= themes


def test_a_port_that_is_not_a_number_is_reported_with_its_line() -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse_feeds_text("feeds:\n  - url: https://news.example.org:8o8o/rss\n", "feeds.yaml")
    assert str(caught.value) == (
        "feeds.yaml:2: url 'https://news.example.org:8o8o/rss' is not a valid address: "
        "Port could not be cast to integer value as '8o8o'"
    )
