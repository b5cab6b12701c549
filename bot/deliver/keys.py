"""Outbox keys: every message that may be sent at most once has one, built here.

The outbox is unique on the key, so planning or queueing the same message again (after a crash,
or in a second process) adds nothing. A key names the chat and topic, then what the message is:

    alert:{chat}:{thread}:{story}
    notice:cap:{chat}:{thread}:{window start}
    digest:{chat}:{thread}:{period}:{part}    period: when it fell due, or now-… on demand
"""

from __future__ import annotations

from datetime import datetime

from bot.domain import Subscriber


def _chat(subscriber: Subscriber) -> str:
    return f"{subscriber.chat_id}:{subscriber.thread_id}"


def alert_key(subscriber: Subscriber, story_id: int) -> str:
    return f"alert:{_chat(subscriber)}:{story_id}"


def cap_notice_key(subscriber: Subscriber, window_start: datetime) -> str:
    """One cap notice per chat and alert window."""
    return f"notice:cap:{_chat(subscriber)}:{window_start:%Y%m%dT%H%M}"


def digest_key(subscriber: Subscriber, period: datetime, part: int, *, on_demand: bool) -> str:
    """One part of the digest due at `period`, or of the one asked for at `period` (to the
    second: each request is a digest of its own)."""
    stamp = f"{period:now-%Y%m%dT%H%M%S}" if on_demand else f"{period:%Y%m%dT%H%M}"
    return f"digest:{_chat(subscriber)}:{stamp}:{part}"
