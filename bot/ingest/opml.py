"""opml: read and write feed lists in OPML, the format feed readers exchange."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from bot.domain import Feed, FeedSpec
from bot.feeds_file import DEFAULT_INTERVAL, check_feed_url
from bot.ingest.normalize import remove_controls
from bot.ingest.xmlguard import strip_dtd

# Some 50,000 feeds; a larger file is not a feed list, and is refused before it is parsed.
MAX_BYTES = 10 * 1024 * 1024


class OpmlError(ValueError):
    """The file is not OPML we can read."""


def read_opml(data: bytes, *, interval_seconds: int = DEFAULT_INTERVAL) -> list[FeedSpec]:
    """Every outline with an xmlUrl; a parent outline's title becomes the feed's theme.

    Read at most MAX_BYTES + 1 bytes of a file: more is refused here."""
    if len(data) > MAX_BYTES:
        raise OpmlError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    # ElementTree's expat expands internal entities, so no DTD may reach it: a feed list has
    # no use for one, and one that declares entities is refused outright rather than read
    # with them left out. A plain `<!DOCTYPE opml>` is dropped silently.
    guarded = strip_dtd(data)
    if guarded.entities:
        raise OpmlError("the OPML file declares entities, which are not allowed")
    try:
        root = ET.fromstring(guarded.body)
    except ET.ParseError as err:
        raise OpmlError(f"not well-formed XML ({err})") from None
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise OpmlError("not an OPML document (no <opml><body>)")
    specs: dict[str, FeedSpec] = {}
    _walk(body, (), specs, interval_seconds)
    return list(specs.values())


def _walk(
    node: ET.Element, themes: tuple[str, ...], specs: dict[str, FeedSpec], interval: int
) -> None:
    for outline in node.findall("outline"):
        title = _clean(outline.get("title") or outline.get("text") or "")
        url = outline.get("xmlUrl") or outline.get("xmlurl")
        if url:
            try:
                url = check_feed_url(url)
            except ValueError:
                continue  # one odd outline should not sink the whole import
            own = tuple(t for t in _clean(outline.get("category") or "").split(",") if t.strip())
            specs.setdefault(
                url,
                FeedSpec(
                    url=url,
                    name=title or None,
                    themes=tuple(dict.fromkeys(t.strip() for t in themes + own)),
                    interval_seconds=interval,
                ),
            )
        else:
            _walk(outline, (*themes, title) if title else themes, specs, interval)


def _clean(text: str) -> str:
    """One line of text: names end up in /feeds, logs and the console."""
    return " ".join(remove_controls(text).split())


def write_opml(feeds: Sequence[Feed], *, now: datetime, title: str = "ClaimWatch feeds") -> str:
    """An OPML 2.0 document listing `feeds` (themes go to the category attribute)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = now.strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attributes = {"type": "rss", "text": feed.title, "title": feed.title, "xmlUrl": feed.url}
        if feed.themes:
            attributes["category"] = ",".join(feed.themes)
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
