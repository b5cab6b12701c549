"""Claims: sync from claims.yaml, versioned edits, retirement, tallies. Returns domain objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Claim, ClaimSyncReport, Tally
from bot.storage.models import ClaimRow, ClaimVersionRow, MatchRow


class ClaimExistsError(ValueError):
    """add_claim was given an id that is already taken."""


def claim_definition(claim: Claim) -> dict[str, Any]:
    """The matcher's part of a claim, as stored in the `definition` column."""
    return {
        "aliases": list(claim.aliases),
        "supports": list(claim.supports),
        "contradicts": list(claim.contradicts),
        "keywords": {
            "all": [list(g) for g in claim.keywords_all],
            "none": list(claim.keywords_none),
        },
        "cues": {"support": list(claim.cues_support), "contradict": list(claim.cues_contradict)},
    }


def _to_claim(row: ClaimRow) -> Claim:
    d = row.definition or {}
    keywords = d.get("keywords") or {}
    cues = d.get("cues") or {}
    return Claim(
        id=row.id,
        text=row.text,
        theme=row.theme,
        kind=cast(Literal["forecast", "assessment"], row.kind),
        short=row.short,
        deadline=row.deadline,
        aliases=tuple(d.get("aliases") or ()),
        supports=tuple(d.get("supports") or ()),
        contradicts=tuple(d.get("contradicts") or ()),
        keywords_all=tuple(tuple(g) for g in keywords.get("all") or ()),
        keywords_none=tuple(keywords.get("none") or ()),
        cues_contradict=tuple(cues.get("contradict") or ()),
        cues_support=tuple(cues.get("support") or ()),
        active=row.active,
        version=row.version,
    )


def _same(row: ClaimRow, claim: Claim) -> bool:
    return (
        row.text == claim.text
        and row.short == claim.short
        and row.theme == claim.theme
        and row.kind == claim.kind
        and row.deadline == claim.deadline
        and (row.definition or {}) == claim_definition(claim)
    )


def _apply(row: ClaimRow, claim: Claim, *, now: datetime) -> None:
    row.text = claim.text
    row.short = claim.short
    row.theme = claim.theme
    row.kind = claim.kind
    row.deadline = claim.deadline
    row.definition = claim_definition(claim)
    row.updated_at = now


def _version_row(row: ClaimRow, *, now: datetime) -> ClaimVersionRow:
    return ClaimVersionRow(
        claim_id=row.id,
        version=row.version,
        text=row.text,
        definition=dict(row.definition or {}),
        created_at=now,
    )


async def sync_claims(
    session: AsyncSession, claims: Sequence[Claim], *, now: datetime
) -> ClaimSyncReport:
    """Make the config-origin claims match `claims`: add, version changes, retire the missing.

    Claims added from the CLI (origin "cli") are left alone; retired rows keep their history.
    """
    rows = {r.id: r for r in (await session.scalars(select(ClaimRow))).all()}
    added, changed, revived = [], [], []
    unchanged = 0
    for claim in claims:
        row = rows.get(claim.id)
        if row is None:
            row = ClaimRow(
                id=claim.id,
                version=1,
                active=True,
                origin="config",
                created_at=now,
                retired_at=None,
            )
            _apply(row, claim, now=now)
            session.add(row)
            await session.flush()
            session.add(_version_row(row, now=now))
            added.append(claim.id)
            continue
        if not row.active:
            row.active = True
            row.retired_at = None
            row.updated_at = now
            revived.append(claim.id)
        if _same(row, claim):
            unchanged += claim.id not in revived
            continue
        row.version += 1
        _apply(row, claim, now=now)
        session.add(_version_row(row, now=now))
        changed.append(claim.id)
    wanted = {c.id for c in claims}
    retired = []
    for row in rows.values():
        if row.origin == "config" and row.active and row.id not in wanted:
            row.active = False
            row.retired_at = now
            row.updated_at = now
            retired.append(row.id)
    await session.flush()
    return ClaimSyncReport(
        added=tuple(added),
        changed=tuple(changed),
        retired=tuple(sorted(retired)),
        revived=tuple(revived),
        unchanged=unchanged,
    )


