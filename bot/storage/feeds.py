"""Feeds table: sync with feeds.yaml, run-time additions, due-feed selection, poll outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Feed, FeedHealth, FeedSpec, FeedSyncReport, FeedUpdate
from bot.storage.db import is_sqlite
from bot.storage.models import FeedRow

REMOVED_FROM_FILE = "removed from feeds.yaml"
DISABLED_IN_FILE = "disabled in feeds.yaml"
REMOVED_BY_OPERATOR = "removed by an operator"
# Reasons the file itself caused; a later sync may undo them, nothing else does.
FILE_REASONS = frozenset({REMOVED_FROM_FILE, DISABLED_IN_FILE})


def host_of(url: str) -> str:
    """The host a feed is grouped by (politeness, listings); an unparsable URL is its own."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # e.g. "http://[::1" — fetch reports it; grouping must not raise
        return url.lower()


def to_feed(row: FeedRow) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        name=row.name,
        themes=tuple(row.themes or ()),
        interval_seconds=row.interval_seconds,
        enabled=row.enabled,
        origin=row.origin,
        etag=row.etag,
        last_modified=row.last_modified,
        last_checked_at=row.last_checked_at,
        last_success_at=row.last_success_at,
        next_check_at=row.next_check_at,
        error_count=row.error_count,
        last_error=row.last_error,
        last_status=row.last_status,
        disabled_reason=row.disabled_reason,
        first_poll_done=row.first_poll_done,
    )


def _new_row(spec: FeedSpec, *, origin: str, now: datetime) -> FeedRow:
    return FeedRow(
        url=spec.url,
        config_url=spec.url if origin == "config" else None,
        name=spec.name,
        themes=list(spec.themes),
        interval_seconds=spec.interval_seconds,
        enabled=spec.enabled,
        origin=origin,
        host=host_of(spec.url),
        next_check_at=now,
        error_count=0,
        first_poll_done=False,
        disabled_reason=None if spec.enabled else DISABLED_IN_FILE,
        created_at=now,
        updated_at=now,
    )


def _apply_spec(row: FeedRow, spec: FeedSpec, *, now: datetime) -> bool:
    """Copy the file's fields onto `row`; True when anything changed."""
    before = (row.name, list(row.themes or ()), row.interval_seconds, row.enabled, row.origin)
    row.name = spec.name
    row.themes = list(spec.themes)
    row.origin = "config"
    row.config_url = spec.url
    if row.interval_seconds != spec.interval_seconds:
        row.interval_seconds = spec.interval_seconds
        row.next_check_at = min(row.next_check_at, now + timedelta(seconds=spec.interval_seconds))
    if not spec.enabled and row.enabled:
        row.enabled, row.disabled_reason = False, DISABLED_IN_FILE
    elif spec.enabled and not row.enabled and row.disabled_reason in FILE_REASONS:
        row.enabled, row.disabled_reason, row.next_check_at = True, None, now
    after = (row.name, list(row.themes), row.interval_seconds, row.enabled, row.origin)
    if before != after:
        row.updated_at = now
    return before != after


async def sync_feeds(
    session: AsyncSession, specs: Sequence[FeedSpec], *, now: datetime
) -> FeedSyncReport:
    """Make the table match feeds.yaml; feeds the file no longer lists are disabled, not deleted."""
    rows = list((await session.scalars(select(FeedRow))).all())
    by_url: dict[str, FeedRow] = {}
    for row in rows:
        by_url.setdefault(row.url, row)
    for row in rows:  # the file's url wins over a redirected one
        if row.config_url:
            by_url[row.config_url] = row
    added = updated = unchanged = disabled = 0
    listed: set[int] = set()
    for spec in specs:
        found = by_url.get(spec.url)
        if found is None:
            fresh = _new_row(spec, origin="config", now=now)
            session.add(fresh)
            by_url[spec.url] = fresh
            added += 1
            continue
        listed.add(found.id)
        if _apply_spec(found, spec, now=now):
            updated += 1
        else:
            unchanged += 1
    for row in rows:
        if row.origin == "config" and row.id not in listed and row.enabled:
            row.enabled, row.disabled_reason, row.updated_at = False, REMOVED_FROM_FILE, now
            disabled += 1
    await session.flush()
    return FeedSyncReport(added=added, updated=updated, disabled=disabled, unchanged=unchanged)


async def list_feeds(session: AsyncSession, *, include_disabled: bool = True) -> list[Feed]:
    query = select(FeedRow).order_by(FeedRow.id)
    if not include_disabled:
        query = query.where(FeedRow.enabled.is_(True))
    return [to_feed(row) for row in (await session.scalars(query)).all()]


async def _find_row(session: AsyncSession, id_or_url: str) -> FeedRow | None:
    key = id_or_url.strip().lstrip("#")
    if key.isascii() and key.isdigit():
        number = int(key) if len(key) <= 10 else 0
        # Past the database's integer range there is no such feed (and PostgreSQL would raise).
        return await session.get(FeedRow, number) if 0 < number < 2**31 else None
    query = select(FeedRow).where(or_(FeedRow.url == key, FeedRow.config_url == key))
    return (await session.scalars(query.order_by(FeedRow.id).limit(1))).first()


