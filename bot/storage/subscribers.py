"""Subscribers (a chat, or one forum topic of it), their subscriptions, filters and settings.

Setters take the subscriber's id, change one thing and return the updated `Subscriber`;
callers commit. Filter words are stored case-folded with single spaces, so matching them is a
plain substring test.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Subscriber, Subscription, SubscriptionKind
from bot.storage.models import FilterRow, SubscriberRow, SubscriptionRow

FOLLOW_KINDS: tuple[SubscriptionKind, ...] = ("all", "theme", "claim")
# What one chat may keep, so a stranger cannot grow our tables or a /mysubs answer without end.
MAX_SUBSCRIPTIONS = 200  # follows and mutes together
MAX_FILTERS = 50
MAX_FILTER_LENGTH = 64  # characters after case-folding; fits the column (100) and one message
# Characters a stored word may not carry: C0/C1 controls and lone surrogates (PostgreSQL refuses
# NUL and the drivers refuse surrogates), and the bidirectional overrides that disguise text.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class LimitError(ValueError):
    """A chat asked to keep more (or longer) than it may; the message is one sentence to show."""


def normalize_filter(word: str) -> str:
    return " ".join(word.casefold().split())


def is_plain(text: str) -> bool:
    """True when `text` has no control characters, lone surrogates or bidirectional overrides."""
    return not any(c in _BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Cs") for c in text)


def check_filter(word: str) -> str:
    """The stored form of a filter word; LimitError when it is empty, too long or not plain text."""
    normalized = normalize_filter(word)
    if not normalized or not is_plain(normalized):
        raise LimitError("A filter must be a word or phrase of ordinary characters.")
    if len(normalized) > MAX_FILTER_LENGTH:
        raise LimitError(f"A filter can be at most {MAX_FILTER_LENGTH} characters long.")
    return normalized


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
            schedule="daily 08:00",
            timezone="UTC",
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
    session: AsyncSession, chat_id: int, *, reason: str, now: datetime
) -> int:
    """Stop sending to every topic of the chat (blocked, kicked, gone); returns rows changed."""
    result = await session.execute(
        update(SubscriberRow)
        .where(SubscriberRow.chat_id == chat_id, SubscriberRow.active)
        .values(active=False, deactivated_reason=reason[:255], updated_at=now)
    )
    return _rowcount(result)


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
        for sub in await _subscriptions(session, [old.id]):
            with suppress(LimitError):
                await _add_subscription(session, existing.id, sub.kind, sub.target, now=now)
        for word in (await _filters(session, [old.id])).get(old.id, []):
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


# --- subscriptions and filters ---------------------------------------------------------------


async def add_subscription(
    session: AsyncSession,
    subscriber_id: int,
    kind: SubscriptionKind,
    target: str = "",
    *,
    now: datetime,
) -> bool:
    """Subscribe (or, for kind "mute", mute a claim id); False if it was already there.

    LimitError when the chat already keeps MAX_SUBSCRIPTIONS. That the theme or claim exists is
    the caller's check (subscriptions.py in the Telegram layer), as storage does not read claims.
    """
    return await _add_subscription(session, subscriber_id, kind, target, now=now)


async def remove_subscription(
    session: AsyncSession, subscriber_id: int, kind: SubscriptionKind, target: str = ""
) -> bool:
    result = await session.execute(
        delete(SubscriptionRow).where(
            SubscriptionRow.subscriber_id == subscriber_id,
            SubscriptionRow.kind == kind,
            SubscriptionRow.target == target,
        )
    )
    return _rowcount(result) > 0


async def clear_subscriptions(
    session: AsyncSession,
    subscriber_id: int,
    kinds: Sequence[SubscriptionKind] = FOLLOW_KINDS,
) -> int:
    """Remove every subscription of these kinds (by default all but mutes); returns how many."""
    result = await session.execute(
        delete(SubscriptionRow).where(
            SubscriptionRow.subscriber_id == subscriber_id, SubscriptionRow.kind.in_(kinds)
        )
    )
    return _rowcount(result)


async def add_filter(
    session: AsyncSession, subscriber_id: int, word: str, *, now: datetime
) -> bool:
    """Mute developments containing `word`; False if it was already a filter.

    LimitError when the word is not plain text or too long, or the chat has MAX_FILTERS already.
    """
    word = check_filter(word)
    exists = await session.scalar(
        select(FilterRow.id).where(FilterRow.subscriber_id == subscriber_id, FilterRow.word == word)
    )
    if exists is not None:
        return False
    if await _count(session, FilterRow, subscriber_id) >= MAX_FILTERS:
        raise LimitError(f"This chat has {MAX_FILTERS} filters, the most it can keep.")
    session.add(FilterRow(subscriber_id=subscriber_id, word=word, created_at=now))
    await session.flush()
    return True


async def remove_filter(session: AsyncSession, subscriber_id: int, word: str) -> bool:
    word = normalize_filter(word)
    if not is_plain(word):
        return False  # never stored, and PostgreSQL refuses NUL even in a comparison
    result = await session.execute(
        delete(FilterRow).where(FilterRow.subscriber_id == subscriber_id, FilterRow.word == word)
    )
    return _rowcount(result) > 0


def _rowcount(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


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


async def _add_subscription(
    session: AsyncSession, subscriber_id: int, kind: str, target: str, *, now: datetime
) -> bool:
    exists = await session.scalar(
        select(SubscriptionRow.id).where(
            SubscriptionRow.subscriber_id == subscriber_id,
            SubscriptionRow.kind == kind,
            SubscriptionRow.target == target,
        )
    )
    if exists is not None:
        return False
    if await _count(session, SubscriptionRow, subscriber_id) >= MAX_SUBSCRIPTIONS:
        raise LimitError(
            f"This chat follows or mutes {MAX_SUBSCRIPTIONS} things, the most it can keep."
        )
    session.add(
        SubscriptionRow(subscriber_id=subscriber_id, kind=kind, target=target, created_at=now)
    )
    await session.flush()
    return True


async def _count(
    session: AsyncSession, table: type[SubscriptionRow] | type[FilterRow], subscriber_id: int
) -> int:
    count = await session.scalar(
        select(func.count()).select_from(table).where(table.subscriber_id == subscriber_id)
    )
    return int(count or 0)


async def _subscriptions(session: AsyncSession, ids: Iterable[int]) -> list[SubscriptionRow]:
    return list(
        (
            await session.scalars(
                select(SubscriptionRow)
                .where(SubscriptionRow.subscriber_id.in_(list(ids)))
                .order_by(SubscriptionRow.kind, SubscriptionRow.target)
            )
        ).all()
    )


async def _filters(session: AsyncSession, ids: Iterable[int]) -> dict[int, list[str]]:
    rows = await session.execute(
        select(FilterRow.subscriber_id, FilterRow.word)
        .where(FilterRow.subscriber_id.in_(list(ids)))
        .order_by(FilterRow.word)
    )
    words: dict[int, list[str]] = defaultdict(list)
    for subscriber_id, word in rows:
        words[subscriber_id].append(word)
    return words


async def _load(session: AsyncSession, rows: Sequence[SubscriberRow]) -> list[Subscriber]:
    ids = [row.id for row in rows]
    subs: dict[int, list[Subscription]] = defaultdict(list)
    for sub in await _subscriptions(session, ids):
        subs[sub.subscriber_id].append(
            Subscription(kind=cast(SubscriptionKind, sub.kind), target=sub.target)
        )
    words = await _filters(session, ids)
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
            subscriptions=tuple(subs[row.id]),
            filters=tuple(words.get(row.id, [])),
        )
        for row in rows
    ]
