"""parse: feedparser on fetched bytes → ParsedFeed of normalized entries, or ParseError."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import feedparser

from bot.domain import ParsedEntry
from bot.errors import ParseError
from bot.ingest.normalize import entry_date, language_tag, normalize_entry, plain_text
from bot.ingest.xmlguard import strip_dtd

log = logging.getLogger(__name__)

# feedparser asks for libxml2's SAX driver first; it is not installed, and the failed import
# searches sys.path on every parse. Go straight to the standard expat reader.
feedparser.api.PREFERRED_XML_PARSERS = []

# Entries kept from one document: a feed lists its latest items, and a document of 100,000
# would otherwise be normalized, stored and matched in one poll.
MAX_ENTRIES = 500

# Bozo reasons feedparser recovers from completely; anything else is logged but kept
# when entries came out of it.
_HARMLESS = (
    feedparser.CharacterEncodingOverride,
    feedparser.NonXMLContentType,
)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed, normalized feed document."""

    title: str | None
    lang: str | None
    ttl_seconds: int | None
    entries: tuple[ParsedEntry, ...]
    version: str
    warning: str | None = None
    note: str | None = None  # what the operator should see on the feed's row, e.g. a cap


def parse_feed(
    body: bytes, *, url: str, now: datetime, content_type: str | None = None
) -> ParsedFeed:
    """Parse and normalize `body` (fetched from `url`); blocking, so call it in a thread."""
    # Never a DTD: no entity is expanded, no external one fetched (see bot.ingest.xmlguard).
    # The guard has decoded the body to UTF-8 with the same rules feedparser would use, so
    # feedparser is given no headers: it must not decode the result a second time.
    # No Content-Location: feedparser would resolve relative guids against the feed's address,
    # and a feed that moves would then see every item as new. Links are made absolute later.
    try:
        guarded = strip_dtd(body, content_type=content_type)
        # Our own normalizer turns every field into plain text, so feedparser's HTML
        # sanitizing and link rewriting inside content would be wasted work.
        result: Any = feedparser.parse(
            io.BytesIO(guarded.body),
            response_headers={},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as err:  # feedparser bugs on hostile input must stay this feed's problem
        raise ParseError(url, f"parse: feedparser failed ({type(err).__name__})") from err
    raw_entries = list(result.get("entries") or ())
    version = str(result.get("version") or "")
    problem = result.get("bozo_exception") if result.get("bozo") else guarded.problem
    feed = result.get("feed") or {}
    lang = _feed_language(feed)
    entries = _normalized_entries(raw_entries, url=url, lang=lang, now=now)
    # Nothing usable from a document that is not a clean feed: report it, don't shrug.
    broken = problem is not None and not isinstance(problem, _HARMLESS)
    if not entries and (not version or broken):
        raise ParseError(url, _fatal_message(body, problem))
    warning = None
    if problem is not None:
        warning = f"parse: {_describe(problem)}"
        level = logging.DEBUG if isinstance(problem, _HARMLESS) else logging.INFO
        log.log(level, "feed parsed with a problem", extra={"feed_url": url, "problem": warning})
    notes = []
    if guarded.entities:
        notes.append("parse: the feed declares entities in a DTD; they were not expanded")
    if len(raw_entries) > MAX_ENTRIES:
        notes.append(f"parse: {len(raw_entries)} entries, kept the newest {len(entries)}")
    return ParsedFeed(
        title=plain_text(feed.get("title"), limit=200) or None,
        lang=lang,
        ttl_seconds=_ttl_seconds(feed.get("ttl")),
        entries=tuple(entries),
        version=version,
        warning=warning,
        note="; ".join(notes) or None,
    )


def _normalized_entries(
    raw_entries: list[Any], *, url: str, lang: str | None, now: datetime
) -> list[ParsedEntry]:
    """At most MAX_ENTRIES, the newest (ties: document order), kept in document order.

    Only as many entries are normalized as are kept (plus any that turn out empty).
    """
    order: Sequence[int] = range(len(raw_entries))
    if len(raw_entries) > MAX_ENTRIES:
        # sorted() is stable, also with reverse=True: equal dates keep document order.
        order = sorted(order, key=lambda i: entry_date(raw_entries[i], now=now), reverse=True)
    kept: dict[int, ParsedEntry] = {}
    for index in order:
        entry = normalize_entry(raw_entries[index], base_url=url, feed_lang=lang, now=now)
        if entry is not None:
            kept[index] = entry
            if len(kept) == MAX_ENTRIES:
                break
    return [kept[index] for index in sorted(kept)]


def _fatal_message(body: bytes, problem: object) -> str:
    head = body[:2048].lstrip().lower()
    if not head:
        return "parse: the response was empty"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "parse: the address serves an HTML page, not a feed"
    if problem is not None:
        return f"parse: not a readable feed ({_describe(problem)})"
    return "parse: unable to detect the feed format"


def _describe(problem: object) -> str:
    text = str(problem).strip().splitlines()[0] if str(problem).strip() else ""
    return text[:200] or type(problem).__name__


def _feed_language(feed: Any) -> str | None:
    lang = language_tag(feed.get("language"))
    if lang is None:
        detail = feed.get("title_detail") or {}
        lang = language_tag(detail.get("language")) if isinstance(detail, dict) else None
    return lang


def _ttl_seconds(value: object) -> int | None:
    """RSS <ttl> is in minutes."""
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes * 60 if minutes > 0 else None
