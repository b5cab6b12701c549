"""Robustness over the shared feeds corpus: every file parses to entries or a recorded error.

The corpus lives beside the project (../shared/feeds-corpus) and is read in place. Without it
the test is skipped locally but fails in CI (CI=true), where a missing corpus is a broken setup.
"""

from __future__ import annotations

import gzip
import zlib
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import SHARED
from timing import in_ci

from bot.domain import ParsedEntry
from bot.errors import ParseError
from bot.ingest.parse import parse_feed

CORPUS = SHARED / "feeds-corpus"
SKIP_NAMES = {"README.md", "SOURCES.tsv", "LICENSE", "check_corpus.py"}
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def corpus_files() -> list[Path]:
    return sorted(
        path
        for path in CORPUS.rglob("*")
        if path.is_file()
        and path.name not in SKIP_NAMES
        and not path.name.startswith(".")
        and "LICENSES" not in path.parts
    )


def decoded(data: bytes) -> bytes:
    """What an HTTP client hands over after Content-Encoding: gzip or deflate."""
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError):
            return data
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        try:
            return zlib.decompress(data, wbits)
        except zlib.error:
            continue
    return data


def require_corpus() -> None:
    if CORPUS.is_dir():
        return
    missing = f"feeds corpus not found at {CORPUS}"
    if in_ci():
        pytest.fail(f"{missing}; CI must check it out beside the project")
    pytest.skip(f"{missing} (it lives beside the project; CI fails without it)")


# The one real capture that is garbage by design: a mangled XML declaration, "rss:" prefixes.
UNREADABLE_REAL = {"broken_xml_decl_prefixed_rss.xml"}


def test_every_corpus_file_parses_or_fails_cleanly() -> None:
    require_corpus()
    files = corpus_files()
    assert len(files) > 2000
    outcomes: Counter[str] = Counter()
    real_without_entries = set()
    for path in files:
        raw = path.read_bytes()
        body = decoded(raw) if path.suffix in (".gz", ".z") else raw
        relative = path.relative_to(CORPUS)
        url = f"https://corpus.example.org/{relative.as_posix()}"
        entries: Sequence[ParsedEntry]
        try:
            feed = parse_feed(body, url=url, now=NOW)
        except ParseError as err:  # recorded as the feed's error in a real poll
            assert str(err).startswith("parse: "), path
            outcomes["error"] += 1
            entries = ()
        else:
            # Anything else escaping parse_feed fails the test with the file in the traceback.
            entries = feed.entries
            outcomes["entries" if entries else "empty feed"] += 1
            assert entries or feed.version, path  # no items: still a recognised feed
        for entry in entries:
            assert entry.identity and len(entry.identity) <= 512, path
            assert entry.title or entry.summary, path
            assert entry.published_at.tzinfo is not None and entry.published_at <= NOW, path
            assert "</" not in entry.summary and "</" not in entry.title, path
            assert entry.link is None or entry.link.startswith(("http://", "https://")), path
        if relative.parts[0] == "real" and not entries:
            real_without_entries.add(path.name)
    assert sum(outcomes.values()) == len(files)
    # feedparser's own fixtures mostly test feed-level elements and have no items.
    assert outcomes["entries"] > 500, outcomes
    assert real_without_entries == UNREADABLE_REAL
