"""Claims and matches in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain import Claim, Evidence, Match, Tally
from bot.storage.claims import (
    ClaimExistsError,
    add_claim,
    claim_history,
    claim_tallies,
    edit_claim,
    get_claim,
    list_claims,
    list_themes,
    retire_claim,
    sync_claims,
)
from bot.storage.db import Sessions
from bot.storage.matches import (
    latest_matches,
    mark_matches_planned,
    matches_between,
    save_match,
    unplanned_matches,
)
from bot.storage.models import ClaimRow, EntryRow, FeedRow, StoryRow

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

VISIT = Claim(
    id="visit",
    text="The president will visit the capital in spring.",
    theme="summits",
    kind="forecast",
    short="Spring visit",
    supports=("The president lands in the capital.",),
    contradicts=("The visit is postponed.",),
    keywords_all=(("president",), ("visit", "trip")),
)
TRADE = Claim(
    id="trade", text="Trade between the two keeps growing.", theme="trade", kind="assessment"
)


async def test_sync_adds_versions_and_retires_without_deleting(sessions: Sessions) -> None:
    async with sessions() as s, s.begin():
        first = await sync_claims(s, [VISIT, TRADE], now=NOW)
    assert first.added == ("visit", "trade")

    edited = replace(VISIT, text="The president will visit the capital in May.")
    async with sessions() as s, s.begin():
        second = await sync_claims(s, [edited], now=NOW + timedelta(hours=1))
    assert second.changed == ("visit",)
    assert second.retired == ("trade",)

    async with sessions() as s:
        visit = await get_claim(s, "visit")
        assert visit is not None and visit.version == 2 and visit.text.endswith("May.")
        assert visit.supports == VISIT.supports and visit.keywords_all == VISIT.keywords_all
        history = await claim_history(s, "visit")
        assert [(v, t) for v, t, _ in history] == [(1, VISIT.text), (2, edited.text)]
        assert [c.id for c in await list_claims(s)] == ["visit"]
        retired = await get_claim(s, "trade")
        assert retired is not None and not retired.active
        assert {c.id for c in await list_claims(s, include_retired=True)} == {"visit", "trade"}
        assert await list_themes(s) == {"summits": 1}


async def test_sync_of_an_unchanged_file_changes_nothing(sessions: Sessions) -> None:
    async with sessions() as s, s.begin():
        await sync_claims(s, [VISIT], now=NOW)
    async with sessions() as s, s.begin():
        report = await sync_claims(s, [VISIT], now=NOW)
    assert report.unchanged == 1 and not report.changed and not report.added
    async with sessions() as s:
        assert len(await claim_history(s, "visit")) == 1


async def test_a_claim_back_in_the_file_is_revived(sessions: Sessions) -> None:
    async with sessions() as s, s.begin():
        await sync_claims(s, [VISIT], now=NOW)
    async with sessions() as s, s.begin():
        await sync_claims(s, [], now=NOW)
    async with sessions() as s, s.begin():
        report = await sync_claims(s, [VISIT], now=NOW)
    assert report.revived == ("visit",)
    async with sessions() as s:
        row = await s.get(ClaimRow, "visit")
        assert row is not None and row.active and row.retired_at is None


async def test_cli_claims_survive_sync_and_edits_are_versioned(sessions: Sessions) -> None:
    async with sessions() as s, s.begin():
        await add_claim(s, TRADE, now=NOW)
        with pytest.raises(ClaimExistsError):
            await add_claim(s, TRADE, now=NOW)
    async with sessions() as s, s.begin():
        report = await sync_claims(s, [VISIT], now=NOW)
    assert report.retired == ()
    async with sessions() as s, s.begin():
        edited = await edit_claim(s, "trade", now=NOW, supports=("Trade hits a record.",))
        assert edited is not None and edited.version == 2
        same = await edit_claim(s, "trade", now=NOW, supports=("Trade hits a record.",))
        assert same is not None and same.version == 2
        assert await edit_claim(s, "nope", now=NOW, text="x") is None
    async with sessions() as s, s.begin():
        assert await retire_claim(s, "trade", now=NOW)
        assert not await retire_claim(s, "nope", now=NOW)
    async with sessions() as s:
        assert [c.id for c in await list_claims(s)] == ["visit"]
        assert len(await claim_history(s, "trade")) == 2


async def _story(s, feed_names: list[str], *, title: str, backlog: bool = False) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    story = StoryRow(title=title, fingerprint="", first_seen_at=NOW, last_seen_at=NOW)
    s.add(story)
    await s.flush()
    first_entry = 0
    for n, name in enumerate(feed_names):
        feed = await s.scalar(select(FeedRow).where(FeedRow.name == name))
        if feed is None:
            feed = FeedRow(
                url=f"https://{name}.example/rss",
                name=name,
                next_check_at=NOW,
                created_at=NOW,
                updated_at=NOW,
            )
            s.add(feed)
            await s.flush()
        entry = EntryRow(
            feed_id=feed.id,
            identity=f"{title}-{n}",
            title=f"{title} ({name})",
            summary="",
            link=f"https://{name}.example/{n}",
            published_at=NOW,
            first_seen_at=NOW + timedelta(seconds=n),
            is_backlog=backlog,
            story_id=story.id,
        )
        s.add(entry)
        await s.flush()
        first_entry = first_entry or entry.id
    return story.id, first_entry


def _match(claim_id: str, score: float, stance: str = "supports", level: str = "alert") -> Match:
    why = Evidence(
        "The president lands.", "The president lands in the capital.", ("lands",), 0.5, 0.7
    )
    return Match(claim_id, score, level, stance, 0.8, why)  # type: ignore[arg-type]


async def test_matches_join_their_story_and_sources(sessions: Sessions) -> None:
    async with sessions() as s, s.begin():
        await sync_claims(s, [VISIT, TRADE], now=NOW)
        story, entry = await _story(s, ["wire", "daily", "wire"], title="President lands")
        first = await save_match(
            s,
            story_id=story,
            entry_id=entry,
            match=_match("visit", 0.6),
            claim_version=1,
            is_backlog=False,
            now=NOW,
        )
        again = await save_match(
            s,
            story_id=story,
            entry_id=entry,
            match=_match("visit", 0.9),
            claim_version=1,
            is_backlog=False,
            now=NOW + timedelta(minutes=5),
        )
        other, e2 = await _story(s, ["daily"], title="Trade grows", backlog=True)
        second = await save_match(
            s,
            story_id=other,
            entry_id=e2,
            match=_match("trade", 0.3, "related", "digest"),
            claim_version=1,
            is_backlog=True,
            now=NOW + timedelta(hours=1),
        )
    assert first is not None and again is None and second is not None

    async with sessions() as s:
        (latest,) = await latest_matches(s, "visit")
        assert latest.score == 0.9 and latest.title == "President lands (wire)"
        assert latest.sources == ("wire", "daily")
        assert latest.why.shared_words == ("lands",)
        assert latest.created_at == NOW
        assert [m.id for m in await unplanned_matches(s)] == [first, second]
        window = await matches_between(s, start=NOW, end=NOW + timedelta(hours=2))
        assert [m.claim_id for m in window] == ["visit", "trade"]
        alerts = await matches_between(
            s, start=NOW, end=NOW + timedelta(hours=2), min_level="alert"
        )
        assert [m.claim_id for m in alerts] == ["visit"]
        assert (
            await matches_between(
                s, start=NOW + timedelta(hours=1, seconds=1), end=NOW + timedelta(hours=2)
            )
            == []
        )
        # Evidence is what alerted: the digest-level "trade" match is only possibly related.
        tallies = await claim_tallies(s)
        assert tallies == {"visit": Tally(supports=1)}
    async with sessions() as s, s.begin():
        await mark_matches_planned(s, [first], now=NOW)
    async with sessions() as s:
        (left,) = await unplanned_matches(s)
        assert left.id == second and left.is_backlog
