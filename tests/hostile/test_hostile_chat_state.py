"""What one chat may keep is bounded, and so is every answer about it.

At most MAX_FILTERS filter words of at most MAX_FILTER_LENGTH characters and MAX_SUBSCRIPTIONS
follows and mutes per chat, enforced where the rows are written, so commands and buttons obey
alike; a theme or claim that does not exist never becomes a row; and /mysubs, /filter list and
/subscribe answer in one message however much the chat holds or sends.
"""

from __future__ import annotations

import pytest
from botharness import NOW, RunningBot

from bot.domain import Subscriber
from bot.storage.db import Sessions
from bot.storage.subscribers import get_or_create_subscriber, get_subscriber
from bot.storage.subscriptions import (
    MAX_FILTER_LENGTH,
    MAX_FILTERS,
    MAX_SUBSCRIPTIONS,
    LimitError,
    add_filter,
    add_subscription,
)


async def new_chat(sessions: Sessions, chat_id: int = 42) -> Subscriber:
    async with sessions.begin() as session:
        return await get_or_create_subscriber(
            session, chat_id=chat_id, thread_id=0, chat_type="private", title=None, now=NOW
        )


async def fill_chat(bot: RunningBot, *, filters: int, mutes: int) -> None:
    """Give chat 42 as many (and as long) filters and mutes as it may keep."""
    sub = await new_chat(bot.sessions)
    async with bot.sessions.begin() as session:
        for n in range(filters):
            await add_filter(session, sub.id, f"{n:03d}" + "w" * (MAX_FILTER_LENGTH - 3), now=NOW)
        for n in range(mutes):
            await add_subscription(session, sub.id, "mute", f"claim-{n:03d}-" + "x" * 60, now=NOW)


async def answer_when_full(
    bot: RunningBot, text: str, *, filters: int = 0, mutes: int = 0
) -> tuple[str, Subscriber | None]:
    """The one answer to `text` in chat 42 filled with `filters` and `mutes`, and the chat after."""
    await fill_chat(bot, filters=filters, mutes=mutes)
    [answer] = await bot.answers_to(text, chat_id=42)
    return answer.text, await bot.subscriber(42)


async def test_storage_refuses_the_filter_and_subscription_past_the_limits(
    sessions: Sessions,
) -> None:
    sub = await new_chat(sessions)
    async with sessions.begin() as session:
        for n in range(MAX_FILTERS):
            assert await add_filter(session, sub.id, f"word {n}", now=NOW)
        for n in range(MAX_SUBSCRIPTIONS):
            assert await add_subscription(session, sub.id, "claim", f"c{n}", now=NOW)
    async with sessions.begin() as session:
        with pytest.raises(LimitError, match=f"has {MAX_FILTERS} filters"):
            await add_filter(session, sub.id, "one more", now=NOW)
        with pytest.raises(LimitError, match=f"{MAX_SUBSCRIPTIONS} things"):
            await add_subscription(session, sub.id, "mute", "one-more", now=NOW)
        assert not await add_filter(session, sub.id, "WORD 0", now=NOW)  # a repeat still is fine
        with pytest.raises(LimitError, match="at most"):
            await add_filter(session, sub.id, "x" * (MAX_FILTER_LENGTH + 1), now=NOW)
        with pytest.raises(LimitError, match="ordinary characters"):
            await add_filter(session, sub.id, "nul\x00byte", now=NOW)
    async with sessions() as session:
        stored = await get_subscriber(session, chat_id=42, thread_id=0)
    assert stored is not None
    assert len(stored.filters) == MAX_FILTERS and len(stored.subscriptions) == MAX_SUBSCRIPTIONS


async def test_filter_command_stops_at_the_limit_in_one_sentence(bot: RunningBot) -> None:
    text, sub = await answer_when_full(bot, "/filter add one too many", filters=MAX_FILTERS)
    assert text == (
        f"This chat has {MAX_FILTERS} filters, the most it can keep. "
        "Remove one with /filter remove WORD first."
    )
    assert sub is not None and len(sub.filters) == MAX_FILTERS
    assert "one too many" not in sub.filters


async def test_subscribe_stops_at_the_limit_in_one_sentence(bot: RunningBot) -> None:
    text, sub = await answer_when_full(bot, "/subscribe us-china", mutes=MAX_SUBSCRIPTIONS)
    assert text == (
        f"This chat follows or mutes {MAX_SUBSCRIPTIONS} things, the most it can keep. "
        "/unsubscribe from some first."
    )
    assert sub is not None and len(sub.subscriptions) == MAX_SUBSCRIPTIONS


@pytest.mark.parametrize(
    "data", ["sub:theme:no-such-theme", "sub:claim:no-such-claim", "mute:no-such-claim"]
)
async def test_forged_buttons_for_targets_that_do_not_exist_store_nothing(
    bot: RunningBot, data: str
) -> None:
    before = len(bot.server.answers)
    bot.server.push_callback(data, chat_id=42)
    await bot.server.wait_for(lambda: len(bot.server.answers) > before)
    sub = await bot.subscriber(42)
    assert sub is None or sub.subscriptions == ()


async def test_a_full_chat_is_described_in_one_message(bot: RunningBot) -> None:
    await fill_chat(bot, filters=MAX_FILTERS, mutes=MAX_SUBSCRIPTIONS)
    [mysubs] = await bot.answers_to("/mysubs", chat_id=42)
    assert f"and {MAX_SUBSCRIPTIONS - 10} more" in mysubs.text
    assert "/filter list shows them all" in mysubs.text
    [listed] = await bot.answers_to("/filter list", chat_id=42)
    assert listed.text.count("“") == MAX_FILTERS  # every filter, still one message


async def test_a_4096_character_subscribe_is_answered_once(bot: RunningBot) -> None:
    words = " ".join(["us-china", "trump-xi"] + [f"w{n:04d}" for n in range(800)])[:4000]
    [answer] = await bot.answers_to(f"/subscribe {words}", chat_id=42)
    lines = answer.text.splitlines()
    assert lines[:2] == [
        "Subscribed to theme <code>us-china</code>.",
        "Subscribed to theme <code>trump-xi</code>.",
    ]
    assert len(lines) == 6 and lines[-1].endswith("more names I don't know.")
