"""The sender against the stand-in Bot API server and a real database: what chats receive."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from botapi import BotApiServer
from deliveryworld import T0, World
from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.config import load_settings
from bot.deliver.render import html_to_plain, utf16_len
from bot.deliver.sender import send_pending
from bot.domain import NewDelivery, Subscriber
from bot.storage.db import Sessions
from bot.storage.models import DeliveryRow, SubscriberRow
from bot.storage.outbox import add_deliveries, dead_reasons, delivery_counts
from bot.telegram.outbound import TelegramSender

TOKEN = "123456:TEST-token-abcdefghij"
SETTINGS = load_settings(CLAIMWATCH_SEND_RATE=200)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
async def sender(botapi: BotApiServer) -> AsyncIterator[TelegramSender]:
    bot = Bot(
        TOKEN,
        base_url=f"{botapi.url}/bot",
        base_file_url=f"{botapi.url}/file/bot",
        request=HTTPXRequest(connection_pool_size=16),
    )
    async with bot:
        yield TelegramSender(bot)


async def queue(
    sessions: Sessions, chat: Subscriber, text: str, *, key: str, at: datetime = T0
) -> None:
    item = NewDelivery(
        subscriber_id=chat.id,
        key=key,
        kind="alert",
        text=text,
        not_before=at,
        buttons=((("Open claim", "claim:visit"), ("Mute this claim", "mute:visit")),),
    )
    async with sessions.begin() as session:
        await add_deliveries(session, [item], now=at)


async def rows(sessions: Sessions) -> dict[str, DeliveryRow]:
    async with sessions() as session:
        return {r.key: r for r in await session.scalars(select(DeliveryRow))}


async def drain(
    sessions: Sessions, sender: TelegramSender, clock: Clock, *, rounds: int = 8
) -> None:
    """Run the sender like the run loop does: a call, then time passes, then another call."""
    for _ in range(rounds):
        await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
        clock.advance(minutes=11)


async def test_a_queued_alert_arrives_once_with_its_buttons(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    chat = await World(sessions).chat(101)
    await queue(sessions, chat, "<b>Visit</b> postponed", key="a1")
    clock = Clock(T0)
    report = await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    [message] = botapi.sent(101)
    assert message.text == "<b>Visit</b> postponed" and message.parse_mode == "HTML"
    assert message.buttons == [("Open claim", "claim:visit"), ("Mute this claim", "mute:visit")]
    assert report.sent == 1
    row = (await rows(sessions))["a1"]
    assert row.status == "sent" and row.message_id == message.message_id


async def test_rows_not_yet_due_wait(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    chat = await World(sessions).chat(101)
    await queue(sessions, chat, "after quiet hours", key="a1", at=T0 + timedelta(hours=3))
    clock = Clock(T0)
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    assert botapi.sent() == []
    clock.advance(hours=3)
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    assert [m.text for m in botapi.sent(101)] == ["after quiet hours"]


async def test_429_waits_retry_after_then_delivers(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    chat = await World(sessions).chat(101)
    await queue(sessions, chat, "first", key="a1")
    await queue(sessions, chat, "second", key="a2")
    botapi.rate_limit("sendMessage", retry_after=30)
    clock = Clock(T0)
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    assert botapi.sent() == []
    waiting = await rows(sessions)
    assert waiting["a1"].status == "pending"
    assert waiting["a1"].not_before == T0 + timedelta(seconds=30)
    clock.advance(seconds=29)
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    assert botapi.sent() == []
    clock.advance(seconds=1)
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    # Delivered after the wait, in order, once each.
    assert [m.text for m in botapi.sent(101)] == ["first", "second"]


@pytest.mark.parametrize("fault", ["500", "502", "drop"])
async def test_server_errors_and_dropped_connections_deliver_later(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer, fault: str
) -> None:
    chat = await World(sessions).chat(101)
    await queue(sessions, chat, "hello", key="a1")
    if fault == "drop":
        botapi.drop_connection("sendMessage", times=2)
    else:
        botapi.fail("sendMessage", status=int(fault), times=2)
    clock = Clock(T0)
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    assert botapi.sent() == []
    row = (await rows(sessions))["a1"]
    assert row.status == "pending" and row.last_error and row.attempts == 1
    await drain(sessions, sender, clock)
    assert [m.text for m in botapi.sent(101)] == ["hello"]
    assert (await rows(sessions))["a1"].status == "sent"


async def test_a_blocked_chat_is_deactivated_and_others_are_unaffected(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    world = World(sessions)
    blocked, fine, gone = await world.chat(201), await world.chat(202), await world.chat(203)
    for chat in (blocked, fine, gone):
        await queue(sessions, chat, f"one for {chat.chat_id}", key=f"{chat.chat_id}-1")
        await queue(sessions, chat, f"two for {chat.chat_id}", key=f"{chat.chat_id}-2")
    botapi.block_chat(201)
    botapi.remove_chat(203)
    await drain(sessions, sender, Clock(T0), rounds=2)
    assert [m.text for m in botapi.sent(202)] == ["one for 202", "two for 202"]
    assert botapi.sent(201) == [] and botapi.sent(203) == []
    async with sessions() as session:
        result = await session.execute(select(SubscriberRow.chat_id, SubscriberRow.active))
        active = {key: flag for key, flag in result.all()}
        counts = await delivery_counts(session)
        reasons = await dead_reasons(session)
    assert active == {201: False, 202: True, 203: False}
    assert counts == {"pending": 0, "sent": 2, "dead": 4}
    assert sum(n for r, n in reasons.items() if "blocked" in r.lower()) == 2
    assert sum(n for r, n in reasons.items() if "chat not found" in r.lower()) == 2


async def test_a_migrated_group_gets_the_message_under_its_new_id(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    group = await World(sessions).chat(-4001, chat_type="group")
    await queue(sessions, group, "to the group", key="g1")
    await queue(sessions, group, "and again", key="g2")
    botapi.migrate_chat(-4001, -1004001)
    await drain(sessions, sender, Clock(T0), rounds=2)
    assert [m.text for m in botapi.sent(-1004001)] == ["to the group", "and again"]
    async with sessions() as session:
        chat_ids = list(await session.scalars(select(SubscriberRow.chat_id)))
    assert chat_ids == [-1004001]


async def test_a_deleted_topic_stops_only_that_topic(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    world = World(sessions)
    gone = await world.chat(-1009, thread_id=5, chat_type="supergroup")
    kept = await world.chat(-1009, thread_id=6, chat_type="supergroup")
    await queue(sessions, gone, "to topic 5", key="t5")
    await queue(sessions, kept, "to topic 6", key="t6")
    botapi.delete_topic(-1009, 5)
    await drain(sessions, sender, Clock(T0), rounds=2)
    assert [(m.text, m.message_thread_id) for m in botapi.sent(-1009)] == [("to topic 6", 6)]
    async with sessions() as session:
        result = await session.execute(select(SubscriberRow.thread_id, SubscriberRow.active))
        active = {key: flag for key, flag in result.all()}
    assert active == {5: False, 6: True}


async def test_markup_telegram_refuses_is_resent_as_plain_text(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    chat = await World(sessions).chat(101)
    await queue(
        sessions, chat, 'Visit <b>postponed <a href="https://x.example/">story</a>', key="a1"
    )
    await drain(sessions, sender, Clock(T0), rounds=1)
    [message] = botapi.sent(101)
    assert message.parse_mode is None
    assert message.text == "Visit postponed story (https://x.example/)"
    assert len(message.buttons) == 2


async def test_a_message_too_long_is_split_into_valid_parts(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    chat = await World(sessions).chat(101)
    lines = [
        f'<b>Item {n}</b>: <a href="https://x.example/{n}">a development &amp; more</a>.'
        for n in range(300)
    ]
    text = "\n".join(lines)
    assert utf16_len(html_to_plain(text)) > 8000
    await queue(sessions, chat, text, key="long")
    await drain(sessions, sender, Clock(T0), rounds=1)
    parts = botapi.sent(101)
    assert len(parts) >= 2
    assert botapi.calls["sendMessage"] == len(parts)  # split before sending, none refused
    assert all(m.parse_mode == "HTML" for m in parts)  # the stand-in rejects malformed HTML
    assert "\n".join(m.text for m in parts) == text
    assert [len(m.buttons) for m in parts] == [0] * (len(parts) - 1) + [2]
    assert (await rows(sessions))["long"].status == "sent"


async def test_a_row_failing_for_a_day_is_marked_dead_with_its_reason(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    chat = await World(sessions).chat(101)
    await queue(sessions, chat, "doomed", key="a1")
    await queue(sessions, chat, "fine later", key="a2")
    botapi.fail("sendMessage", status=500, times=1000)
    clock = Clock(T0)
    for _ in range(200):
        await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
        clock.advance(minutes=15)
        if (await rows(sessions))["a1"].status == "dead":
            break
    row = (await rows(sessions))["a1"]
    assert row.status == "dead" and "failed for a day" in (row.dead_reason or "")
    assert clock.now - T0 >= timedelta(days=1)
    async with sessions() as session:
        assert (await delivery_counts(session))["dead"] >= 1
    assert botapi.sent() == []


async def test_a_crash_after_claiming_resends_that_row_once_the_lease_ends(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    chat = await World(sessions).chat(101)
    await queue(sessions, chat, "in flight when we died", key="a1")
    async with sessions.begin() as session:
        row = await session.scalar(select(DeliveryRow))
        assert row is not None
        row.status, row.not_before = "sending", T0 + timedelta(seconds=60)
    clock = Clock(T0)
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    assert botapi.sent() == []
    clock.advance(seconds=61)
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    assert [m.text for m in botapi.sent(101)] == ["in flight when we died"]


async def test_many_chats_in_flight_each_in_order(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    world = World(sessions)
    chats = [await world.chat(300 + n) for n in range(20)]
    for step in range(3):
        for chat in chats:
            await queue(sessions, chat, f"{chat.chat_id} #{step}", key=f"{chat.chat_id}-{step}")
    await drain(sessions, sender, Clock(T0), rounds=1)
    for chat in chats:
        assert [m.text for m in botapi.sent(chat.chat_id)] == [
            f"{chat.chat_id} #{s}" for s in range(3)
        ]


async def test_rows_held_up_past_their_lease_are_handed_back_not_sent_twice(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    world = World(sessions)
    chats = [await world.chat(700 + n) for n in range(12)]
    for chat in chats:
        await queue(sessions, chat, f"for {chat.chat_id}", key=f"{chat.chat_id}")
    slow = load_settings(CLAIMWATCH_SEND_RATE=5)  # 12 messages take over two seconds
    report = await send_pending(
        sessions, sender, settings=slow, clock=Clock(T0), lease=timedelta(seconds=1)
    )
    assert report.postponed > 0  # some claims ran out while waiting for the rate cap
    assert sorted(m.chat_id for m in botapi.sent()) == [c.chat_id for c in chats]
    assert {r.status for r in (await rows(sessions)).values()} == {"sent"}


async def test_console_mode_sends_only_to_its_own_chat_and_keeps_the_rest_queued(
    sessions: Sessions, sender: TelegramSender, botapi: BotApiServer
) -> None:
    world = World(sessions)
    console, subscriber = await world.chat(0), await world.chat(101)
    await queue(sessions, console, "for the console", key="c1")
    await queue(sessions, subscriber, "for a Telegram chat", key="t1")
    clock = Clock(T0)
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock, only_chats={0})
    assert [m.text for m in botapi.sent()] == ["for the console"]
    assert (await rows(sessions))["t1"].status == "pending"
    # With a token again, the queued row goes out.
    await send_pending(sessions, sender, settings=SETTINGS, clock=clock)
    assert [m.text for m in botapi.sent(101)] == ["for a Telegram chat"]
