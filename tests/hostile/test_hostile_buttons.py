"""Button presses are input: forged callback data changes nothing and gets a short toast.

Anyone can send a callback query with any data for a message of the bot, so every press is
checked like a command: its prefix picks both the action and who may press it, and a claim or
theme it names must exist.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botapi import BotApiServer
from botharness import GROUP, MEMBER, NOW, OPERATOR, REFUSAL, RunningBot, group_server

from bot.domain import Subscription
from bot.storage.claims import retire_claim

STRANGER = 42
NOTHING_THERE = "That claim or theme does not exist (any more); /themes lists them."
STALE = "This button no longer does anything; try /help."


@pytest.fixture
def botapi() -> Iterator[BotApiServer]:
    yield from group_server()


async def press(bot: RunningBot, data: str, *, chat_id: int, user_id: int | None = None) -> str:
    """Press a button with `data` (as a forged client can) and return the toast."""
    before = len(bot.server.answers)
    bot.server.push_callback(data, chat_id=chat_id, user_id=user_id)
    await bot.server.wait_for(lambda: len(bot.server.answers) > before)
    return str(bot.server.answers[before].get("text") or "")


@pytest.mark.parametrize(
    "data",
    ["sub:claim:no-such-claim", "sub:theme:no-such-theme", "mute:no-such-claim",
     "unsub:claim:no-such-claim", "unsub:theme:no-such-theme", "sub:claim:Trump-Xi-Visit",
     # forged bytes no keyboard of ours carries: never reach the database
     "sub:claim:nul\x00", "unsub:claim:nul\x00", "mute:\ud800", "unsub:theme:\u202eevil",
     "sub:theme:two words", "sub:claim:" + "x" * 100, "unsub:claim:" + "x" * 100],
)  # fmt: skip
async def test_presses_for_claims_or_themes_that_do_not_exist_store_nothing(
    bot: RunningBot, data: str
) -> None:
    assert await press(bot, data, chat_id=STRANGER) == NOTHING_THERE
    assert await bot.subscriber(STRANGER) is None  # not even the chat's row


@pytest.mark.parametrize(
    "data",
    ["", ":", "admin:addfeed", "sub", "sub:", "sub:all:extra", "sub:everything", "stop:now",
     "stop", "theme:", "claim:", "mute:", "SUB:all", "feeds:1", "x" * 64],
)  # fmt: skip
async def test_forged_prefixes_do_nothing(bot: RunningBot, data: str) -> None:
    assert await press(bot, data, chat_id=STRANGER) == STALE
    assert await bot.subscriber(STRANGER) is None
    assert bot.server.sent(STRANGER) == [] and bot.server.edits(STRANGER) == []


async def test_real_presses_still_work(bot: RunningBot) -> None:
    assert await press(bot, "mute:trump-xi-visit", chat_id=STRANGER) == (
        "Muted trump-xi-visit: no more alerts or digest items about it here."
    )
    assert await press(bot, "sub:theme:us-china", chat_id=STRANGER) == (
        "Subscribed to theme us-china."
    )
    sub = await bot.subscriber(STRANGER)
    assert sub is not None
    assert set(sub.subscriptions) == {
        Subscription("mute", "trump-xi-visit"),
        Subscription("theme", "us-china"),
    }


async def test_unsubscribing_from_a_theme_no_longer_listed_still_works(bot: RunningBot) -> None:
    """A chat can always drop what it follows, even once the theme is gone from /themes."""
    await bot.say("/subscribe russia-china-trade", chat_id=STRANGER)
    async with bot.sessions.begin() as session:
        await retire_claim(session, "russia-depends-on-china", now=NOW)  # its only claim
    toast = await press(bot, "unsub:theme:russia-china-trade", chat_id=STRANGER)
    assert toast == "Unsubscribed from theme russia-china-trade."
    sub = await bot.subscriber(STRANGER)
    assert sub is not None and sub.subscriptions == ()


@pytest.mark.parametrize("data", ["sub:all", "mute:trump-xi-visit", "unsub:all", "stop:confirm"])
async def test_group_members_who_are_not_admins_change_nothing(bot: RunningBot, data: str) -> None:
    assert await press(bot, data, chat_id=GROUP, user_id=MEMBER) == REFUSAL
    assert await bot.subscriber(GROUP) is None
    assert bot.server.answers[-1].get("show_alert") is True


@pytest.mark.parametrize(
    "data",
    ["claim:nul\x00", "claim:\ud800", "claim:" + "x" * 200, "claim:TRUMP-XI-VISIT",
     "theme:\x1b[31mred", "theme:\u202eevil", "theme:" + "y" * 200],
)  # fmt: skip
async def test_forged_claim_and_theme_buttons_get_one_short_line(
    bot: RunningBot, data: str
) -> None:
    """Buttons anyone may press still read their data as input: one line back, no error."""
    assert await press(bot, data, chat_id=STRANGER) == ""
    [answer] = bot.server.sent(STRANGER)
    assert answer.text.startswith(("There is no claim <code>", "No claims under <code>"))
    assert "\n" not in answer.text and len(answer.text) < 200
    assert all(c.isprintable() for c in answer.text)
    assert bot.server.sent(OPERATOR) == []  # nothing reached the error handler
