"""Digests: what a chat's digest says, when it comes, and how long ones are split."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from botapi import parse_html
from deliveryworld import T0, World
from sqlalchemy import select, update

from bot.deliver.digest import digest_now, queue_due_digests
from bot.deliver.render import utf16_len
from bot.storage.db import Sessions
from bot.storage.models import DeliveryRow, SubscriberRow

DAY_BEFORE = T0 - timedelta(days=1)


async def digest_rows(sessions: Sessions) -> list[DeliveryRow]:
    async with sessions() as session:
        return list(await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))


async def schedule_of(sessions: Sessions, chat_id: int) -> tuple[datetime | None, datetime | None]:
    async with sessions() as session:
        row = await session.scalar(select(SubscriberRow).where(SubscriberRow.chat_id == chat_id))
        assert row is not None
        return row.next_digest_at, row.last_digest_at


async def start_digests(
    sessions: Sessions, chat_id: int, *, last: datetime, next_at: datetime
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(SubscriberRow)
            .where(SubscriberRow.chat_id == chat_id)
            .values(last_digest_at=last, next_digest_at=next_at)
        )


async def test_a_due_digest_groups_by_theme_and_claim_with_tallies(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit", theme="us-china", short="Trump visits Beijing")
    await world.claim("trade", theme="us-china", short="A trade deal is signed")
    await world.claim("oil", theme="energy", short="Russian oil flows east")
    await world.claim("arctic", theme="arctic", short="Not followed")
    await world.chat(
        101,
        follows=[("theme", "us-china"), ("claim", "oil")],
        filters=["gossip"],
        schedule="daily 12:00",
        next_digest_at=T0,
    )
    await start_digests(sessions, 101, last=DAY_BEFORE, next_at=T0)
    h = timedelta(hours=1)
    await world.development(
        "Visit on track",
        claims={"visit": "supports"},
        feeds=("Reuters", "AP"),
        at=T0 - 5 * h,
        link="https://n.example/1",
    )
    await world.development("Visit in doubt", claims={"visit": "contradicts"}, at=T0 - 4 * h)
    await world.development(
        "Trade <talks> resume", claims={"trade": "related"}, level="digest", at=T0 - 3 * h
    )
    await world.development("Pipeline deal", claims={"oil": "supports"}, at=T0 - 2 * h)
    await world.development("Arctic news", claims={"arctic": "supports"}, at=T0 - 2 * h)
    await world.development(
        "Celebrity gossip and the visit", claims={"visit": "supports"}, at=T0 - 2 * h
    )
    await world.development(
        "Old backlog", claims={"visit": "supports"}, backlog=True, at=T0 - 2 * h
    )
    await world.development("Before the period", claims={"visit": "supports"}, at=DAY_BEFORE - h)

    assert await queue_due_digests(sessions, now=T0) == 1
    [row] = await digest_rows(sessions)
    assert row.kind == "digest" and row.not_before == T0
    plain = parse_html(row.text)
    headline = plain.split("\n")[0]
    assert (
        "4 developments on 3 claims" in headline
        and "Moved most: Trump visits Beijing (2)" in headline
    )
    assert "Theme: energy" in plain and "Theme: us-china" in plain
    assert plain.index("Theme: energy") < plain.index("Theme: us-china")
    assert "Trump visits Beijing [visit] — 1 supports · 1 contradicts\n" in plain
    # A possibly related item is listed, but is not evidence: no counts, no zeros.
    assert "A trade deal is signed [trade] — no evidence yet\n" in plain
    assert "Trade <talks> resume — Wire · possibly related" in plain
    assert (
        '<a href="https://n.example/1">Visit on track</a> — Reuters, AP · likely supports (70%)'
        in row.text
    )
    for absent in ("Arctic", "gossip", "backlog", "Before the period"):
        assert absent not in plain
    assert await schedule_of(sessions, 101) == (datetime(2026, 3, 5, 12, 0, tzinfo=UTC), T0)
    # Not due again until tomorrow: nothing more is queued.
    assert await queue_due_digests(sessions, now=T0 + timedelta(hours=1)) == 0


async def test_an_empty_period_sends_nothing_unless_asked(sessions: Sessions) -> None:
    world = World(sessions)
    await world.chat(1)
    await world.chat(2)
    for chat in (1, 2):
        await start_digests(sessions, chat, last=DAY_BEFORE, next_at=T0)
    async with sessions.begin() as session:
        await session.execute(
            update(SubscriberRow).where(SubscriberRow.chat_id == 2).values(empty_digest_line=True)
        )
    await queue_due_digests(sessions, now=T0)
    [row] = await digest_rows(sessions)
    assert row.subscriber_id != 1 and row.text.startswith("📰 Nothing new on your claims since")
    assert (await schedule_of(sessions, 1))[0] == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)


async def test_a_chat_without_a_digest_time_is_scheduled_without_a_message(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.claim("visit")
    await world.chat(1, timezone="Asia/Tokyo")
    await world.development("Visit on", claims={"visit": "supports"}, at=T0 - timedelta(hours=1))
    assert await queue_due_digests(sessions, now=T0) == 0
    # 08:00 in Tokyo is 23:00 UTC the day before.
    assert await schedule_of(sessions, 1) == (datetime(2026, 3, 4, 23, 0, tzinfo=UTC), T0)


async def test_daily_digests_follow_local_time_across_a_dst_change(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit")
    await world.chat(1, timezone="Europe/Berlin", schedule="daily 08:00")
    first = datetime(2026, 3, 27, 7, 0, tzinfo=UTC)  # 08:00 CET
    await start_digests(sessions, 1, last=first - timedelta(days=1), next_at=first)
    fired = []
    now = first
    for day in range(4):
        await world.development(
            f"Day {day}", claims={"visit": "supports"}, at=now - timedelta(hours=1)
        )
        await queue_due_digests(sessions, now=now)
        fired.append(now)
        next_at, _ = await schedule_of(sessions, 1)
        assert next_at is not None
        now = next_at
    assert [f.hour for f in fired] == [7, 7, 6, 6]  # 08:00 in Berlin before and after 29 March
    texts = [parse_html(r.text) for r in await digest_rows(sessions)]
    assert [("Day 0" in t, "Day 1" in t, "Day 2" in t, "Day 3" in t) for t in texts] == [
        (True, False, False, False),
        (False, True, False, False),
        (False, False, True, False),
        (False, False, False, True),
    ]


async def test_a_long_digest_is_split_into_valid_messages(sessions: Sessions) -> None:
    world = World(sessions)
    for n in range(6):
        await world.claim(f"c{n}", theme=f"theme-{n % 2}", short=f"Claim number {n}")
    await world.chat(1)
    await start_digests(sessions, 1, last=DAY_BEFORE, next_at=T0)
    for n in range(150):
        await world.development(
            f"Development {n} with a title long enough to matter & <markup>",
            claims={f"c{n % 6}": "supports"},
            feeds=("Reuters", "Associated Press"),
            at=T0 - timedelta(minutes=n + 1),
        )
    await queue_due_digests(sessions, now=T0)
    rows = await digest_rows(sessions)
    total = sum(len(r.text) for r in rows)
    assert total > 10_000 and len(rows) >= 3
    assert len({r.key for r in rows}) == len(rows)
    for row in rows:
        assert utf16_len(row.text) <= 4096
        parse_html(row.text)
    joined = "\n".join(parse_html(r.text) for r in rows)
    assert all(f"Development {n} with" in joined for n in range(150))


async def test_digest_now_returns_the_digest_and_starts_a_new_period(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit")
    chat = await world.chat(1)
    await start_digests(sessions, 1, last=DAY_BEFORE, next_at=T0 + timedelta(hours=20))
    await world.development("Visit on", claims={"visit": "supports"}, at=T0 - timedelta(hours=1))
    messages = await digest_now(sessions, chat.id, now=T0)
    assert len(messages) == 1 and "Visit on" in messages[0]
    assert await digest_now(sessions, chat.id, now=T0 + timedelta(minutes=1)) == []
    assert await schedule_of(sessions, 1) == (T0 + timedelta(hours=20), T0 + timedelta(minutes=1))
    assert await digest_rows(sessions) == []


async def test_a_paused_chat_gets_no_digest_but_keeps_its_schedule(sessions: Sessions) -> None:
    world = World(sessions)
    await world.claim("visit")
    await world.chat(1, paused=True)
    await start_digests(sessions, 1, last=DAY_BEFORE, next_at=T0)
    await world.development("Visit on", claims={"visit": "supports"}, at=T0 - timedelta(hours=1))
    assert await queue_due_digests(sessions, now=T0) == 0
    assert (await schedule_of(sessions, 1))[0] == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
