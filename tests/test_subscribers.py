"""Subscriber storage on SQLite and PostgreSQL: settings survive leaving, migration moves topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import Subscription
from bot.storage.db import Sessions
from bot.storage.subscribers import (
    active_subscribers,
    count_subscribers,
    deactivate_subscriber,
    delete_subscriber_data,
    get_or_create_subscriber,
    get_subscriber,
    migrate_chat,
    set_mode,
    set_paused,
    set_quiet_hours,
    set_schedule,
    set_timezone,
)
from bot.storage.subscriptions import (
    add_filter,
    add_subscription,
    clear_subscriptions,
    remove_filter,
    remove_subscription,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


async def test_returning_chat_gets_its_settings_back(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        sub = await get_or_create_subscriber(
            session, chat_id=42, thread_id=0, chat_type="private", title=None, now=NOW
        )
        assert (sub.mode, sub.schedule, sub.timezone, sub.active) == (
            "instant", "daily 08:00", "UTC", True,
        )  # fmt: skip
        await set_mode(session, sub.id, "digest", now=NOW)
        await set_schedule(session, sub.id, "weekly mon 09:00", next_digest_at=NOW, now=NOW)
        await set_timezone(session, sub.id, "Europe/Berlin", next_digest_at=NOW, now=NOW)
        await set_quiet_hours(session, sub.id, ("22:00", "07:00"), now=NOW)
        await add_subscription(session, sub.id, "theme", "russia-china", now=NOW)
        await add_filter(session, sub.id, "  Sports   Day ", now=NOW)
    async with sessions.begin() as session:
        assert await deactivate_subscriber(session, 42, reason="blocked", now=NOW) == 1
        assert await active_subscribers(session) == []
        assert await count_subscribers(session) == 0
    later = NOW + timedelta(days=3)
    async with sessions.begin() as session:
        back = await get_or_create_subscriber(
            session, chat_id=42, thread_id=0, chat_type="private", title=None, now=later
        )
    assert back.id == sub.id and back.active
    assert (back.mode, back.schedule, back.timezone) == (
        "digest",
        "weekly mon 09:00",
        "Europe/Berlin",
    )
    assert (back.quiet_start, back.quiet_end) == ("22:00", "07:00")
    assert back.subscriptions == (Subscription("theme", "russia-china"),)
    assert back.filters == ("sports day",)


async def test_subscriptions_and_filters_add_and_remove_once(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        sub = await get_or_create_subscriber(
            session, chat_id=1, thread_id=0, chat_type="private", title=None, now=NOW
        )
        assert await add_subscription(session, sub.id, "claim", "c1", now=NOW)
        assert not await add_subscription(session, sub.id, "claim", "c1", now=NOW)
        assert await add_subscription(session, sub.id, "all", now=NOW)
        assert await add_subscription(session, sub.id, "mute", "c2", now=NOW)
        assert await add_filter(session, sub.id, "Olympics", now=NOW)
        assert not await add_filter(session, sub.id, "olympics", now=NOW)
    async with sessions.begin() as session:
        assert await remove_filter(session, sub.id, "OLYMPICS")
        assert not await remove_filter(session, sub.id, "olympics")
        assert await remove_subscription(session, sub.id, "claim", "c1")
        assert not await remove_subscription(session, sub.id, "claim", "c1")
        assert await clear_subscriptions(session, sub.id) == 1  # "all"; the mute stays
        [stored] = await active_subscribers(session)
    assert stored.subscriptions == (Subscription("mute", "c2"),)
    assert stored.filters == ()


async def test_topics_are_separate_subscribers_and_migrate_together(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        for thread in (0, 5, 9):
            sub = await get_or_create_subscriber(
                session, chat_id=-77, thread_id=thread, chat_type="group", title="G", now=NOW
            )
            await add_subscription(session, sub.id, "theme", f"t{thread}", now=NOW)
            await set_paused(session, sub.id, thread == 9, now=NOW)
        # Someone already spoke in the new supergroup's main topic.
        fresh = await get_or_create_subscriber(
            session, chat_id=-10077, thread_id=0, chat_type="supergroup", title="G", now=NOW
        )
        await add_subscription(session, fresh.id, "claim", "c1", now=NOW)
    async with sessions.begin() as session:
        assert await migrate_chat(session, -77, -10077, now=NOW) == 3
    async with sessions() as session:
        assert await get_subscriber(session, chat_id=-77, thread_id=0) is None
        main = await get_subscriber(session, chat_id=-10077, thread_id=0)
        topic = await get_subscriber(session, chat_id=-10077, thread_id=9)
        everyone = await active_subscribers(session)
    assert main is not None and topic is not None
    assert set(main.subscriptions) == {Subscription("theme", "t0"), Subscription("claim", "c1")}
    assert topic.subscriptions == (Subscription("theme", "t9"),) and topic.paused
    assert {(s.chat_id, s.thread_id) for s in everyone} == {(-10077, 0), (-10077, 5), (-10077, 9)}


async def test_delete_subscriber_data_forgets_the_chat(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        sub = await get_or_create_subscriber(
            session, chat_id=3, thread_id=0, chat_type="private", title=None, now=NOW
        )
        await set_mode(session, sub.id, "digest", now=NOW)
        await add_subscription(session, sub.id, "all", now=NOW)
        await add_filter(session, sub.id, "x", now=NOW)
    async with sessions.begin() as session:
        assert await delete_subscriber_data(session, 3, 0)
        assert not await delete_subscriber_data(session, 3, 0)
    async with sessions.begin() as session:
        again = await get_or_create_subscriber(
            session, chat_id=3, thread_id=0, chat_type="private", title=None, now=NOW
        )
    assert (again.mode, again.subscriptions, again.filters) == ("instant", (), ())
