"""Stories: the same development from several feeds becomes one story with one match per claim."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.claims_file import load_claims_file
from bot.config import load_settings
from bot.match.service import Matcher, match_pending_entries
from bot.match.stories import find_story, fingerprint_text, similarity
from bot.storage.claims import sync_claims
from bot.storage.db import Sessions
from bot.storage.matches import latest_matches
from bot.storage.models import EntryRow, FeedRow, MatchRow
from bot.storage.stories import StoryRef

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)

TRIP = (
    "Trump's China trip put off until autumn",
    "President Trump will not travel to Beijing in April after all; officials said the summit "
    "with Xi has been postponed.",
)
TRIP_REWRITE = (
    "Trump China trip put off until the autumn",
    "President Trump will not travel to Beijing in April after all, officials said on Friday.",
)
FOOTBALL = ("Manchester City sign Brazilian striker", "The club paid a record fee for the forward.")


def test_near_duplicate_titles_share_a_fingerprint() -> None:
    a = fingerprint_text(*TRIP)
    b = fingerprint_text(*TRIP_REWRITE)
    assert similarity(a, b) >= 0.6
    assert similarity(a, fingerprint_text(*FOOTBALL)) < 0.1
    assert similarity("", a) == 0.0


def test_find_story_prefers_the_same_link() -> None:
    by_link = StoryRef(1, "https://news.example/a", "unrelated words", NOW)
    by_text = StoryRef(2, None, fingerprint_text(*TRIP), NOW)
    found = find_story([by_text, by_link], link="https://news.example/a", fingerprint="x")
    assert found == by_link
    assert find_story([by_text], link=None, fingerprint=fingerprint_text(*TRIP_REWRITE)) == by_text
    assert find_story([by_text], link=None, fingerprint=fingerprint_text(*FOOTBALL)) is None


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_claims_file(ROOT / "claims.yaml"), None)


async def _feed(sessions: Sessions, name: str) -> int:
    async with sessions() as s, s.begin():
        feed = FeedRow(
            url=f"https://{name}.example/rss",
            name=name,
            next_check_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(feed)
        await s.flush()
        return feed.id


async def _entry(
    sessions: Sessions,
    feed_id: int,
    item: tuple[str, str],
    *,
    link: str,
    seen: datetime,
    backlog: bool = False,
) -> None:
    async with sessions() as s, s.begin():
        s.add(
            EntryRow(
                feed_id=feed_id,
                identity=link,
                title=item[0],
                summary=item[1],
                link=link,
                published_at=seen,
                first_seen_at=seen,
                is_backlog=backlog,
            )
        )


async def test_one_story_across_feeds_gets_one_match_with_all_sources(
    sessions: Sessions, matcher: Matcher
) -> None:
    settings = load_settings()
    async with sessions() as s, s.begin():
        await sync_claims(s, matcher.claims, now=NOW)
    wire, daily, sport = [await _feed(sessions, n) for n in ("wire", "daily", "sport")]
    await _entry(sessions, wire, TRIP, link="https://wire.example/1", seen=NOW, backlog=True)
    await _entry(sessions, sport, FOOTBALL, link="https://sport.example/9", seen=NOW)
    first = await match_pending_entries(sessions, matcher, now=NOW, settings=settings)
    assert [(m.claim_id, m.stance, m.is_backlog) for m in first] == [
        ("trump-xi-visit", "contradicts", True)
    ]
    assert first[0].sources == ("wire",)

    later = NOW + timedelta(hours=2)
    # Another feed tells the same development in other words; a third repeats the link.
    await _entry(sessions, daily, TRIP_REWRITE, link="https://daily.example/5", seen=later)
    await _entry(sessions, sport, TRIP_REWRITE, link="https://wire.example/1", seen=later)
    second = await match_pending_entries(sessions, matcher, now=later, settings=settings)
    assert second == []

    async with sessions() as s:
        rows = (await s.scalars(select(MatchRow))).all()
        assert [(r.claim_id, r.is_backlog) for r in rows] == [("trump-xi-visit", True)]
        entries = (await s.scalars(select(EntryRow).order_by(EntryRow.id))).all()
        assert all(e.matched_at is not None for e in entries)
        stories = {e.title: e.story_id for e in entries}
        assert stories[TRIP[0]] == stories[TRIP_REWRITE[0]] != stories[FOOTBALL[0]]
    async with sessions() as s:
        (stored,) = await latest_matches(s, "trump-xi-visit")
    assert stored.sources == ("wire", "daily", "sport")
    assert stored.title == TRIP[0]


async def test_an_old_story_is_not_reused(sessions: Sessions, matcher: Matcher) -> None:
    settings = load_settings()
    async with sessions() as s, s.begin():
        await sync_claims(s, matcher.claims, now=NOW)
    wire = await _feed(sessions, "wire")
    await _entry(sessions, wire, TRIP, link="https://wire.example/1", seen=NOW)
    await match_pending_entries(sessions, matcher, now=NOW, settings=settings)
    weeks_later = NOW + timedelta(days=20)
    await _entry(sessions, wire, TRIP_REWRITE, link="https://wire.example/2", seen=weeks_later)
    new = await match_pending_entries(sessions, matcher, now=weeks_later, settings=settings)
    assert [m.claim_id for m in new] == ["trump-xi-visit"]
