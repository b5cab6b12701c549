"""Subscribers: a chat, or one forum topic of it, with its settings and delivery state.

Setters take the subscriber's id, change one thing and return the updated `Subscriber`;
callers commit. What a chat follows and filters out is `bot.storage.subscriptions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import DEFAULT_SCHEDULE, DEFAULT_TIMEZONE, AlertWindow, Subscriber
from bot.storage.db import rowcount
from bot.storage.models import SubscriberRow
from bot.storage.subscriptions import (
    LimitError,
    add_filter,
    add_subscription,
    filters_of,
    subscriptions_of,
)


async def get_or_create_subscriber(
    session: AsyncSession,
    *,
    chat_id: int,
    thread_id: int,
    chat_type: str,
    title: str | None,
    now: datetime,
    next_digest_at: datetime | None = None,
) -> Subscriber:
    """The chat's subscriber; a new one starts with defaults, a returning one keeps its settings."""
    row = await _row(session, chat_id, thread_id)
    if row is None:
        row = SubscriberRow(
            chat_id=chat_id,
            thread_id=thread_id,
            chat_type=chat_type,
            title=title,
            active=True,
            paused=False,
            mode="instant",
            schedule=DEFAULT_SCHEDULE,
            timezone=DEFAULT_TIMEZONE,
            empty_digest_line=False,
            alerts_in_window=0,
            cap_notice_sent=False,
            subscribed_at=now,
            next_digest_at=next_digest_at,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
    else:
        if not row.active:
            row.active = True
            row.deactivated_reason = None
            row.subscribed_at = now
            if row.next_digest_at is None or row.next_digest_at < now:
                row.next_digest_at = next_digest_at
        row.chat_type = chat_type
        row.title = title if title is not None else row.title
        row.updated_at = now
    return (await _load(session, [row]))[0]


async def get_subscriber(
    session: AsyncSession, *, chat_id: int, thread_id: int
) -> Subscriber | None:
    row = await _row(session, chat_id, thread_id)
    return (await _load(session, [row]))[0] if row else None


async def get_subscriber_by_id(session: AsyncSession, subscriber_id: int) -> Subscriber | None:
    row = await session.get(SubscriberRow, subscriber_id)
    return (await _load(session, [row]))[0] if row else None


async def active_subscribers(session: AsyncSession) -> list[Subscriber]:
    """Every chat that has not left or blocked the bot (paused ones too, flagged `paused`)."""
    rows = (
        await session.scalars(
            select(SubscriberRow).where(SubscriberRow.active).order_by(SubscriberRow.id)
        )
    ).all()
    return await _load(session, rows)


async def count_subscribers(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count()).select_from(SubscriberRow).where(SubscriberRow.active)
    )
    return int(count or 0)


async def deactivate_subscriber(
    session: AsyncSession,
    chat_id: int,
    *,
    reason: str,
    now: datetime,
    thread_id: int | None = None,
) -> int:
    """Stop sending to every topic of the chat (blocked, kicked, gone); returns rows changed.

    With `thread_id`, only that topic (a deleted forum topic): the chat's other topics keep going.
    """
    query = update(SubscriberRow).where(SubscriberRow.chat_id == chat_id, SubscriberRow.active)
    if thread_id is not None:
        query = query.where(SubscriberRow.thread_id == thread_id)
    result = await session.execute(
        query.values(active=False, deactivated_reason=reason[:255], updated_at=now)
    )
    return rowcount(result)


async def migrate_chat(
    session: AsyncSession, old_chat_id: int, new_chat_id: int, *, now: datetime
) -> int:
    """Move every topic row of a group that became a supergroup; returns rows moved.

    If the new chat already has a row for a topic (someone spoke there first), the old row's
    subscriptions and filters are merged into it and the old row is removed.
    """
    old_rows = (
        await session.scalars(select(SubscriberRow).where(SubscriberRow.chat_id == old_chat_id))
    ).all()
    for old in old_rows:
        existing = await _row(session, new_chat_id, old.thread_id)
        if existing is None:
            old.chat_id = new_chat_id
            old.chat_type = "supergroup"
            old.updated_at = now
            continue
        # Past the limits the merged chat keeps what it had; the rest of the old row goes.
        for sub in (await subscriptions_of(session, [old.id])).get(old.id, []):
            with suppress(LimitError):
                await add_subscription(session, existing.id, sub.kind, sub.target, now=now)
        for word in (await filters_of(session, [old.id])).get(old.id, []):
            with suppress(LimitError):
                await add_filter(session, existing.id, word, now=now)
        await session.execute(delete(SubscriberRow).where(SubscriberRow.id == old.id))
        session.expunge(old)
    await session.flush()
    return len(old_rows)


async def delete_subscriber_data(session: AsyncSession, chat_id: int, thread_id: int) -> bool:
    """Forget the chat (topic): its settings, subscriptions, filters and queued messages."""
    row = await _row(session, chat_id, thread_id)
    if row is None:
        return False
    # Subscriptions, filters and deliveries go with it (ON DELETE CASCADE).
    await session.execute(delete(SubscriberRow).where(SubscriberRow.id == row.id))
    session.expunge(row)
    return True


# --- settings ------------------------------------------------------------------------------------


