"""Sending the outbox: due rows go out paced, retried, and recorded exactly once.

Rows are claimed in batches (a lease protects them from other processes), grouped by chat,
and each chat's rows are sent strictly in order while several chats are in flight. Every
outcome is committed before that chat's next message: sent with its message id, postponed
(429, network trouble, a chat over its pace), moved (group upgraded), or dead (the chat is gone,
or the row kept failing for a day).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.deliver.outbox import OutboxWriter, Write
from bot.deliver.pace import ChatPacer, TokenBucket
from bot.deliver.render import TELEGRAM_LIMIT, html_to_plain, split_message, visible_length
from bot.domain import Button, OutboundMessage
from bot.errors import (
    BadMarkup,
    ChatGone,
    ChatMoved,
    DeliveryError,
    MessageTooLong,
    RetryLater,
)
from bot.storage.db import Sessions
from bot.storage.outbox import (
    claim_due_deliveries,
    hold_chat_deliveries,
    mark_dead,
    postpone_delivery,
    stop_chat_deliveries,
)
from bot.storage.subscribers import deactivate_subscriber, migrate_chat

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(days=1)
MAX_BACKOFF = timedelta(minutes=10)
INLINE_WAIT = 2.0  # seconds a chat task may sleep for its pace before handing the rows back
LEASE = timedelta(seconds=30)  # longer than one Bot API call may take, timeouts included


class Sender(Protocol):
    """What delivery needs from a messenger; raises bot.errors delivery errors."""

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        thread_id: int,
        html: bool,
        buttons: tuple[tuple[Button, ...], ...],
    ) -> int:
        """Send one message; return its message id."""
        ...


@dataclass
class SendReport:
    """What one `send_pending` call did."""

    sent: int = 0
    postponed: int = 0
    dead: int = 0
    chats_gone: int = 0
    moved: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Done:
    message_id: int


@dataclass(frozen=True)
class _Later:
    seconds: float
    error: str | None
    failed: bool


@dataclass(frozen=True)
class _Gone:
    reason: str
    topic_only: bool


_Outcome = _Done | _Later | _Gone


def backoff(attempts: int) -> float:
    """Seconds before retry number `attempts` + 1: 2, 4, 8 … capped at ten minutes."""
    return float(min(2 ** max(1, attempts + 1), MAX_BACKOFF.total_seconds()))


async def _send_parts(
    sender: Sender, message: OutboundMessage, chat_id: int, text: str, *, html: bool
) -> int:
    """Send `text`, in parts if it is too long; buttons go on the last part."""
    if visible_length(text, html=html) > TELEGRAM_LIMIT:
        parts = split_message(text, TELEGRAM_LIMIT, html=html)
    else:
        try:
            return await sender.send_message(
                chat_id, text, thread_id=message.thread_id, html=html, buttons=message.buttons
            )
        except MessageTooLong:  # Telegram counts differently than we do: split smaller
            parts = split_message(text, TELEGRAM_LIMIT - 96, html=html)
            if len(parts) < 2:
                raise
    message_id = 0
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message_id = await sender.send_message(
            chat_id,
            part,
            thread_id=message.thread_id,
            html=html,
            buttons=message.buttons if last else (),
        )
    return message_id


async def _attempt(sender: Sender, message: OutboundMessage, chat_id: int) -> int:
    try:
        return await _send_parts(sender, message, chat_id, message.text, html=True)
    except BadMarkup:
        log.warning(
            "delivery %s: markup refused, sending as plain text",
            message.delivery_id,
            extra={"chat_id": chat_id},
        )
        return await _send_parts(sender, message, chat_id, html_to_plain(message.text), html=False)


class _Run:
    """One `send_pending` call's shared state."""

    def __init__(
        self,
        *,
        sender: Sender,
        writer: OutboxWriter,
        clock: Callable[[], datetime],
        rate: TokenBucket,
        pacer: ChatPacer,
        gate: asyncio.Semaphore,
    ) -> None:
        self.sender, self.writer, self.clock = sender, writer, clock
        self.rate, self.pacer, self.gate = rate, pacer, gate
        self.report = SendReport()
        self.lease_deadline = math.inf  # monotonic time after which claimed rows go back

    async def deliver(self, message: OutboundMessage, chat_id: int) -> _Outcome:
        moved = False
        while True:
            try:
                async with self.gate:
                    await self.rate.acquire()
                    if time.monotonic() > self.lease_deadline:
                        # Held up so long that the claim may lapse: another sender could take
                        # the row, so hand it back rather than risk sending it twice.
                        return _Later(0.0, None, failed=False)
                    return _Done(await _attempt(self.sender, message, chat_id))
            except RetryLater as err:
                # Telegram's flood control is global to the bot: everybody waits.
                self.rate.block(err.seconds)
                return _Later(err.seconds, str(err), failed=False)
            except ChatGone as err:
                return _Gone(err.reason, err.topic_only)
            except ChatMoved as err:
                if moved:
                    return _Later(backoff(message.attempts), str(err), failed=True)
                await self.writer.write(self._migrate(chat_id, err.new_chat_id))
                self.report.moved += 1
                log.info("chat %s moved to %s", chat_id, err.new_chat_id)
                chat_id, moved = err.new_chat_id, True
            except Exception as err:  # network, 5xx, anything unforeseen: retry later, never drop
                expected = isinstance(err, DeliveryError)
                log.log(
                    logging.WARNING if expected else logging.ERROR,
                    "delivery %s to chat %s failed: %s",
                    message.delivery_id,
                    chat_id,
                    err,
                    exc_info=not expected,
                )
                return _Later(backoff(message.attempts), f"{type(err).__name__}: {err}", True)

    def _migrate(self, old: int, new: int) -> Write:
        async def write(session: AsyncSession) -> None:
            await migrate_chat(session, old, new, now=self.clock())

        return write

    async def run_chat(self, messages: Sequence[OutboundMessage]) -> None:
        """Send one chat's rows in order; stop at the first that must wait."""
        chat_id = messages[0].chat_id
        bucket = self.pacer.bucket(chat_id, messages[0].chat_type)
        for index, message in enumerate(messages):
            wait = bucket.delay()
            if wait > INLINE_WAIT:
                await self._hand_back(messages[index:], seconds=wait, error=None, failed=False)
                return
            await bucket.acquire()
            outcome = await self.deliver(message, chat_id)
            if isinstance(outcome, _Done):
                await self.writer.mark_sent(
                    message.delivery_id, outcome.message_id, now=self.clock()
                )
                self.report.sent += 1
                continue
            if isinstance(outcome, _Gone):
                await self.writer.write(self._gone(message, chat_id, outcome))
                self.report.chats_gone += 1
                return
            if await self._give_up(message, outcome):
                continue
            await self._hand_back(
                messages[index:],
                seconds=outcome.seconds,
                error=outcome.error,
                failed=outcome.failed,
            )
            return

    async def _give_up(self, message: OutboundMessage, outcome: _Later) -> bool:
        """A row failing for a day is marked dead; the chat's next rows carry on."""
        now = self.clock()
        if not outcome.failed or message.failing_since is None:
            return False
        if now - message.failing_since < GIVE_UP_AFTER:
            return False
        reason = f"failed for a day: {(outcome.error or 'unknown error')[:200]}"

        async def write(session: AsyncSession) -> None:
            await mark_dead(
                session, message.delivery_id, reason=reason, error=outcome.error, now=now
            )

        await self.writer.write(write)
        self.report.dead += 1
        log.warning("delivery %s is dead: %s", message.delivery_id, reason)
        return True

    def _gone(self, message: OutboundMessage, chat_id: int, outcome: _Gone) -> Write:
        async def write(session: AsyncSession) -> None:
            now = self.clock()
            reason = f"chat gone: {outcome.reason}"[:255]
            if outcome.topic_only:
                await deactivate_subscriber(
                    session, chat_id, reason=reason, now=now, thread_id=message.thread_id
                )
                await stop_chat_deliveries(
                    session, chat_id, reason=reason, thread_id=message.thread_id
                )
            else:
                await deactivate_subscriber(session, chat_id, reason=reason, now=now)
                await stop_chat_deliveries(session, chat_id, reason=reason)

        log.info("chat %s deactivated: %s", chat_id, outcome.reason)
        return write

    async def _hand_back(
        self,
        messages: Sequence[OutboundMessage],
        *,
        seconds: float,
        error: str | None,
        failed: bool,
    ) -> None:
        """Return a chat's remaining rows to the queue, the first one due in `seconds`."""
        now = self.clock()
        until = now + timedelta(seconds=seconds)
        first = messages[0]

        async def write(session: AsyncSession) -> None:
            await postpone_delivery(
                session, first.delivery_id, until=until, error=error, failed=failed, now=now
            )
            for later in messages[1:]:
                await postpone_delivery(
                    session, later.delivery_id, until=until, error=None, failed=False, now=now
                )
            await hold_chat_deliveries(
                session, first.subscriber_id, until=until, after_id=first.delivery_id
            )

        await self.writer.write(write)
        self.report.postponed += len(messages)


