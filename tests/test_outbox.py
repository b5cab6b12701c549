"""The outbox on both databases: unique keys, claiming, counts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from deliveryworld import T0, World

from bot.domain import NewDelivery
from bot.storage.db import Sessions, create_engine, create_sessions
from bot.storage.outbox import (
    add_deliveries,
    claim_due_deliveries,
    delivery_counts,
    list_outbox,
    mark_sent,
)


def item(subscriber_id: int, key: str, *, minutes: int = 0) -> NewDelivery:
    return NewDelivery(
        subscriber_id=subscriber_id,
        key=key,
        kind="alert",
        text=f"text {key}",
        not_before=T0 + timedelta(minutes=minutes),
        buttons=((("Open claim", "claim:x"),),),
    )


async def test_a_key_is_written_once(sessions: Sessions) -> None:
    chat = await World(sessions).chat(1)
    async with sessions.begin() as session:
        assert (
            await add_deliveries(session, [item(chat.id, "k1"), item(chat.id, "k2")], now=T0) == 2
        )
    async with sessions.begin() as session:
        assert (
            await add_deliveries(session, [item(chat.id, "k1"), item(chat.id, "k3")], now=T0) == 1
        )
    async with sessions() as session:
        assert sorted(line.key for line in await list_outbox(session)) == ["k1", "k2", "k3"]
        assert await delivery_counts(session) == {"pending": 3, "sent": 0, "dead": 0}


async def test_claiming_takes_due_rows_in_order_and_leases_them(sessions: Sessions) -> None:
    chat = await World(sessions).chat(1)
    async with sessions.begin() as session:
        await add_deliveries(
            session,
            [item(chat.id, "late", minutes=5), item(chat.id, "a"), item(chat.id, "b")],
            now=T0,
        )
    lease = T0 + timedelta(seconds=60)
    async with sessions.begin() as session:
        claimed = await claim_due_deliveries(session, now=T0, lease_until=lease, limit=10)
    assert [m.text for m in claimed] == ["text a", "text b"]
    assert claimed[0].chat_id == 1 and claimed[0].buttons == ((("Open claim", "claim:x"),),)
    async with sessions.begin() as session:
        # Leased rows are not claimed again until the lease ends.
        assert await claim_due_deliveries(session, now=T0, lease_until=lease, limit=10) == []
        await mark_sent(session, claimed[0].delivery_id, message_id=77, now=T0)
    async with sessions.begin() as session:
        again = await claim_due_deliveries(
            session, now=lease, lease_until=lease + timedelta(seconds=60), limit=10
        )
    assert [m.text for m in again] == ["text b"]  # the unsent one, after its lease
    async with sessions() as session:
        assert await delivery_counts(session) == {"pending": 2, "sent": 1, "dead": 0}


async def test_two_senders_never_claim_the_same_row(sessions: Sessions, database_url: str) -> None:
    world = World(sessions)
    chats = [await world.chat(100 + n) for n in range(10)]
    async with sessions.begin() as session:
        await add_deliveries(
            session, [item(c.id, f"{c.chat_id}-{k}") for c in chats for k in range(30)], now=T0
        )
    engines = [create_engine(database_url) for _ in range(2)]
    try:

        async def claimer(other: Sessions) -> list[int]:
            taken: list[int] = []
            while True:
                async with other.begin() as session:
                    batch = await claim_due_deliveries(
                        session, now=T0, lease_until=T0 + timedelta(minutes=1), limit=7
                    )
                if not batch:
                    return taken
                taken += [m.delivery_id for m in batch]
                await asyncio.sleep(0)

        first, second = await asyncio.gather(
            *(claimer(create_sessions(engine)) for engine in engines)
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert not set(first) & set(second)
    assert len(first) + len(second) == 300
