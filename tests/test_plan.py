"""Planning: which chats get an instant alert for which development, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deliveryworld import T0, World
from sqlalchemy import select

from bot.config import load_settings
from bot.deliver.plan import plan_deliveries
from bot.domain import Evidence, Match
from bot.storage.db import Sessions
from bot.storage.matches import save_match
from bot.storage.models import DeliveryRow, MatchRow, SubscriberRow

SETTINGS = load_settings(CLAIMWATCH_ALERTS_PER_HOUR=10)


async def outbox(sessions: Sessions) -> list[tuple[int, DeliveryRow]]:
    async with sessions() as session:
        rows = await session.execute(
            select(SubscriberRow.chat_id, DeliveryRow)
            .join(SubscriberRow, SubscriberRow.id == DeliveryRow.subscriber_id)
            .order_by(DeliveryRow.id)
        )
        return [(chat, row) for chat, row in rows.all()]


async def test_a_followed_development_becomes_one_alert_with_link_and_claim(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.claim("visit", short="Trump visits Beijing in April")
    await world.chat(101)
    await world.development(
        "Trump's Beijing visit postponed",
        claims={"visit": "contradicts"},
        link="https://news.example/visit",
        feeds=("Reuters", "AP"),
    )
    assert await plan_deliveries(sessions, now=T0, settings=SETTINGS) == 1
    [(chat, row)] = await outbox(sessions)
    assert chat == 101 and row.kind == "alert" and row.status == "pending"
    assert '<a href="https://news.example/visit">Trump\'s Beijing visit postponed</a>' in row.text
    assert "Trump visits Beijing in April" in row.text and "[visit]" in row.text
    assert "Reuters, AP" in row.text and "contradicts" in row.text.lower()
    assert "contradicts (" in row.text and "Why: “" in row.text
    assert row.buttons == [[["Open claim", "claim:visit"], ["Mute this claim", "mute:visit"]]]
    async with sessions() as session:
        planned = await session.scalars(select(MatchRow.planned_at))
        assert all(p is not None for p in planned)
    # Planning again finds nothing new.
    assert await plan_deliveries(sessions, now=T0, settings=SETTINGS) == 0


async def test_subscriptions_mutes_and_themes_decide_who_hears(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit", theme="us-china")
    await world.claim("oil", theme="energy")
    await world.chat(1, follows=[("all", "")])
    await world.chat(2, follows=[("theme", "energy")])
    await world.chat(3, follows=[("claim", "visit")])
    await world.chat(4, follows=[("all", ""), ("mute", "visit")])
    await world.development("Visit postponed", claims={"visit": "contradicts"})
    await plan_deliveries(sessions, now=T0, settings=SETTINGS)
    assert sorted(chat for chat, _ in await outbox(sessions)) == [1, 3]


async def test_filters_pause_mode_backlog_and_old_matches_send_nothing(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit")
    await world.chat(1, filters=["Tariff Talks"])
    await world.chat(2, paused=True)
    await world.chat(3, mode="digest")
    await world.chat(4, subscribed_at=T0 + timedelta(minutes=5))
    await world.chat(5)
    await world.development(
        "Visit delayed",
        summary="Officials blamed stalled TARIFF  talks.",
        claims={"visit": "contradicts"},
    )
    await world.development("Old news", claims={"visit": "supports"}, backlog=True)
    await world.development("Maybe relevant", claims={"visit": "related"}, level="digest")
    await plan_deliveries(sessions, now=T0 + timedelta(minutes=10), settings=SETTINGS)
    rows = await outbox(sessions)
    # Chat 5 gets the one alert-level, non-backlog development; nobody else gets anything.
    assert [(chat, "Visit delayed" in row.text) for chat, row in rows] == [(5, True)]


async def test_a_story_matching_several_claims_is_one_alert(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit", short="The visit goes ahead")
    await world.claim("trade", short="A trade deal is signed")
    await world.chat(7)
    await world.development(
        "Visit and trade deal", claims={"visit": "supports", "trade": "related"}
    )
    assert await plan_deliveries(sessions, now=T0, settings=SETTINGS) == 1
    [(_, row)] = await outbox(sessions)
    assert "The visit goes ahead" in row.text and "A trade deal is signed" in row.text
    assert "bears on" in row.text.lower()
    assert len(row.buttons) == 2


async def test_a_later_match_on_an_alerted_story_is_not_a_second_alert(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit")
    await world.claim("trade")
    await world.chat(7)
    story = await world.development("Visit confirmed", claims={"visit": "supports"})
    await plan_deliveries(sessions, now=T0, settings=SETTINGS)
    # The same story later matches another claim (e.g. a second feed's fuller text).
    async with sessions.begin() as session:
        first = await session.scalar(select(MatchRow).where(MatchRow.story_id == story))
        assert first is not None
        session.add(
            MatchRow(
                story_id=story,
                entry_id=first.entry_id,
                claim_id="trade",
                score=0.9,
                level="alert",
                stance="supports",
                confidence=0.8,
                why={},
                created_at=T0 + timedelta(minutes=1),
            )
        )
    assert await plan_deliveries(sessions, now=T0 + timedelta(minutes=2), settings=SETTINGS) == 0
    assert len(await outbox(sessions)) == 1


async def test_html_in_titles_is_escaped(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit", short="Visit <soon> & sure")
    await world.chat(7)
    await world.development(
        '<script>alert("x")</script> & <b>bold</b>',
        claims={"visit": "supports"},
        link='https://news.example/a?x=1&y="2"',
        feeds=("Tom & Jerry <News>",),
    )
    await plan_deliveries(sessions, now=T0, settings=SETTINGS)
    [(_, row)] = await outbox(sessions)
    assert "<script>" not in row.text and "<b>bold</b>" not in row.text
    assert "&lt;script&gt;" in row.text and "Tom &amp; Jerry &lt;News&gt;" in row.text
    assert 'href="https://news.example/a?x=1&amp;y=&quot;2&quot;"' in row.text
    assert "Visit &lt;soon&gt; &amp; sure" in row.text


async def test_quiet_hours_hold_the_alert_until_they_end(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit")
    # 23:30 in Berlin on 4 March (UTC+1): quiet until 07:00 Berlin, 06:00 UTC.
    night = datetime(2026, 3, 4, 22, 30, tzinfo=UTC)
    await world.chat(1, timezone="Europe/Berlin", quiet=("22:00", "07:00"))
    await world.chat(2, timezone="UTC", quiet=("09:00", "17:00"))
    await world.development("Visit confirmed", claims={"visit": "supports"}, at=night)
    await plan_deliveries(sessions, now=night, settings=SETTINGS)
    due = {chat: row.not_before for chat, row in await outbox(sessions)}
    assert due == {1: datetime(2026, 3, 5, 6, 0, tzinfo=UTC), 2: night}


async def test_the_hourly_cap_rolls_extra_alerts_into_the_digest_and_says_so_once(
    sessions: Sessions,
) -> None:
    settings = load_settings(CLAIMWATCH_ALERTS_PER_HOUR=2)
    world = World(sessions)
    await world.claim("visit")
    await world.chat(1)
    for n in range(4):
        await world.development(f"Development {n}", claims={"visit": "supports"})
    await plan_deliveries(sessions, now=T0, settings=settings)
    kinds = [row.kind for _, row in await outbox(sessions)]
    assert kinds == ["alert", "alert", "notice"]
    # Later in the same hour: still capped, and no second notice.
    await world.development(
        "Development 4", claims={"visit": "supports"}, at=T0 + timedelta(minutes=30)
    )
    await plan_deliveries(sessions, now=T0 + timedelta(minutes=30), settings=settings)
    assert len(await outbox(sessions)) == 3
    # An hour on, alerts flow again.
    later = T0 + timedelta(minutes=61)
    await world.development("Development 5", claims={"visit": "supports"}, at=later)
    await plan_deliveries(sessions, now=later, settings=settings)
    rows = await outbox(sessions)
    assert [row.kind for _, row in rows] == ["alert", "alert", "notice", "alert"]
    assert "Development 5" in rows[-1][1].text


async def test_forum_topics_are_separate_recipients(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit")
    await world.chat(-100500, thread_id=11, chat_type="supergroup")
    await world.chat(-100500, thread_id=12, chat_type="supergroup", follows=[("theme", "energy")])
    story = await world.development("Visit confirmed", claims={"visit": "supports"})
    await plan_deliveries(sessions, now=T0, settings=SETTINGS)
    assert [row.key for _, row in await outbox(sessions)] == [f"alert:-100500:11:{story}"]


async def test_a_match_that_rises_to_alert_level_is_alerted_once(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit")
    await world.chat(101)
    story = await world.development(
        "Reports of a spring trip", claims={"visit": "related"}, level="digest", score=0.3
    )
    assert await plan_deliveries(sessions, now=T0, settings=SETTINGS) == 0
    # A second source words it more strongly: the same story now matches at alert level.
    async with sessions.begin() as session:
        [entry_id] = await session.scalars(select(MatchRow.entry_id))
        stronger = Match(
            "visit", 0.8, "alert", "supports", 0.7, Evidence("Trump will go.", "", (), 0.5, 0.6)
        )
        await save_match(
            session,
            story_id=story,
            entry_id=entry_id,
            match=stronger,
            claim_version=1,
            is_backlog=False,
            now=T0 + timedelta(minutes=5),
        )
    later = T0 + timedelta(minutes=5)
    assert await plan_deliveries(sessions, now=later, settings=SETTINGS) == 1
    [(chat, row)] = await outbox(sessions)
    assert chat == 101 and row.kind == "alert" and "supports (" in row.text
    assert await plan_deliveries(sessions, now=later, settings=SETTINGS) == 0