async def send_pending(
    sessions: Sessions,
    sender: Sender,
    *,
    settings: Settings,
    clock: Callable[[], datetime],
    pacer: ChatPacer | None = None,
    concurrency: int = 8,
    batch: int = 500,
    only_chats: Collection[int] | None = None,
    lease: timedelta = LEASE,
) -> SendReport:
    """Send due outbox rows until none are due; pass one `pacer` across calls to keep chat pace."""
    started = time.monotonic()
    rate = TokenBucket(rate=settings.send_rate, burst=max(1.0, settings.send_rate / 10))
    pacer = pacer or ChatPacer()
    gate = asyncio.Semaphore(concurrency)
    # A batch must go out well within its lease, at the rate cap, or rows would be handed back.
    batch = max(concurrency, min(batch, int(settings.send_rate * lease.total_seconds() / 2)))
    async with OutboxWriter(sessions) as writer:
        run = _Run(sender=sender, writer=writer, clock=clock, rate=rate, pacer=pacer, gate=gate)
        while True:
            now = clock()
            async with sessions.begin() as session:
                claimed = await claim_due_deliveries(
                    session, now=now, lease_until=now + lease, limit=batch, chat_ids=only_chats
                )
            if not claimed:
                break
            run.lease_deadline = time.monotonic() + lease.total_seconds() * 0.75
            by_chat: dict[int, list[OutboundMessage]] = {}
            for message in claimed:
                by_chat.setdefault(message.chat_id, []).append(message)
            # One chat's failure (say, its outcome could not be written) must not leave the
            # other chats' tasks running past the writer; its rows return when the lease ends.
            outcomes = await asyncio.gather(
                *(run.run_chat(rows) for rows in by_chat.values()), return_exceptions=True
            )
            for chat_id, outcome in zip(by_chat, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    log.error(
                        "sending to chat %s failed",
                        chat_id,
                        exc_info=outcome,
                        extra={"chat_id": chat_id},
                    )
    pacer.forget_idle()
    run.report.seconds = time.monotonic() - started
    if run.report.sent or run.report.postponed or run.report.dead:
        log.info(
            "deliveries: %d sent, %d postponed, %d dead, %d chats gone in %.1fs",
            run.report.sent,
            run.report.postponed,
            run.report.dead,
            run.report.chats_gone,
            run.report.seconds,
        )
    return run.report
