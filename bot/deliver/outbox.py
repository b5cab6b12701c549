"""Recording send outcomes: one writer commits them in small batches, in order.

Chat tasks await their own outcome before sending the chat's next message, so a row is marked
sent before anything else goes to that chat; batching keeps SQLite's single writer busy with
few, larger transactions instead of one per message from many connections.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import Sessions
from bot.storage.outbox import mark_many_sent

Write = Callable[[AsyncSession], Awaitable[object]]


class OutboxWriter:
    """Serializes outbox writes; use `async with OutboxWriter(sessions) as writer`."""

    def __init__(self, sessions: Sessions, *, batch: int = 200, linger: float = 0.01) -> None:
        self._sessions = sessions
        self._batch = batch
        self._linger = linger
        self._queue: asyncio.Queue[tuple[Write, asyncio.Future[None]]] = asyncio.Queue()
        self._sent: list[tuple[int, int]] = []  # (delivery id, message id) waiting to be written
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> OutboxWriter:
        self._task = asyncio.create_task(self._run(), name="outbox-writer")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._queue.join()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def write(self, operation: Write) -> None:
        """Run `operation` in the next batch's transaction; returns once it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((operation, done))
        await done

    async def mark_sent(self, delivery_id: int, message_id: int, *, now: datetime) -> None:
        """Record a send; the batch writes all sends it holds in a single statement."""
        self._sent.append((delivery_id, message_id))

        taken: list[tuple[int, int]] = []

        async def flush(session: AsyncSession) -> None:
            # Keeps what it took, so a retry after a failed batch writes those pairs again.
            taken.extend(self._sent)
            self._sent.clear()
            await mark_many_sent(session, taken, now=now)

        await self.write(flush)

    async def _run(self) -> None:
        while True:
            work = [await self._queue.get()]
            # A moment's wait lets a busy sender's outcomes share one transaction.
            await asyncio.sleep(self._linger)
            while len(work) < self._batch and not self._queue.empty():
                work.append(self._queue.get_nowait())
            try:
                async with self._sessions.begin() as session:
                    for operation, _ in work:
                        await operation(session)
            except Exception:
                # One bad write must not cost the others theirs: retry each on its own.
                for operation, done in work:
                    await self._write_alone(operation, done)
            else:
                for _, done in work:
                    if not done.done():
                        done.set_result(None)
            finally:
                for _ in work:
                    self._queue.task_done()

    async def _write_alone(self, operation: Write, done: asyncio.Future[None]) -> None:
        try:
            async with self._sessions.begin() as session:
                await operation(session)
        except Exception as err:  # the chat task decides what a failed write means
            if not done.done():
                done.set_exception(err)
        else:
            if not done.done():
                done.set_result(None)
