"""Digests: each chat's developments since its last digest, on its schedule and on /digest.

The text groups developments by theme and claim, each claim with its tally and items; a
headline on top says how much happened and which claims moved most. Long digests are split
into several messages; each is an outbox row keyed by (chat, topic, period, part).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.deliver.audience import follows_claim, muted_by_filter
from bot.deliver.keys import digest_key
from bot.deliver.render import (
    claim_heading,
    escape,
    format_time,
    link,
    split_message,
    stance_words,
)
from bot.deliver.schedule import next_digest_time
from bot.domain import (
    Claim,
    NewDelivery,
    StoredMatch,
    Subscriber,
    Tally,
)
from bot.storage.claims import list_claims
from bot.storage.db import Sessions
from bot.storage.entries import story_texts
from bot.storage.matches import matches_between
from bot.storage.outbox import add_deliveries
from bot.storage.subscribers import (
    due_digest_subscriber_ids,
    get_subscriber_by_id,
    set_digest_times,
)

log = logging.getLogger(__name__)


def select_items(
    subscriber: Subscriber,
    matches: Sequence[StoredMatch],
    claims: Mapping[str, Claim],
    texts: Mapping[int, str],
) -> list[tuple[StoredMatch, Claim]]:
    """The period's matches this chat follows, minus backlog and filtered developments."""
    chosen = []
    for match in matches:
        claim = claims.get(match.claim_id)
        if claim is None or match.is_backlog or not follows_claim(subscriber, claim):
            continue
        if muted_by_filter(subscriber, texts.get(match.story_id, match.title)):
            continue
        chosen.append((match, claim))
    return chosen


def _tally(matches: Sequence[StoredMatch]) -> str:
    """The period's evidence for a claim, counted as everywhere else (Tally.words); the
    "possibly related" items are listed below it but are not evidence."""
    counts: Counter[str] = Counter(m.stance for m in matches if m.level == "alert")
    tally = Tally(counts["supports"], counts["contradicts"], counts["related"])
    return tally.words()


def _item(match: StoredMatch) -> str:
    sources = ", ".join(match.sources) or "unknown source"
    title = link(match.link, match.title or "(untitled)")
    return f"• {title} — {escape(sources)} · {stance_words(match)}"


def render_digest(
    items: Sequence[tuple[StoredMatch, Claim]], *, since: datetime, timezone: str
) -> str:
    """The whole digest as one HTML text (split it before sending)."""
    by_claim: dict[str, list[StoredMatch]] = {}
    claim_of: dict[str, Claim] = {}
    for match, claim in items:
        by_claim.setdefault(claim.id, []).append(match)
        claim_of[claim.id] = claim
    stories = {m.story_id for m, _ in items}
    movers = sorted(by_claim, key=lambda c: (-len(by_claim[c]), c))[:3]
    moved = ", ".join(f"{escape(claim_of[c].label)} ({len(by_claim[c])})" for c in movers)
    lines = [
        f"📰 <b>Digest</b> since {format_time(since, timezone)}: {len(stories)} "
        f"development{'s' if len(stories) != 1 else ''} on {len(by_claim)} "
        f"claim{'s' if len(by_claim) != 1 else ''}. Moved most: {moved}."
    ]
    themes: dict[str, list[str]] = {}
    for claim_id in sorted(by_claim, key=lambda c: (claim_of[c].theme, -len(by_claim[c]), c)):
        themes.setdefault(claim_of[claim_id].theme, []).append(claim_id)
    for theme, claim_ids in themes.items():
        lines += ["", f"<b>Theme: {escape(theme)}</b>"]
        for claim_id in claim_ids:
            matches = by_claim[claim_id]
            lines.append(f"{claim_heading(claim_of[claim_id])} — {_tally(matches)}")
            lines += [
                _item(m) for m in sorted(matches, key=lambda m: (m.level != "alert", -m.score))
            ]
    return "\n".join(lines)


def empty_line(since: datetime, timezone: str) -> str:
    return f"📰 Nothing new on your claims since {format_time(since, timezone)}."


