"""The outbox: one row per planned message, unique per (chat, topic, development or period).

Rows move pending → sending (claimed, with a lease in `not_before`) → sent | dead. A row left
in "sending" by a crashed process becomes claimable again once its lease runs out, so a crash
between the send and `mark_sent` resends at most that message.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Button, DeliveryKind, NewDelivery, OutboundMessage
from bot.storage.db import dialect_insert, is_sqlite, rowcount
from bot.storage.models import DeliveryRow, SubscriberRow

OPEN_STATUSES = ("pending", "sending")


@dataclass(frozen=True, slots=True)
class OutboxLine:
    """One row as the `deliveries` CLI shows it."""

    id: int
    key: str
    kind: str
    status: str
    chat_id: int
    attempts: int
    not_before: datetime
    reason: str | None


async def add_deliveries(
    session: AsyncSession, items: Sequence[NewDelivery], *, now: datetime
) -> int:
    """Insert rows whose key is new; existing keys are left alone. Returns how many were new."""
    if not items:
        return 0
    values = [
        {
            "key": item.key,
            "subscriber_id": item.subscriber_id,
            "kind": item.kind,
            "story_id": item.story_id,
            "claim_id": item.claim_id,
            "text": item.text,
            "status": "pending",
            "attempts": 0,
            "not_before": item.not_before,
            "buttons": [[list(b) for b in row] for row in item.buttons],
            "created_at": now,
        }
        for item in items
    ]
    table = cast(Table, DeliveryRow.__table__)
    # One statement, many parameter sets: SQLAlchemy batches them ("insertmanyvalues").
    statement = (
        dialect_insert(session)(table)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.id)
    )
    result = await session.execute(statement, values)
    return len(result.all())


async def existing_keys(session: AsyncSession, keys: Sequence[str]) -> frozenset[str]:
    """Which of `keys` are already in the outbox (any status)."""
    found: set[str] = set()
    unique = sorted(set(keys))
    for start in range(0, len(unique), 900):
        rows = await session.scalars(
            select(DeliveryRow.key).where(DeliveryRow.key.in_(unique[start : start + 900]))
        )
        found.update(rows.all())
    return frozenset(found)


def _due(
    now: datetime, chat_ids: Collection[int] | None = None
) -> Select[tuple[DeliveryRow, SubscriberRow]]:
    query = (
        select(DeliveryRow, SubscriberRow)
        .join(SubscriberRow, SubscriberRow.id == DeliveryRow.subscriber_id)
        .where(DeliveryRow.status.in_(OPEN_STATUSES), DeliveryRow.not_before <= now)
        .order_by(DeliveryRow.not_before, DeliveryRow.id)
    )
    if chat_ids is not None:
        query = query.where(SubscriberRow.chat_id.in_(list(chat_ids)))
    return query


def _buttons(raw: list[Any]) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple((str(b[0]), str(b[1])) for b in row) for row in raw or ())


async def claim_due_deliveries(
    session: AsyncSession,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
    chat_ids: Collection[int] | None = None,
) -> list[OutboundMessage]:
    """Take up to `limit` due rows for this process: status "sending", leased until `lease_until`.

    `chat_ids` limits the claim to those chats (console mode leaves Telegram chats' rows queued).

    On PostgreSQL rows locked by another process are skipped, so two senders never take one row.
    """
    query = _due(now, chat_ids).limit(limit)
    if not is_sqlite(session):
        query = query.with_for_update(of=DeliveryRow, skip_locked=True)
    rows = (await session.execute(query)).all()
    if not rows:
        return []
    # The conditional update is what makes the claim ours: a row another sender took between
    # our read and this write (SQLite has no SKIP LOCKED) no longer matches and is left out.
    taken = set(
        (
            await session.scalars(
                update(DeliveryRow)
                .where(
                    DeliveryRow.id.in_([d.id for d, _ in rows]),
                    DeliveryRow.status.in_(OPEN_STATUSES),
                    DeliveryRow.not_before <= now,
                )
                .values(status="sending", not_before=lease_until)
                .returning(DeliveryRow.id)
                .execution_options(synchronize_session=False)
            )
        ).all()
    )
    return [
        OutboundMessage(
            delivery_id=delivery.id,
            subscriber_id=subscriber.id,
            chat_id=subscriber.chat_id,
            thread_id=subscriber.thread_id,
            chat_type=subscriber.chat_type,
            kind=cast(DeliveryKind, delivery.kind),
            text=delivery.text,
            attempts=delivery.attempts,
            failing_since=delivery.failing_since,
            buttons=_buttons(delivery.buttons),
        )
        for delivery, subscriber in rows
        if delivery.id in taken
    ]


async def mark_sent(
    session: AsyncSession, delivery_id: int, *, message_id: int, now: datetime
) -> None:
    await mark_many_sent(session, [(delivery_id, message_id)], now=now)


async def mark_many_sent(
    session: AsyncSession, sent: Sequence[tuple[int, int]], *, now: datetime
) -> None:
    """Record (delivery id, Telegram message id) pairs as sent, in one statement."""
    if not sent:
        return
    table = cast(Table, DeliveryRow.__table__)
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("delivery_id"))
        .values(
            status="sent",
            message_id=bindparam("message_id"),
            sent_at=now,
            attempts=table.c.attempts + 1,
            failing_since=None,
        ),
        [{"delivery_id": d, "message_id": m} for d, m in sent],
    )


async def postpone_delivery(
    session: AsyncSession,
    delivery_id: int,
    *,
    until: datetime,
    error: str | None,
    failed: bool,
    now: datetime,
) -> None:
    """Put a row back in the queue for `until`; `failed` starts or continues its failure streak."""
    values: dict[str, Any] = {"status": "pending", "not_before": until}
    if error is not None:
        values["last_error"] = error[:2000]
    if failed:
        values["attempts"] = DeliveryRow.attempts + 1
        values["failing_since"] = func.coalesce(DeliveryRow.failing_since, now)
    await session.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(**values))


async def hold_chat_deliveries(
    session: AsyncSession, subscriber_id: int, *, until: datetime, after_id: int
) -> None:
    """Keep a chat's later rows behind one that must wait, so the chat's order holds."""
    await session.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.subscriber_id == subscriber_id,
            DeliveryRow.id > after_id,
            DeliveryRow.status == "pending",
            DeliveryRow.not_before < until,
        )
        .values(not_before=until)
    )


async def mark_dead(
    session: AsyncSession, delivery_id: int, *, reason: str, error: str | None, now: datetime
) -> None:
    await session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == delivery_id)
        .values(
            status="dead",
            dead_reason=reason[:255],
            last_error=(error or reason)[:2000],
            attempts=DeliveryRow.attempts + 1,
        )
    )


async def stop_chat_deliveries(
    session: AsyncSession, chat_id: int, *, reason: str, thread_id: int | None = None
) -> int:
    """Mark every open row of a chat (or one topic of it) that can no longer be reached dead."""
    targets = select(SubscriberRow.id).where(SubscriberRow.chat_id == chat_id)
    if thread_id is not None:
        targets = targets.where(SubscriberRow.thread_id == thread_id)
    result = await session.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.subscriber_id.in_(targets.scalar_subquery()),
            DeliveryRow.status.in_(OPEN_STATUSES),
        )
        .values(status="dead", dead_reason=reason[:255])
    )
    return rowcount(result)


async def delivery_counts(session: AsyncSession) -> dict[str, int]:
    """Rows per status (pending includes rows being sent), for /status."""
    counts = {"pending": 0, "sent": 0, "dead": 0}
    rows = await session.execute(
        select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
    )
    for status, count in rows:
        key = "pending" if status == "sending" else status
        counts[key] = counts.get(key, 0) + int(count)
    return counts


async def dead_reasons(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(DeliveryRow.dead_reason, func.count())
        .where(DeliveryRow.status == "dead")
        .group_by(DeliveryRow.dead_reason)
    )
    return {str(reason or "unknown"): int(count) for reason, count in rows}


async def list_outbox(
    session: AsyncSession, *, status: str | None = None, limit: int = 50
) -> list[OutboxLine]:
    """Most recent rows first, optionally of one status."""
    query = (
        select(DeliveryRow, SubscriberRow.chat_id)
        .join(SubscriberRow, SubscriberRow.id == DeliveryRow.subscriber_id)
        .order_by(DeliveryRow.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(DeliveryRow.status == status)
    return [
        OutboxLine(
            id=row.id,
            key=row.key,
            kind=row.kind,
            status=row.status,
            chat_id=chat_id,
            attempts=row.attempts,
            not_before=row.not_before,
            reason=row.dead_reason or row.last_error,
        )
        for row, chat_id in (await session.execute(query)).all()
    ]
