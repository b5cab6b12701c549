"""Stories and the matcher's queue: entries not yet matched, grouped into stories across feeds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Entry
from bot.storage.entries import to_entry
from bot.storage.models import EntryRow, FeedRow, StoryRow


@dataclass(frozen=True, slots=True)
class StoryRef:
    """What clustering needs to know about a recent story."""

    id: int
    canonical_link: str | None
    fingerprint: str
    first_seen_at: datetime


async def unmatched_entries(session: AsyncSession, *, limit: int = 500) -> list[Entry]:
    """Entries the matcher has not seen yet, oldest first, locked until the transaction ends."""
    rows = await session.execute(
        select(EntryRow, FeedRow.name, FeedRow.url)
        .join(FeedRow, FeedRow.id == EntryRow.feed_id)
        .where(EntryRow.matched_at.is_(None))
        .order_by(EntryRow.first_seen_at, EntryRow.id)
        .limit(limit)
        # Several processes on PostgreSQL each take different entries (SQLite ignores this).
        .with_for_update(of=EntryRow, skip_locked=True)
    )
    return [to_entry(row, name or url) for row, name, url in rows]


async def recent_stories(session: AsyncSession, *, since: datetime) -> list[StoryRef]:
    """Stories seen since `since`, oldest id first (the order clustering breaks ties in)."""
    # Only the columns clustering reads: the window can hold tens of thousands of stories.
    rows = await session.execute(
        select(StoryRow.id, StoryRow.canonical_link, StoryRow.fingerprint, StoryRow.first_seen_at)
        .where(StoryRow.last_seen_at >= since)
        .order_by(StoryRow.id)
    )
    return [StoryRef(*row) for row in rows]


async def create_story(
    session: AsyncSession, *, link: str | None, title: str, fingerprint: str, now: datetime
) -> StoryRef:
    row = StoryRow(
        canonical_link=link,
        title=title,
        fingerprint=fingerprint,
        first_seen_at=now,
        last_seen_at=now,
    )
    session.add(row)
    await session.flush()
    return StoryRef(row.id, link, fingerprint, now)


async def attach_entry(
    session: AsyncSession, entry_id: int, story_id: int, *, now: datetime
) -> None:
    await session.execute(update(EntryRow).where(EntryRow.id == entry_id).values(story_id=story_id))
    await session.execute(update(StoryRow).where(StoryRow.id == story_id).values(last_seen_at=now))


async def mark_entries_matched(
    session: AsyncSession, entry_ids: Sequence[int], *, now: datetime
) -> None:
    if entry_ids:
        await session.execute(
            update(EntryRow).where(EntryRow.id.in_(list(entry_ids))).values(matched_at=now)
        )


async def story_is_backlog(session: AsyncSession, story_id: int, *, default: bool) -> bool:
    """A story is backlog when its first entry was; `default` if it has no entry yet."""
    value = await session.scalar(
        select(EntryRow.is_backlog)
        .where(EntryRow.story_id == story_id)
        .order_by(EntryRow.first_seen_at, EntryRow.id)
        .limit(1)
    )
    return default if value is None else bool(value)
