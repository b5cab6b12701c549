"""Planning: new matches become outbox rows, one per (chat, topic, development).

`plan_alerts` is the pure decision; `plan_deliveries` loads what it needs, writes the rows and
marks the matches planned in the same transaction, so a crash plans them again, and the
outbox's unique key makes that harmless.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.config import Settings
from bot.deliver.audience import follows_claim, muted_by_filter
from bot.deliver.keys import alert_key, cap_notice_key
from bot.deliver.render import alert_buttons, render_alert
from bot.deliver.schedule import quiet_until
from bot.domain import AlertWindow, Claim, NewDelivery, StoredMatch, Subscriber
from bot.storage.claims import list_claims
from bot.storage.db import Sessions
from bot.storage.entries import story_texts
from bot.storage.matches import mark_matches_planned, unplanned_matches
from bot.storage.outbox import add_deliveries, existing_keys
from bot.storage.subscribers import active_subscribers, alert_windows, save_alert_windows

WINDOW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class AlertPlan:
    deliveries: tuple[NewDelivery, ...]
    windows: Mapping[int, AlertWindow]  # subscribers whose cap window changed


def release_time(subscriber: Subscriber, now: datetime) -> datetime:
    """Now, or the end of the chat's quiet hours when it is inside them."""
    if not (subscriber.quiet_start and subscriber.quiet_end):
        return now
    try:
        until = quiet_until(now, subscriber.timezone, subscriber.quiet_start, subscriber.quiet_end)
    except ValueError:
        return now
    return until or now


def cap_notice(subscriber: Subscriber, window: AlertWindow, cap: int, now: datetime) -> NewDelivery:
    text = (
        f"⏸ This chat has had {cap} alerts in the past hour, its limit. "
        "Further developments this hour will be in your next digest."
    )
    return NewDelivery(
        subscriber_id=subscriber.id,
        key=cap_notice_key(subscriber, window.start or now),
        kind="notice",
        text=text,
        not_before=release_time(subscriber, now),
    )


def _stories(matches: Sequence[StoredMatch]) -> dict[int, list[StoredMatch]]:
    """Alert-level, non-backlog matches by story, best score first, stories oldest first."""
    stories: dict[int, list[StoredMatch]] = {}
    for match in matches:
        if match.level == "alert" and not match.is_backlog:
            stories.setdefault(match.story_id, []).append(match)
    return {k: sorted(v, key=lambda m: -m.score) for k, v in stories.items()}


def plan_alerts(
    matches: Sequence[StoredMatch],
    subscribers: Sequence[Subscriber],
    claims: Mapping[str, Claim],
    *,
    texts: Mapping[int, str],
    windows: Mapping[int, AlertWindow],
    already: frozenset[str],
    cap: int,
    now: datetime,
) -> AlertPlan:
    """Decide which chats get an instant alert for which development."""
    stories = _stories(matches)
    planned: list[NewDelivery] = []
    changed: dict[int, AlertWindow] = {}
    for subscriber in subscribers:
        if not subscriber.active or subscriber.paused or subscriber.mode != "instant":
            continue
        window = windows.get(subscriber.id, AlertWindow(None, 0, False))
        if window.start is None or now - window.start >= WINDOW:
            window = AlertWindow(now, 0, False)
        before = window
        for story_id, story_matches in stories.items():
            key = alert_key(subscriber, story_id)
            chosen = [
                (m, claims[m.claim_id])
                for m in story_matches
                if m.claim_id in claims
                and m.created_at >= subscriber.subscribed_at
                and follows_claim(subscriber, claims[m.claim_id])
            ]
            if not chosen or key in already:
                continue
            if muted_by_filter(subscriber, texts.get(story_id, chosen[0][0].title)):
                continue
            if window.sent >= cap:
                if not window.notice_sent:
                    planned.append(cap_notice(subscriber, window, cap, now))
                    window = replace(window, notice_sent=True)
                continue
            window = replace(window, sent=window.sent + 1)
            planned.append(
                NewDelivery(
                    subscriber_id=subscriber.id,
                    key=key,
                    kind="alert",
                    text=render_alert(chosen, timezone=subscriber.timezone),
                    not_before=release_time(subscriber, now),
                    story_id=story_id,
                    claim_id=chosen[0][1].id,
                    buttons=alert_buttons([claim for _, claim in chosen]),
                )
            )
        if window != before:  # only chats that got something this time are written
            changed[subscriber.id] = window
    return AlertPlan(deliveries=tuple(planned), windows=changed)


async def plan_deliveries(sessions: Sessions, *, now: datetime, settings: Settings) -> int:
    """Turn every unplanned match into outbox rows; returns how many rows were added."""
    added = 0
    while True:
        async with sessions.begin() as session:
            matches = await unplanned_matches(session, limit=500)
            if not matches:
                return added
            subscribers = await active_subscribers(session)
            story_ids = sorted({m.story_id for m in matches})
            keys = [alert_key(s, story) for s in subscribers for story in story_ids]
            plan = plan_alerts(
                matches,
                subscribers,
                {c.id: c for c in await list_claims(session, include_retired=True)},
                texts=await story_texts(session, story_ids),
                windows=await alert_windows(session, [s.id for s in subscribers]),
                already=await existing_keys(session, keys),
                cap=settings.alerts_per_hour,
                now=now,
            )
            added += await add_deliveries(session, plan.deliveries, now=now)
            await save_alert_windows(session, plan.windows)
            await mark_matches_planned(session, [m.id for m in matches], now=now)
