"""What a chat follows, mutes and filters out, and how much of each one chat may keep.

Callers commit. Filter words are stored case-folded with single spaces, so matching them is a
plain substring test.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Subscription, SubscriptionKind
from bot.storage.db import rowcount
from bot.storage.models import FilterRow, SubscriptionRow

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
    return rowcount(result) > 0


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
    return rowcount(result)


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
    return rowcount(result) > 0


async def subscriptions_of(
    session: AsyncSession, subscriber_ids: Iterable[int]
) -> dict[int, list[Subscription]]:
    """Each subscriber's subscriptions (mutes included), by kind then target."""
    rows = await session.scalars(
        select(SubscriptionRow)
        .where(SubscriptionRow.subscriber_id.in_(list(subscriber_ids)))
        .order_by(SubscriptionRow.kind, SubscriptionRow.target)
    )
    subs: dict[int, list[Subscription]] = defaultdict(list)
    for row in rows:
        subs[row.subscriber_id].append(
            Subscription(kind=cast(SubscriptionKind, row.kind), target=row.target)
        )
    return subs


async def filters_of(session: AsyncSession, subscriber_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each subscriber's filter words, alphabetically."""
    rows = await session.execute(
        select(FilterRow.subscriber_id, FilterRow.word)
        .where(FilterRow.subscriber_id.in_(list(subscriber_ids)))
        .order_by(FilterRow.word)
    )
    words: dict[int, list[str]] = defaultdict(list)
    for subscriber_id, word in rows:
        words[subscriber_id].append(word)
    return words


async def _count(
    session: AsyncSession, table: type[SubscriptionRow] | type[FilterRow], subscriber_id: int
) -> int:
    count = await session.scalar(
        select(func.count()).select_from(table).where(table.subscriber_id == subscriber_id)
    )
    return int(count or 0)