async def set_mode(
    session: AsyncSession, subscriber_id: int, mode: str, *, now: datetime
) -> Subscriber:
    if mode not in ("instant", "digest"):
        raise ValueError(f"unknown mode {mode!r}")
    return await _set(session, subscriber_id, now, mode=mode)


async def set_schedule(
    session: AsyncSession,
    subscriber_id: int,
    schedule: str,
    *,
    next_digest_at: datetime | None,
    now: datetime,
) -> Subscriber:
    return await _set(session, subscriber_id, now, schedule=schedule, next_digest_at=next_digest_at)


async def set_timezone(
    session: AsyncSession,
    subscriber_id: int,
    timezone: str,
    *,
    next_digest_at: datetime | None,
    now: datetime,
) -> Subscriber:
    return await _set(session, subscriber_id, now, timezone=timezone, next_digest_at=next_digest_at)


async def set_quiet_hours(
    session: AsyncSession,
    subscriber_id: int,
    quiet: tuple[str, str] | None,
    *,
    now: datetime,
) -> Subscriber:
    start, end = quiet if quiet else (None, None)
    return await _set(session, subscriber_id, now, quiet_start=start, quiet_end=end)


async def set_paused(
    session: AsyncSession, subscriber_id: int, paused: bool, *, now: datetime
) -> Subscriber:
    return await _set(session, subscriber_id, now, paused=paused)


# --- delivery state: the alert cap's window and digest times ------------------------------------


async def alert_windows(
    session: AsyncSession, subscriber_ids: Sequence[int]
) -> dict[int, AlertWindow]:
    if not subscriber_ids:
        return {}
    rows = await session.execute(
        select(
            SubscriberRow.id,
            SubscriberRow.alert_window_start,
            SubscriberRow.alerts_in_window,
            SubscriberRow.cap_notice_sent,
        ).where(SubscriberRow.id.in_(list(subscriber_ids)))
    )
    return {i: AlertWindow(start, sent or 0, bool(notice)) for i, start, sent, notice in rows}


async def save_alert_windows(session: AsyncSession, windows: Mapping[int, AlertWindow]) -> None:
    """Store the cap windows of many chats in one statement."""
    if not windows:
        return
    table = cast(Table, SubscriberRow.__table__)
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("target_id"))
        .values(
            alert_window_start=bindparam("start"),
            alerts_in_window=bindparam("sent"),
            cap_notice_sent=bindparam("notice"),
        ),
        [
            {"target_id": i, "start": w.start, "sent": w.sent, "notice": w.notice_sent}
            for i, w in windows.items()
        ],
    )


async def due_digest_subscriber_ids(session: AsyncSession, *, now: datetime) -> list[int]:
    """Active chats whose digest is due, or whose digest time was never computed."""
    rows = await session.scalars(
        select(SubscriberRow.id)
        .where(
            SubscriberRow.active.is_(True),
            or_(
                SubscriberRow.next_digest_at <= now,
                and_(SubscriberRow.next_digest_at.is_(None), SubscriberRow.schedule != "off"),
            ),
        )
        .order_by(SubscriberRow.id)
    )
    return list(rows.all())


async def set_digest_times(
    session: AsyncSession,
    subscriber_id: int,
    *,
    next_at: datetime | None,
    last_at: datetime | None,
    now: datetime,
) -> None:
    """Record when the chat's next digest is due and up to when the last one covered."""
    await session.execute(
        update(SubscriberRow)
        .where(SubscriberRow.id == subscriber_id)
        .values(next_digest_at=next_at, last_digest_at=last_at, updated_at=now)
    )


# --- rows to domain objects --------------------------------------------------------------------


async def _row(session: AsyncSession, chat_id: int, thread_id: int) -> SubscriberRow | None:
    row: SubscriberRow | None = await session.scalar(
        select(SubscriberRow).where(
            SubscriberRow.chat_id == chat_id, SubscriberRow.thread_id == thread_id
        )
    )
    return row


async def _set(
    session: AsyncSession, subscriber_id: int, now: datetime, **values: object
) -> Subscriber:
    row = await session.get(SubscriberRow, subscriber_id)
    if row is None:
        raise LookupError(f"no subscriber {subscriber_id}")
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    await session.flush()
    return (await _load(session, [row]))[0]


async def _load(session: AsyncSession, rows: Sequence[SubscriberRow]) -> list[Subscriber]:
    ids = [row.id for row in rows]
    subs = await subscriptions_of(session, ids)
    words = await filters_of(session, ids)
    return [
        Subscriber(
            id=row.id,
            chat_id=row.chat_id,
            thread_id=row.thread_id,
            chat_type=row.chat_type,
            active=row.active,
            paused=row.paused,
            mode="digest" if row.mode == "digest" else "instant",
            schedule=row.schedule,
            timezone=row.timezone,
            quiet_start=row.quiet_start,
            quiet_end=row.quiet_end,
            subscribed_at=row.subscribed_at,
            next_digest_at=row.next_digest_at,
            last_digest_at=row.last_digest_at,
            empty_digest_line=row.empty_digest_line,
            subscriptions=tuple(subs.get(row.id, [])),
            filters=tuple(words.get(row.id, [])),
        )
        for row in rows
    ]
