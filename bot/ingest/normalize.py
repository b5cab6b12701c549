"""normalize: plain-text summaries, canonical links, sane UTC dates, stable entry identity."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from bot.domain import ParsedEntry

SUMMARY_CHARS = 1000
TITLE_CHARS = 500
MAX_IDENTITY = 400
MAX_LINK = 2000
# A publisher's clock may run a little fast; beyond this a date is treated as wrong.
FUTURE_SLACK = timedelta(hours=2)
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid", "_ga"})
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
# Characters that are not text: they recolour or move a terminal's cursor (ESC sequences,
# C0/C1 controls), or reorder or hide what a reader sees (bidi overrides and isolates, marks,
# zero-width and other invisible format characters), in the console, logs and Telegram.
# Kept: whitespace (folded later), ZWNJ/ZWJ (U+200C/D, which Persian, Hindi and emoji
# sequences need), variation selectors, emoji tag characters (subdivision flags) and the
# script-specific format marks (Arabic number signs and the like).
_NOT_TEXT = (
    "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"  # C0 and C1 controls that are not whitespace
    "\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff\U000e0001"
)
_INVISIBLE = re.compile(
    "\x1b\\[[0-?]*[ -/]*[@-~]"  # an ANSI CSI sequence (colours, cursor moves) goes whole
    "|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)"  # and so does an OSC (window title, link)
    f"|[{_NOT_TEXT}]"
)
_NOT_IN_LINKS = re.compile(f"[{_NOT_TEXT}\t\n\x0b\x0c\r\x1c-\x1f\x85\u2028\u2029]")
# Whitespace in all but name: each ends a line in a terminal or a log.
_LINE_BREAKING = re.compile("[\x0b\x0c\r\x1c-\x1f\x85\u2028\u2029]")


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, dropping scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def plain_text(fragment: str | None, *, limit: int = SUMMARY_CHARS) -> str:
    """HTML or text → one line of plain text: tags gone, entities decoded, spaces folded."""
    if not fragment:
        return ""
    text = fragment
    # Twice: feeds that escape their HTML once too often ("&lt;p&gt;") are common.
    for _ in range(2):
        if "<" in text or "&" in text:
            text = html.unescape(_strip_tags(text))
        if not _TAG.search(text):
            break
    text = _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()
    if len(text) > limit:
        cut = text[: limit - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut[-40:] else cut).rstrip() + "…"
    return text


def remove_controls(text: str) -> str:
    """`text` without control, bidi and invisible format characters; tabs and newlines stay."""
    return _LINE_BREAKING.sub(" ", _INVISIBLE.sub("", text))


def _strip_tags(fragment: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(fragment)
        extractor.close()
    except (AssertionError, ValueError):  # HTMLParser on hopeless markup
        return re.sub(r"<[^>]*>", " ", fragment)
    return "".join(extractor.parts)


def canonical_link(link: str | None, *, base: str | None = None) -> str | None:
    """Absolute http(s) link without tracking parameters or fragment; None when unusable."""
    if not link or not link.strip():
        return None
    link = link.strip()
    if base:
        try:
            link = urljoin(base, link)
        except ValueError:
            return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    netloc = parts.netloc.lower() if "@" not in parts.netloc else parts.netloc
    path = parts.path or "/"
    canonical = urlunsplit((parts.scheme.lower(), netloc, path, urlencode(query), ""))
    # A link is shown too (in plain-text fallbacks and logs): no raw controls or bidi marks.
    canonical = _NOT_IN_LINKS.sub(_percent_encoded, canonical)
    return canonical if len(canonical) <= MAX_LINK else None


def _percent_encoded(match: re.Match[str]) -> str:
    char = match.group()
    return "" if "\ud800" <= char <= "\udfff" else quote(char, safe="")


def sane_date(parsed: time.struct_time | None, *, now: datetime) -> datetime:
    """feedparser's UTC struct_time → aware datetime; missing, absurd or future dates → now."""
    if parsed is None:
        return now
    try:
        value = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return now
    if value > now + FUTURE_SLACK or value < EARLIEST:
        return now
    return value


def entry_identity(guid: str | None, link: str | None, title: str, summary: str) -> str:
    """guid, else link, else a hash of title and summary; long values are hashed to fit."""
    if guid:
        key = f"guid:{guid}"
    elif link:
        key = f"link:{link}"
    else:
        digest = hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()
        return f"hash:{digest}"
    if len(key) > MAX_IDENTITY:
        return f"{key[:5]}sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def language_of(entry: Mapping[str, Any], feed_lang: str | None) -> str | None:
    """The entry's language if it names one, else the feed's; 'en-US' → 'en-us'."""
    for source in (entry.get("title_detail"), entry.get("summary_detail")):
        if isinstance(source, Mapping):
            lang = language_tag(source.get("language"))
            if lang:
                return lang
    return feed_lang


def language_tag(value: object) -> str | None:
    """A declared language as a short lower-case tag; None when there is none."""
    if not isinstance(value, str):
        return None
    lang = _SPACE.sub(" ", _INVISIBLE.sub("", value)).strip().lower()[:16].strip()
    return lang or None


def entry_date(entry: Mapping[str, Any], *, now: datetime) -> datetime:
    """When the entry was published (or updated), as stored: see `sane_date`."""
    date = entry.get("published_parsed") or entry.get("updated_parsed")
    return sane_date(date if isinstance(date, time.struct_time) else None, now=now)


def normalize_entry(
    entry: Mapping[str, Any], *, base_url: str, feed_lang: str | None, now: datetime
) -> ParsedEntry | None:
    """One feedparser entry → ParsedEntry; None when it has nothing to show."""
    title = plain_text(_text(entry.get("title")), limit=TITLE_CHARS)
    summary = plain_text(_summary_html(entry))
    link = canonical_link(_text(entry.get("link")), base=base_url)
    guid = _text(entry.get("id")).strip()[:2048] or None
    if not title and not summary:
        return None
    if not title:
        title = plain_text(summary, limit=120)
    return ParsedEntry(
        identity=entry_identity(guid, link, title, summary),
        title=title,
        summary=summary,
        link=link,
        guid=guid,
        published_at=entry_date(entry, now=now),
        lang=language_of(entry, feed_lang),
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _summary_html(entry: Mapping[str, Any]) -> str:
    summary = _text(entry.get("summary"))
    if summary:
        return summary
    for content in entry.get("content") or ():
        if isinstance(content, Mapping) and _text(content.get("value")):
            return _text(content.get("value"))
    return ""
