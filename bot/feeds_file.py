"""feeds.yaml: load and validate the operator's list of feeds, naming file and line on errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.domain import FeedSpec
from bot.errors import ConfigFileError
from bot.ingest.safety import InvalidHostName, lookup_host
from bot.yamlfile import LineDict, LineList, load_yaml, parse_yaml, shorten

DEFAULT_INTERVAL = 600
MAX_INTERVAL = 7 * 24 * 3600
FEED_KEYS = frozenset({"url", "name", "themes", "interval", "enabled"})
DEFAULT_KEYS = FEED_KEYS - {"url", "name"}
TOP_KEYS = frozenset({"feeds", "defaults"})
# At most 9 digits: a longer number cannot be a valid interval, and int() refuses very long ones.
_INTERVAL = re.compile(r"^\s*([0-9]{1,9})\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}

Problems = list[tuple[int | None, str]]


def parse_interval(value: object) -> int:
    """'90s', '10m', '1h', '1d' or a number of seconds → seconds; ValueError says what is wrong."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("interval must look like 90s, 10m or 1h")
    match = _INTERVAL.match(str(value))
    if match is None:
        raise ValueError(f"interval {shorten(value)} must look like 90s, 10m or 1h")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds < 1:
        raise ValueError("interval must be at least 1s")
    if seconds > MAX_INTERVAL:
        raise ValueError("interval must be at most 7d")
    return seconds


def format_interval(seconds: int) -> str:
    """The shortest feeds.yaml spelling of `seconds`."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def check_feed_url(url: object) -> str:
    """Return the URL stripped, or raise ValueError naming what is wrong with it."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError("url must be a non-empty string")
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- reading it checks the port is a number in 0-65535
    except ValueError as err:  # e.g. "Port could not be cast to integer value as '8o8o'"
        raise ValueError(f"url {shorten(url)} is not a valid address: {err}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"url {shorten(url)} must be an http:// or https:// address with a host")
    return url


def parse_themes(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise ValueError("themes must be a list of words")
    return tuple(dict.fromkeys(t.strip() for t in value))


def load_feeds_file(path: Path) -> list[FeedSpec]:
    """Read feeds.yaml; raise ConfigFileError listing every problem with its line."""
    return _read_document(load_yaml(path), str(path))


def parse_feeds_text(text: str, name: str = "feeds.yaml") -> list[FeedSpec]:
    """Like load_feeds_file, for text already in memory."""
    return _read_document(parse_yaml(text, name), name)


def _read_document(document: Any, name: str) -> list[FeedSpec]:
    problems: Problems = []
    if document is None:
        raise ConfigFileError(name, [(None, "the file is empty; expected a 'feeds:' list")])
    if isinstance(document, LineList):  # a bare list of feeds is accepted too
        document = _wrap(document)
    if not isinstance(document, LineDict):
        raise ConfigFileError(name, [(1, "expected a mapping with a 'feeds:' list")])
    for key in document:
        if key not in TOP_KEYS:
            problems.append(
                (document.line_of(key), f"unknown key {shorten(key)} (expected feeds, defaults)")
            )
    defaults = _read_defaults(document.get("defaults"), document.line_of("defaults"), problems)
    feeds = document.get("feeds")
    specs: list[FeedSpec] = []
    if not isinstance(feeds, LineList):
        problems.append((document.line_of("feeds"), "'feeds:' must be a list of feeds"))
    else:
        seen: dict[str, int] = {}
        for item, line in zip(feeds, feeds.item_lines, strict=True):
            url = item.get("url") if isinstance(item, dict) else item
            if isinstance(url, str) and url.strip():
                key = url.strip().rstrip("/").lower()
                if key in seen:
                    shown = url if url.isprintable() and len(url) < 200 else shorten(url)
                    problems.append((line, f"duplicate url {shown} (first on line {seen[key]})"))
                    continue
                seen[key] = line
            spec = _read_feed(item, line, defaults, problems)
            if spec is not None:
                specs.append(spec)
    if problems:
        raise ConfigFileError(name, sorted(problems, key=lambda p: p[0] or 0))
    return specs


def _wrap(items: LineList) -> LineDict:
    wrapped = LineDict(feeds=items)
    wrapped.line = items.line
    wrapped.key_lines = {"feeds": items.line}
    return wrapped


def _read_defaults(value: object, line: int, problems: Problems) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, LineDict):
        problems.append((line, "'defaults:' must be a mapping (themes, interval, enabled)"))
        return {}
    defaults: dict[str, Any] = {}
    for key, item in value.items():
        if key not in DEFAULT_KEYS:
            problems.append((value.line_of(key), f"unknown key {shorten(key)} in defaults"))
            continue
        try:
            defaults[key] = _read_field(key, item)
        except ValueError as err:
            problems.append((value.line_of(key), f"defaults: {err}"))
    return defaults


def _read_field(key: str, value: object) -> Any:
    if key == "url":
        url = check_feed_url(value)
        try:
            lookup_host(url)  # the operator hears of a name no resolver takes now, not at fetch
        except (InvalidHostName, httpx.InvalidURL):
            raise ValueError(f"url {shorten(url)} has an invalid host name") from None
        return url
    if key == "name":
        if not isinstance(value, str | int | float) or not str(value).strip():
            raise ValueError("name must be a non-empty string")
        return str(value).strip()
    if key == "themes":
        return parse_themes(value)
    if key == "interval":
        return parse_interval(value)
    if not isinstance(value, bool):
        raise ValueError("enabled must be true or false")
    return value


def _read_feed(
    item: object, line: int, defaults: dict[str, Any], problems: Problems
) -> FeedSpec | None:
    if isinstance(item, str):  # "- https://…" is shorthand for a feed with only a url
        item_map: dict[str, Any] = {"url": item}
        lines: LineDict | None = None
    elif isinstance(item, LineDict):
        item_map, lines = item, item
    else:
        problems.append((line, "each feed must be a mapping with at least a 'url'"))
        return None
    fields = dict(defaults)
    ok = True
    for key, value in item_map.items():
        where = lines.line_of(key) if lines is not None else line
        if key not in FEED_KEYS:
            expected = ", ".join(sorted(FEED_KEYS))
            problems.append((where, f"unknown key {shorten(key)} (expected one of {expected})"))
            ok = False
            continue
        try:
            fields[key] = _read_field(key, value)
        except ValueError as err:
            problems.append((where, str(err)))
            ok = False
    if "url" not in item_map:
        problems.append((line, "feed has no 'url'"))
        return None
    if not ok:
        return None
    return FeedSpec(
        url=fields["url"],
        name=fields.get("name"),
        themes=fields.get("themes", ()),
        interval_seconds=fields.get("interval", DEFAULT_INTERVAL),
        enabled=fields.get("enabled", True),
    )
