"""Entries table: store parsed items once per feed and hand back only the new ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Entry, ParsedEntry
from bot.storage.db import dialect_insert
from bot.storage.models import EntryRow, FeedRow

# Rows per INSERT: well under SQLite's bound-parameter limit (10 columns each).
BATCH = 500


def to_entry(row: EntryRow | Row[Any], feed_name: str | None = None) -> Entry:
    """The domain `Entry` for an ORM row or a result row of the entries columns."""
    return Entry(
        id=row.id,
        feed_id=row.feed_id,
        identity=row.identity,
        title=row.title,
        summary=row.summary,
        link=row.link,
        published_at=row.published_at,
        first_seen_at=row.first_seen_at,
        lang=row.lang,
        is_backlog=row.is_backlog,
        story_id=row.story_id,
        feed_name=feed_name,
    )


async def store_entries(
    session: AsyncSession,
    feed_id: int,
    entries: Sequence[ParsedEntry],
    *,
    now: datetime,
    backlog: bool,
    feed_name: str | None = None,
) -> list[Entry]:
    """Insert entries the feed has not stored before; return only those, in feed order.

    Repeats are no-ops at the database (unique feed_id + identity), so two processes
    storing the same item at once still store it once.
    """
    first_seen: dict[str, ParsedEntry] = {}
    for entry in entries:  # a guid repeated inside one feed: the first item wins
        first_seen.setdefault(entry.identity, entry)
    unique = list(first_seen.values())
    if not unique:
        return []
    table = EntryRow.__table__
    # One compiled statement run as executemany: SQLAlchemy batches it into multi-row
    # INSERT … RETURNING ("insertmanyvalues") on both backends.
    statement = (
        dialect_insert(session)(table)
        .on_conflict_do_nothing(index_elements=["feed_id", "identity"])
        .returning(*table.c)
    )
    new: list[Entry] = []
    for start in range(0, len(unique), BATCH):
        values = [
            {
                "feed_id": feed_id,
                "identity": e.identity,
                "guid": e.guid,
                "link": e.link,
                "title": e.title,
                "summary": e.summary,
                "published_at": e.published_at,
                "first_seen_at": now,
                "lang": e.lang,
                "is_backlog": backlog,
                "story_id": None,
                "matched_at": None,
            }
            for e in unique[start : start + BATCH]
        ]
        result = await session.execute(statement, values)
        new += [to_entry(row, feed_name) for row in result]
    order = {e.identity: i for i, e in enumerate(unique)}
    return sorted(new, key=lambda e: order[e.identity])


async def count_entries(
    session: AsyncSession, *, feed_id: int | None = None, since: datetime | None = None
) -> int:
    """Stored entries, of one feed and/or first seen at or after `since`."""
    query = select(func.count()).select_from(EntryRow)
    if feed_id is not None:
        query = query.where(EntryRow.feed_id == feed_id)
    if since is not None:
        query = query.where(EntryRow.first_seen_at >= since)
    return int(await session.scalar(query) or 0)


async def list_entries(session: AsyncSession, *, feed_id: int, limit: int = 100) -> list[Entry]:
    """A feed's stored entries, newest first."""
    query = (
        select(EntryRow, FeedRow.name)
        .join(FeedRow, FeedRow.id == EntryRow.feed_id)
        .where(EntryRow.feed_id == feed_id)
        .order_by(EntryRow.published_at.desc(), EntryRow.id.desc())
        .limit(limit)
    )
    return [to_entry(row, name) for row, name in (await session.execute(query)).all()]


async def story_texts(session: AsyncSession, story_ids: Sequence[int]) -> dict[int, str]:
    """Titles and summaries of every entry in each story, for filter words."""
    texts: dict[int, list[str]] = {}
    if story_ids:
        rows = await session.execute(
            select(EntryRow.story_id, EntryRow.title, EntryRow.summary).where(
                EntryRow.story_id.in_(list(story_ids))
            )
        )
        for story_id, title, summary in rows:
            texts.setdefault(story_id, []).extend((title, summary))
    return {story_id: "\n".join(parts) for story_id, parts in texts.items()}