async def list_claims(session: AsyncSession, *, include_retired: bool = False) -> list[Claim]:
    query = select(ClaimRow).order_by(ClaimRow.theme, ClaimRow.id)
    if not include_retired:
        query = query.where(ClaimRow.active.is_(True))
    return [_to_claim(r) for r in (await session.scalars(query)).all()]


async def get_claim(session: AsyncSession, claim_id: str) -> Claim | None:
    row = await session.get(ClaimRow, claim_id)
    return _to_claim(row) if row else None


async def claim_history(session: AsyncSession, claim_id: str) -> list[tuple[int, str, datetime]]:
    """(version, text, created_at) of every stored version, oldest first."""
    rows = await session.scalars(
        select(ClaimVersionRow)
        .where(ClaimVersionRow.claim_id == claim_id)
        .order_by(ClaimVersionRow.version)
    )
    return [(r.version, r.text, r.created_at) for r in rows]


async def claim_tallies(session: AsyncSession) -> dict[str, Tally]:
    """Alert-level matches (one per story) per claim and stance; backlog matches count too
    (they are real evidence), digest-level ones ("possibly related") do not."""
    rows = await session.execute(
        select(MatchRow.claim_id, MatchRow.stance, func.count())
        .where(MatchRow.level == "alert")
        .group_by(MatchRow.claim_id, MatchRow.stance)
    )
    counts: dict[str, dict[str, int]] = {}
    for claim_id, stance, n in rows:
        counts.setdefault(claim_id, {})[stance] = n
    return {
        claim_id: Tally(
            supports=c.get("supports", 0),
            contradicts=c.get("contradicts", 0),
            related=c.get("related", 0),
        )
        for claim_id, c in counts.items()
    }


async def list_themes(session: AsyncSession) -> dict[str, int]:
    """Theme -> number of active claims, themes sorted by name."""
    rows = await session.execute(
        select(ClaimRow.theme, func.count())
        .where(ClaimRow.active.is_(True))
        .group_by(ClaimRow.theme)
        .order_by(ClaimRow.theme)
    )
    return {theme: n for theme, n in rows}


async def add_claim(session: AsyncSession, claim: Claim, *, now: datetime) -> Claim:
    """Add a claim from the CLI or Telegram; sync from claims.yaml will not retire it."""
    if await session.get(ClaimRow, claim.id) is not None:
        raise ClaimExistsError(f"a claim with id {claim.id!r} already exists")
    row = ClaimRow(
        id=claim.id, version=1, active=True, origin="cli", created_at=now, retired_at=None
    )
    _apply(row, claim, now=now)
    session.add(row)
    await session.flush()
    session.add(_version_row(row, now=now))
    await session.flush()
    return _to_claim(row)


async def edit_claim(
    session: AsyncSession, claim_id: str, *, now: datetime, **changes: Any
) -> Claim | None:
    """Change some fields of a claim (text, short, theme, kind, deadline, supports, …).

    A real change bumps the version and keeps the old one in claim_versions. None if no such claim.
    """
    row = await session.get(ClaimRow, claim_id)
    if row is None:
        return None
    current = _to_claim(row)
    updated = replace(current, **changes)
    if _same(row, updated):
        return current
    row.version += 1
    _apply(row, updated, now=now)
    session.add(_version_row(row, now=now))
    await session.flush()
    return _to_claim(row)


async def retire_claim(session: AsyncSession, claim_id: str, *, now: datetime) -> bool:
    """Stop matching a claim; its matches and versions stay. False if there is no such claim."""
    row = await session.get(ClaimRow, claim_id)
    if row is None:
        return False
    if row.active:
        row.active = False
        row.retired_at = now
        row.updated_at = now
        await session.flush()
    return True