async def _digest_messages(
    sessions: Sessions, subscriber: Subscriber, *, since: datetime, now: datetime
) -> list[str]:
    async with sessions() as session:
        matches = await matches_between(session, start=since, end=now, min_level="digest")
        claims = {c.id: c for c in await list_claims(session, include_retired=True)}
        texts = await story_texts(session, sorted({m.story_id for m in matches}))
    items = select_items(subscriber, matches, claims, texts)
    if not items:
        return [empty_line(since, subscriber.timezone)] if subscriber.empty_digest_line else []
    return split_message(render_digest(items, since=since, timezone=subscriber.timezone))


def _digest_rows(
    subscriber: Subscriber,
    messages: Sequence[str],
    *,
    period: datetime,
    on_demand: bool,
    now: datetime,
) -> list[NewDelivery]:
    """Outbox rows for a digest's parts, keyed by (chat, topic, period, part)."""
    return [
        NewDelivery(
            subscriber_id=subscriber.id,
            key=digest_key(subscriber, period, index, on_demand=on_demand),
            kind="digest",
            text=text,
            not_before=now,
        )
        for index, text in enumerate(messages)
    ]


def _since(subscriber: Subscriber) -> datetime:
    return subscriber.last_digest_at or subscriber.subscribed_at


def _next_time(subscriber: Subscriber, now: datetime) -> datetime | None:
    try:
        return next_digest_time(subscriber.schedule, subscriber.timezone, after=now)
    except ValueError:
        log.warning("chat %s has an unusable digest schedule", subscriber.chat_id)
        return None


async def queue_due_digests(sessions: Sessions, *, now: datetime) -> int:
    """Queue every due digest in the outbox and advance each chat's schedule; returns rows."""
    async with sessions() as session:
        due = await due_digest_subscriber_ids(session, now=now)
    queued = 0
    for subscriber_id in due:
        async with sessions() as session:
            subscriber = await get_subscriber_by_id(session, subscriber_id)
        if subscriber is None:
            continue
        next_at = _next_time(subscriber, now)
        period = subscriber.next_digest_at
        if period is None:  # never scheduled: start counting from now
            async with sessions.begin() as session:
                await set_digest_times(
                    session,
                    subscriber.id,
                    next_at=next_at,
                    last_at=subscriber.last_digest_at or now,
                    now=now,
                )
            continue
        since = _since(subscriber)
        messages = (
            []
            if subscriber.paused
            else await _digest_messages(sessions, subscriber, since=since, now=now)
        )
        rows = _digest_rows(subscriber, messages, period=period, on_demand=False, now=now)
        async with sessions.begin() as session:
            queued += await add_deliveries(session, rows, now=now)
            await set_digest_times(session, subscriber.id, next_at=next_at, last_at=now, now=now)
    return queued


async def digest_now(sessions: Sessions, subscriber_id: int, *, now: datetime) -> list[str]:
    """The chat's digest since its last one, for /digest; [] when there is nothing new."""
    return await _take_digest(sessions, subscriber_id, now=now, queue=False)


async def preview_digest(sessions: Sessions, subscriber_id: int, *, now: datetime) -> list[str]:
    """The chat's next digest as it stands now; changes nothing."""
    async with sessions() as session:
        subscriber = await get_subscriber_by_id(session, subscriber_id)
    if subscriber is None:
        return []
    return await _digest_messages(sessions, subscriber, since=_since(subscriber), now=now)


async def queue_digest_now(sessions: Sessions, subscriber_id: int, *, now: datetime) -> list[str]:
    """Queue the chat's digest for sending now (operator's `claimwatch digest`); returns it."""
    return await _take_digest(sessions, subscriber_id, now=now, queue=True)


async def _take_digest(
    sessions: Sessions, subscriber_id: int, *, now: datetime, queue: bool
) -> list[str]:
    """The digest since the chat's last one; the next one starts from `now` (its schedule stays).

    With `queue` the parts also go to the outbox, under keys of their own.
    """
    async with sessions() as session:
        subscriber = await get_subscriber_by_id(session, subscriber_id)
    if subscriber is None:
        return []
    messages = await _digest_messages(sessions, subscriber, since=_since(subscriber), now=now)
    async with sessions.begin() as session:
        if queue:
            rows = _digest_rows(subscriber, messages, period=now, on_demand=True, now=now)
            await add_deliveries(session, rows, now=now)
        await set_digest_times(
            session, subscriber.id, next_at=subscriber.next_digest_at, last_at=now, now=now
        )
    return messages
