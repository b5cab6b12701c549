"""Parsing and normalizing: golden files beside their expected parse, and tables of pure cases.

Regenerate the expected files after a deliberate change with CLAIMWATCH_REGEN_GOLDEN=1, then read
the diff before committing it.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.errors import ParseError
from bot.ingest.normalize import canonical_link, entry_identity, plain_text, sane_date
from bot.ingest.parse import ParsedFeed, parse_feed

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BASE = "https://news.example.org/feeds/world.xml"


def as_json(feed: ParsedFeed) -> dict[str, Any]:
    return {
        "title": feed.title,
        "lang": feed.lang,
        "ttl_seconds": feed.ttl_seconds,
        "version": feed.version,
        "entries": [
            {
                "identity": e.identity,
                "title": e.title,
                "summary": e.summary,
                "link": e.link,
                "guid": e.guid,
                "published_at": e.published_at.isoformat(),
                "lang": e.lang,
            }
            for e in feed.entries
        ],
    }


@pytest.mark.parametrize("source", sorted(GOLDEN.glob("*.xml")), ids=lambda p: p.stem)
def test_golden(source: Path) -> None:
    parsed = as_json(parse_feed(source.read_bytes(), url=BASE, now=NOW))
    expected_path = source.with_suffix(".json")
    if os.environ.get("CLAIMWATCH_REGEN_GOLDEN"):
        text = json.dumps(parsed, ensure_ascii=False, indent=2) + "\n"
        expected_path.write_text(text, encoding="utf-8")
    assert parsed == json.loads(expected_path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "parse: the response was empty"),
        (b"<!DOCTYPE html><html><head></head><body>hi</body></html>", "HTML page, not a feed"),
        (b"<<< not xml", "parse: not a readable feed"),
        (b'{"version": "https://jsonfeed.org/version/1"', "parse: not a readable feed"),
    ],
)
def test_not_a_feed(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as caught:
        parse_feed(body, url=BASE, now=NOW)
    assert caught.value.url == BASE


def test_truncated_feed_keeps_the_items_it_has() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>One</title><guid>1</guid></item><item><title>Two</title><guid>2"
    )
    parsed = parse_feed(body, url=BASE, now=NOW)
    assert [e.title for e in parsed.entries][:1] == ["One"]
    assert parsed.warning is not None and parsed.warning.startswith("parse: ")


def test_empty_channel_is_a_feed_with_no_items() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    parsed = parse_feed(body, url=BASE, now=NOW)
    assert (parsed.entries, parsed.title, parsed.version) == ((), "t", "rss20")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One Two"),
        ("Tom &amp; Jerry &lt;3", "Tom & Jerry <3"),
        ("double &amp;amp; escaped", "double & escaped"),
        ("<script>evil()</script>Safe <style>p{}</style>text", "Safe text"),
        ("  lots \n\t of   space  ", "lots of space"),
        ("a<br/>b", "a b"),
        ("<b>unclosed", "unclosed"),
        ("", ""),
        (None, ""),
    ],
)
def test_plain_text(html: str | None, text: str) -> None:
    assert plain_text(html) == text


def test_plain_text_is_capped_at_a_word_boundary() -> None:
    text = plain_text("word " * 500, limit=100)
    assert len(text) <= 100 and text.endswith("word…")


@pytest.mark.parametrize(
    ("link", "canonical"),
    [
        ("https://a.org/x?utm_source=rss&id=3#frag", "https://a.org/x?id=3"),
        ("HTTPS://A.ORG/Path", "https://a.org/Path"),
        ("/relative/page", "https://news.example.org/relative/page"),
        ("page.html", "https://news.example.org/feeds/page.html"),
        ("https://a.org", "https://a.org/"),
        ("https://a.org/?fbclid=123&UTM_MEDIUM=x", "https://a.org/"),
        ("javascript:alert(1)", None),
        ("mailto:x@a.org", None),
        ("", None),
        (None, None),
        ("http://[::1", None),
    ],
)
def test_canonical_link(link: str | None, canonical: str | None) -> None:
    assert canonical_link(link, base=BASE) == canonical


@pytest.mark.parametrize(
    ("parsed", "expected"),
    [
        (
            time.strptime("2026-11-01 10:00", "%Y-%m-%d %H:%M"),
            datetime(2026, 11, 1, 10, tzinfo=UTC),
        ),
        (
            time.strptime("2026-11-29 13:30", "%Y-%m-%d %H:%M"),
            datetime(2026, 11, 29, 13, 30, tzinfo=UTC),
        ),
        (time.strptime("2027-01-01", "%Y-%m-%d"), NOW),  # far future → now
        (time.strptime("1970-01-02", "%Y-%m-%d"), NOW),  # absurdly old → now
        (None, NOW),  # missing → first seen
    ],
)
def test_sane_date(parsed: time.struct_time | None, expected: datetime) -> None:
    assert sane_date(parsed, now=NOW) == expected


def test_identity_prefers_guid_then_link_then_content() -> None:
    assert entry_identity("g", "https://a.org/1", "t", "s") == "guid:g"
    assert entry_identity(None, "https://a.org/1", "t", "s") == "link:https://a.org/1"
    by_hash = entry_identity(None, None, "t", "s")
    assert by_hash.startswith("hash:") and by_hash == entry_identity(None, None, "t", "s")
    assert by_hash != entry_identity(None, None, "t", "other")
    long = entry_identity("x" * 1000, None, "t", "s")
    assert len(long) < 100 and long != entry_identity("x" * 999, None, "t", "s")
