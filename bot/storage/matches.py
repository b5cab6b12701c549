"""Matches: one row per (story, claim), joined with the story's first entry and its sources."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Evidence, Match, MatchLevel, Stance, StoredMatch
from bot.storage.models import EntryRow, FeedRow, MatchRow

LEVELS: dict[str, tuple[str, ...]] = {"digest": ("digest", "alert"), "alert": ("alert",)}


def evidence_dict(why: Evidence) -> dict[str, Any]:
    return {
        "sentence": why.sentence,
        "matched_text": why.matched_text,
        "shared_words": list(why.shared_words),
        "lexical": why.lexical,
        "semantic": why.semantic,
    }


def _evidence(data: dict[str, Any]) -> Evidence:
    return Evidence(
        sentence=str(data.get("sentence", "")),
        matched_text=str(data.get("matched_text", "")),
        shared_words=tuple(data.get("shared_words") or ()),
        lexical=float(data.get("lexical", 0.0)),
        semantic=float(data.get("semantic", 0.0)),
    )


async def save_match(
    session: AsyncSession,
    *,
    story_id: int,
    entry_id: int,
    match: Match,
    claim_version: int,
    is_backlog: bool,
    now: datetime,
) -> int | None:
    """Store a (story, claim) match; return the new row's id, or None if it already existed.

    An existing match keeps its id, backlog flag and creation time, and takes the better score;
    one that rises to alert level is planned again.
    """
    row = await session.scalar(
        select(MatchRow).where(MatchRow.story_id == story_id, MatchRow.claim_id == match.claim_id)
    )
    if row is not None:
        if match.score > row.score:
            row.entry_id = entry_id
            row.score = match.score
            row.stance = match.stance
            row.confidence = match.confidence
            row.why = evidence_dict(match.why)
            row.claim_version = claim_version
            if match.level == "alert" and row.level != "alert":
                # Now strong enough to alert: planning looks at it again (the outbox key per
                # chat and story still keeps a chat from hearing about one story twice).
                row.level = "alert"
                row.planned_at = None
        return None
    row = MatchRow(
        story_id=story_id,
        entry_id=entry_id,
        claim_id=match.claim_id,
        score=match.score,
        level=match.level,
        stance=match.stance,
        confidence=match.confidence,
        why=evidence_dict(match.why),
        claim_version=claim_version,
        is_backlog=is_backlog,
        created_at=now,
        planned_at=None,
    )
    session.add(row)
    await session.flush()
    return row.id


async def _stored(session: AsyncSession, rows: Sequence[MatchRow]) -> list[StoredMatch]:
    """Attach each match's story: title, link and time of its first entry, and its feeds."""
    story_ids = {r.story_id for r in rows}
    first: dict[int, EntryRow] = {}
    sources: dict[int, list[str]] = {}
    if story_ids:
        entries = await session.execute(
            select(EntryRow, FeedRow.name, FeedRow.url)
            .join(FeedRow, FeedRow.id == EntryRow.feed_id)
            .where(EntryRow.story_id.in_(story_ids))
            .order_by(EntryRow.first_seen_at, EntryRow.id)
        )
        for entry, name, url in entries:
            first.setdefault(entry.story_id, entry)
            names = sources.setdefault(entry.story_id, [])
            if (name or url) not in names:
                names.append(name or url)
    result = []
    for r in rows:
        head = first.get(r.story_id)
        result.append(
            StoredMatch(
                id=r.id,
                story_id=r.story_id,
                claim_id=r.claim_id,
                score=r.score,
                level=cast(MatchLevel, r.level),
                stance=cast(Stance, r.stance),
                confidence=r.confidence,
                why=_evidence(r.why or {}),
                created_at=r.created_at,
                is_backlog=r.is_backlog,
                title=head.title if head else "",
                link=head.link if head else None,
                published_at=head.published_at if head else r.created_at,
                sources=tuple(sources.get(r.story_id, ())),
            )
        )
    return result


async def get_matches(session: AsyncSession, match_ids: Sequence[int]) -> list[StoredMatch]:
    if not match_ids:
        return []
    rows = await session.scalars(
        select(MatchRow).where(MatchRow.id.in_(list(match_ids))).order_by(MatchRow.id)
    )
    return await _stored(session, rows.all())


async def latest_matches(
    session: AsyncSession, claim_id: str, *, limit: int = 5
) -> list[StoredMatch]:
    """The claim's most recent matches, newest first."""
    rows = await session.scalars(
        select(MatchRow)
        .where(MatchRow.claim_id == claim_id)
        .order_by(MatchRow.created_at.desc(), MatchRow.id.desc())
        .limit(limit)
    )
    return await _stored(session, rows.all())


async def unplanned_matches(session: AsyncSession, *, limit: int = 500) -> list[StoredMatch]:
    """Matches delivery planning has not handled yet, oldest first."""
    rows = await session.scalars(
        select(MatchRow)
        .where(MatchRow.planned_at.is_(None))
        .order_by(MatchRow.created_at, MatchRow.id)
        .limit(limit)
    )
    return await _stored(session, rows.all())


async def mark_matches_planned(
    session: AsyncSession, match_ids: Sequence[int], *, now: datetime
) -> None:
    if match_ids:
        await session.execute(
            update(MatchRow).where(MatchRow.id.in_(list(match_ids))).values(planned_at=now)
        )


async def matches_between(
    session: AsyncSession, *, start: datetime, end: datetime, min_level: MatchLevel = "digest"
) -> list[StoredMatch]:
    """Matches created in [start, end) at `min_level` or above, oldest first."""
    rows = await session.scalars(
        select(MatchRow)
        .where(
            MatchRow.created_at >= start,
            MatchRow.created_at < end,
            MatchRow.level.in_(LEVELS[min_level]),
        )
        .order_by(MatchRow.created_at, MatchRow.id)
    )
    return await _stored(session, rows.all())
