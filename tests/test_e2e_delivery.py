"""End to end: `claimwatch run` polls served feeds and a subscribed chat hears about new items."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from e2estack import OLD, RELEVANT, UNRELATED, DeliveryStack, story
from sqlalchemy import func, select
from timing import scaled

from bot.storage.db import create_engine, create_sessions
from bot.storage.models import DeliveryRow, SubscriberRow


def wait_until(check: object, *, timeout: float, what: str, stack: DeliveryStack) -> None:
    deadline = time.monotonic() + scaled(timeout)
    while not check():  # type: ignore[operator]
        stack.check_running()
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out waiting for {what}; bot output:\n{stack.output()[-4000:]}"
            )
        time.sleep(0.1)


def outbox_by_status(database_url: str) -> dict[str, list[int]]:
    """Chat ids of the outbox rows, by status."""

    async def read() -> dict[str, list[int]]:
        engine = create_engine(database_url)
        async with create_sessions(engine)() as session:
            rows = await session.execute(
                select(DeliveryRow.status, SubscriberRow.chat_id).join(
                    SubscriberRow, SubscriberRow.id == DeliveryRow.subscriber_id
                )
            )
            found: dict[str, list[int]] = {}
            for status, chat_id in rows:
                found.setdefault(status, []).append(chat_id)
        await engine.dispose()
        return found

    return asyncio.run(read())


def count_rows(database_url: str) -> int:
    async def read() -> int:
        engine = create_engine(database_url)
        async with create_sessions(engine)() as session:
            count = await session.scalar(select(func.count()).select_from(DeliveryRow))
        await engine.dispose()
        return int(count or 0)

    return asyncio.run(read())


def test_a_new_item_reaches_the_chat_once_and_old_or_unrelated_ones_never(
    tmp_path: Path, database_url: str
) -> None:
    with DeliveryStack(tmp_path, database_url) as stack:
        stack.serve("/wire.xml", [story(*OLD, minutes_ago=60)])
        stack.subscribe([4242])
        proc = stack.start()
        try:
            stack.wait_settled(entries=1)
            # The first poll is backlog: nothing planned, so no alert now or later.
            assert count_rows(database_url) == 0
            stack.serve(
                "/wire.xml", [story(*OLD, minutes_ago=60), story(*RELEVANT), story(*UNRELATED)]
            )
            wait_until(lambda: stack.botapi.sent(4242), timeout=30, what="the alert", stack=stack)
            # The same development in a second feed is not a second alert: once it is matched
            # and planned, the outbox still holds the one delivery that was sent.
            stack.serve("/agency.xml", [story(*RELEVANT, minutes_ago=3)])
            stack.wait_settled(entries=4)
            assert outbox_by_status(database_url) == {"sent": [4242]}
        finally:
            stack.stop(proc)
    [alert] = stack.botapi.sent(4242)
    assert "https://news.example.org/visit" in alert.text
    assert "Trump confirms April trip to Beijing" in alert.text
    assert "bakery" not in alert.text.lower() and "may visit" not in alert.text
    # Its claim can be opened from the alert (other claims the summit bears on may be listed too).
    assert "claim:trump-xi-visit" in [data for _, data in alert.buttons]
    assert alert.parse_mode == "HTML"


def test_killed_mid_delivery_every_planned_message_arrives_and_only_in_flight_ones_repeat(
    tmp_path: Path, database_url: str
) -> None:
    chats = list(range(5001, 5121))
    with DeliveryStack(tmp_path, database_url) as stack:
        stack.subscribe(chats)
        first = stack.start(CLAIMWATCH_SEND_RATE="15")
        try:
            stack.wait_polls(2)
            stack.serve("/wire.xml", [story(*RELEVANT)])
            wait_until(
                lambda: len(stack.botapi.sent()) >= 20, timeout=30, what="sends", stack=stack
            )
        finally:
            first.kill()  # SIGKILL: no clean-up of any kind
            first.wait()
        delivered_before = Counter(m.chat_id for m in stack.botapi.sent())
        rows = outbox_by_status(database_url)
        in_flight = set(rows.get("sending", []))
        assert count_rows(database_url) == len(chats)  # every chat's delivery was planned
        assert len(delivered_before) < len(chats)  # killed part-way through
        second = stack.start(CLAIMWATCH_SEND_RATE="50")
        try:
            wait_until(
                lambda: len({m.chat_id for m in stack.botapi.sent()}) == len(chats),
                timeout=90,
                what="every chat's alert",
                stack=stack,
            )
            wait_until(
                lambda: set(outbox_by_status(database_url)) == {"sent"},
                timeout=60,
                what="the outbox to drain",
                stack=stack,
            )
        finally:
            stack.stop(second)
    received = Counter(m.chat_id for m in stack.botapi.sent())
    assert set(received) == set(chats)
    repeated = {chat for chat, n in received.items() if n > 1}
    # Only a message in flight at the kill can arrive twice (the sender has at most 8 chats
    # in flight), and never more than twice.
    assert repeated <= in_flight
    assert len(repeated) <= 8
    assert max(received.values()) <= 2


def test_console_mode_prints_the_alert(tmp_path: Path, database_url: str) -> None:
    with DeliveryStack(tmp_path, database_url) as stack:
        stack.serve("/wire.xml", [story(*OLD, minutes_ago=60)])
        proc = stack.start(TELEGRAM_BOT_TOKEN="")
        try:
            stack.wait_polls(2)
            stack.serve("/wire.xml", [story(*OLD, minutes_ago=60), story(*RELEVANT)])
            wait_until(
                lambda: "https://news.example.org/visit" in stack.output(),
                timeout=30,
                what="the printed alert",
                stack=stack,
            )
            # Both items are matched and planned: the one delivery is all there will be.
            stack.wait_settled(entries=2)
            assert count_rows(database_url) == 1
        finally:
            stack.stop(proc)
    printed = stack.output()
    assert (
        printed.count(
            "Trump confirms April trip to Beijing for summit with Xi Jinping (https://news.example.org/visit)"
        )
        == 1
    )
    assert "[Open claim trump-xi-visit] [Mute this claim trump-xi-visit]" in printed
    assert "may visit Beijing" not in printed  # backlog is never alerted
    assert stack.botapi.sent() == []
