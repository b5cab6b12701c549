"""Updates of one chat in order, different chats at once.

python-telegram-bot hands every update to the processor as it arrives (in arrival order). Each
chat's updates wait for that chat's turn, so "/subscribe" then "/mysubs" are answered in order,
while a slow /addfeed in one chat no longer holds up /help in another. The turn is taken before
a running slot, so a flood in one chat waits without occupying the slots other chats need.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

RUNNING = 64  # updates handled at the same moment, across all chats
WAITING = 4096  # updates accepted before new ones wait for a place (bounds the turn map too)


@dataclass
class _Turn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0  # updates of this chat running or waiting


def order_keys(update: object) -> tuple[int, ...]:
    """The chats whose order `update` takes part in, sorted (locks are taken in this order).

    A group's upgrade to a supergroup belongs to both chats: it moves the old chat's data, so it
    waits for the old chat's earlier updates, and the new chat's later ones wait for it.
    """
    if not isinstance(update, Update):
        return ()
    chat = update.effective_chat
    if chat is None:
        user = update.effective_user
        return (user.id,) if user is not None else ()
    message = update.effective_message
    moved = message.migrate_to_chat_id if message is not None else None
    return tuple(sorted({chat.id, moved})) if moved else (chat.id,)


class ChatOrder(BaseUpdateProcessor):
    """A BaseUpdateProcessor that keeps each chat's updates in order and runs chats in parallel."""

    def __init__(self, running: int = RUNNING, waiting: int = WAITING) -> None:
        # The base class's limit counts waiting updates too; ours counts running ones.
        super().__init__(max_concurrent_updates=waiting)
        self._running = asyncio.Semaphore(running)
        self._turns: dict[int, _Turn] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = order_keys(update)
        turns = [self._join(key) for key in keys]
        held: list[_Turn] = []
        started = False
        try:
            # Nothing is awaited before the first lock is asked for, and lock queues are FIFO,
            # so a chat's updates get their turns in the order they arrived.
            for turn in turns:
                await turn.lock.acquire()
                held.append(turn)
            async with self._running:
                started = True
                await coroutine
        finally:
            if not started and isinstance(coroutine, Coroutine):
                coroutine.close()  # cancelled while waiting (shutdown): never ran
            for turn in held:
                turn.lock.release()
            for key, turn in zip(keys, turns, strict=True):
                self._leave(key, turn)

    def _join(self, key: int) -> _Turn:
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _Turn()
        turn.holders += 1
        return turn

    def _leave(self, key: int, turn: _Turn) -> None:
        turn.holders -= 1
        if turn.holders == 0:
            del self._turns[key]  # the map holds only chats with updates in hand

    @property
    def chats_in_hand(self) -> int:
        return len(self._turns)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
