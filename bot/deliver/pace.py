"""Rate limits on our side: one overall rate and a pace per chat (Telegram's published limits)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

PRIVATE_RATE, PRIVATE_BURST = 1.0, 3  # about one message a second, short bursts allowed
GROUP_RATE, GROUP_BURST = 20 / 60, 3  # twenty a minute in groups


@dataclass
class TokenBucket:
    """`rate` tokens a second, holding at most `burst`; `block` stops it for a while (a 429)."""

    rate: float
    burst: float
    tokens: float = field(default=-1.0)
    stamp: float = field(default_factory=time.monotonic)
    blocked_until: float = 0.0

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def delay(self) -> float:
        """Seconds until a token is free (0 when one is free now)."""
        now = time.monotonic()
        self._refill(now)
        wait = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
        return max(wait, self.blocked_until - now)

    def take(self) -> None:
        self._refill(time.monotonic())
        self.tokens -= 1

    async def acquire(self) -> None:
        # Take first, then sleep off any debt: concurrent callers queue up in order.
        wait = max(0.0, self.blocked_until - time.monotonic())
        self.take()
        if self.tokens < 0:
            wait = max(wait, -self.tokens / self.rate)
        if wait > 0:
            await asyncio.sleep(wait)

    def block(self, seconds: float) -> None:
        self.blocked_until = max(self.blocked_until, time.monotonic() + seconds)


class ChatPacer:
    """Per-chat buckets; keep one across ticks so a chat's pace survives between sends."""

    def __init__(self) -> None:
        self._buckets: dict[int, TokenBucket] = {}

    def bucket(self, chat_id: int, chat_type: str) -> TokenBucket:
        found = self._buckets.get(chat_id)
        if found is None:
            group = chat_type in ("group", "supergroup") or chat_id < 0
            rate, burst = (GROUP_RATE, GROUP_BURST) if group else (PRIVATE_RATE, PRIVATE_BURST)
            found = self._buckets[chat_id] = TokenBucket(rate=rate, burst=burst)
        return found

    def forget_idle(self) -> None:
        """Drop buckets that are full again, so the map does not grow with every chat ever seen."""
        for chat_id in [
            c for c, b in self._buckets.items() if b.delay() == 0 and b.tokens >= b.burst
        ]:
            del self._buckets[chat_id]