async def find_feed(session: AsyncSession, id_or_url: str) -> Feed | None:
    """A feed by its number (`12` or `#12`) or by its current or configured url."""
    row = await _find_row(session, id_or_url)
    return to_feed(row) if row else None


async def get_feeds(session: AsyncSession, feed_ids: Sequence[int]) -> list[Feed]:
    query = select(FeedRow).where(FeedRow.id.in_(list(feed_ids))).order_by(FeedRow.id)
    return [to_feed(row) for row in (await session.scalars(query)).all()]


async def remove_feed(session: AsyncSession, id_or_url: str, *, now: datetime) -> Feed | None:
    """Stop polling a feed; its entries stay. None when no such feed exists."""
    row = await _find_row(session, id_or_url)
    if row is None:
        return None
    if row.enabled:
        row.enabled, row.disabled_reason, row.updated_at = False, REMOVED_BY_OPERATOR, now
        await session.flush()
    return to_feed(row)


async def add_feed(session: AsyncSession, spec: FeedSpec, *, origin: str, now: datetime) -> Feed:
    """Insert a run-time feed, or re-enable a disabled one with the same url."""
    row = await _find_row(session, spec.url)
    if row is None:
        row = _new_row(spec, origin=origin, now=now)
        session.add(row)
    else:
        row.name = spec.name or row.name
        row.themes = list(spec.themes) or list(row.themes or ())
        row.interval_seconds = spec.interval_seconds
        row.enabled, row.disabled_reason = True, None
        row.next_check_at, row.error_count, row.updated_at = now, 0, now
    await session.flush()
    return to_feed(row)


async def feed_health_counts(session: AsyncSession) -> FeedHealth:
    enabled = FeedRow.enabled.is_(True)
    query = select(
        func.count().filter(enabled, FeedRow.error_count == 0),
        func.count().filter(enabled, FeedRow.error_count > 0),
        func.count().filter(FeedRow.enabled.is_(False)),
    )
    ok, failing, disabled = (await session.execute(query)).one()
    return FeedHealth(ok=ok, failing=failing, disabled=disabled)


async def claim_due_feeds(
    session: AsyncSession, *, now: datetime, limit: int, lease: timedelta
) -> list[Feed]:
    """Due feeds, soonest first, whatever their host; each is leased for `lease`.

    The lease (pushing next_check_at forward) keeps other processes and the next tick from
    taking the same feed; the poll's outcome then sets the real next check. How many requests
    go to one host at once is the poller's concern (a limit on requests in flight), not a
    quota here: a quota per tick would leave a host's other feeds waiting for later ticks.
    """
    query = (
        select(FeedRow)
        .where(FeedRow.enabled.is_(True), FeedRow.next_check_at <= now)
        .order_by(FeedRow.next_check_at, FeedRow.id)
        .limit(limit)
    )
    if not is_sqlite(session):
        query = query.with_for_update(skip_locked=True, of=FeedRow)
    chosen = list((await session.scalars(query)).all())
    feeds = [to_feed(row) for row in chosen]
    for row in chosen:
        row.next_check_at = now + lease
    await session.flush()
    return feeds


async def renew_lease(session: AsyncSession, feed_id: int, *, until: datetime) -> None:
    """Hold a claimed feed until `until`: its fetch starts now, after waiting for its host."""
    await session.execute(
        sql_update(FeedRow).where(FeedRow.id == feed_id).values(next_check_at=until)
    )


async def earliest_check(session: AsyncSession) -> datetime | None:
    """When the next enabled feed is due, or None when there is none."""
    # min() keeps the column's type, so the value comes back aware like the column's.
    value: datetime | None = await session.scalar(
        select(func.min(FeedRow.next_check_at)).where(FeedRow.enabled.is_(True))
    )
    return value


async def record_feed_update(
    session: AsyncSession, feed_id: int, update: FeedUpdate
) -> Feed | None:
    """Write one poll's outcome on the feed's row (one UPDATE; polls are frequent)."""
    values: dict[str, object] = {
        "next_check_at": update.next_check_at,
        "last_checked_at": update.last_checked_at,
        "error_count": update.error_count,
        "last_error": update.last_error,
        "last_status": update.last_status,
        "last_success_at": update.last_success_at,
        "etag": update.etag,
        "last_modified": update.last_modified,
        "updated_at": update.last_checked_at,
    }
    if update.first_poll_done:
        values["first_poll_done"] = True
    if update.disable_reason:
        values |= {"enabled": False, "disabled_reason": update.disable_reason}
    if update.url:
        clash = await session.scalar(
            select(FeedRow.id).where(FeedRow.url == update.url, FeedRow.id != feed_id)
        )
        if clash is None:  # another feed already has that address: keep ours as it is
            values |= {"url": update.url, "host": host_of(update.url)}
    statement = (
        sql_update(FeedRow)
        .where(FeedRow.id == feed_id)
        .values(values)
        .returning(FeedRow)
        .execution_options(synchronize_session=False)
    )
    row = (await session.scalars(statement)).first()
    return to_feed(row) if row else None
