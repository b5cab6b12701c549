"""Groups, supergroups and forum topics: who may change what, where answers go, migration."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from botapi import BOT_ID, BOT_USERNAME, BotApiServer
from botharness import ADMIN, GROUP, MEMBER, OPERATOR, REFUSAL, RunningBot, group_server
from timing import scaled

from bot.domain import Subscription


@pytest.fixture
def botapi() -> Iterator[BotApiServer]:
    yield from group_server()


async def test_only_group_admins_change_settings(bot: RunningBot) -> None:
    for command in ("/subscribe all", "/mode digest", "/filter add x", "/pause", "/stop"):
        [answer] = await bot.say(command, chat_id=GROUP, user_id=MEMBER)
        assert answer.text == REFUSAL
    assert await bot.subscriber(GROUP) is None
    [listing] = await bot.say("/claims", chat_id=GROUP, user_id=MEMBER)  # reading is for everyone
    assert "trump-xi-visit" in listing.text
    [done] = await bot.say("/subscribe all", chat_id=GROUP, user_id=ADMIN)
    assert done.text == "Subscribed to all claims."
    [also] = await bot.say("/mode digest", chat_id=GROUP, user_id=OPERATOR)
    assert also.text.startswith("Mode: digest")


async def test_non_admin_button_presses_change_nothing(bot: RunningBot) -> None:
    [menu] = await bot.say("/themes", chat_id=GROUP, user_id=MEMBER)
    toast = await bot.press(menu, "sub:all", user_id=MEMBER)
    assert toast == REFUSAL
    sub = await bot.subscriber(GROUP)
    assert sub is None or sub.subscriptions == ()
    assert await bot.press(menu, "sub:all", user_id=ADMIN) == "Subscribed to all claims."


async def test_forum_topics_are_separate_subscribers_and_get_answers_in_place(
    bot: RunningBot,
) -> None:
    [first] = await bot.say("/subscribe us-china", chat_id=GROUP, user_id=ADMIN, thread_id=5)
    [second] = await bot.say("/subscribe trump-xi", chat_id=GROUP, user_id=ADMIN, thread_id=9)
    assert (first.message_thread_id, second.message_thread_id) == (5, 9)
    topic5, topic9 = await bot.subscriber(GROUP, 5), await bot.subscriber(GROUP, 9)
    assert topic5 is not None and topic5.subscriptions == (Subscription("theme", "us-china"),)
    assert topic9 is not None and topic9.subscriptions == (Subscription("theme", "trump-xi"),)
    assert await bot.subscriber(GROUP, 0) is None
    [mysubs] = await bot.say("/mysubs", chat_id=GROUP, user_id=MEMBER, thread_id=9)
    assert mysubs.message_thread_id == 9 and "trump-xi" in mysubs.text
    assert "us-china" not in mysubs.text


async def test_group_upgraded_to_supergroup_keeps_its_subscriptions(bot: RunningBot) -> None:
    old, new = -4242, -1004242
    bot.server.set_admins(old, [ADMIN])
    await bot.say("/subscribe us-china", chat_id=old, user_id=ADMIN, chat_type="group")
    await bot.say("/quiet 23:00-06:00", chat_id=old, user_id=ADMIN, chat_type="group")
    bot.server.push_migration(old, new)
    [answer] = await bot.say("/mysubs", chat_id=new, user_id=MEMBER)
    assert "theme <code>us-china</code>" in answer.text and "23:00–06:00" in answer.text
    assert await bot.subscriber(old) is None
    moved = await bot.subscriber(new)
    assert moved is not None and moved.chat_type == "supergroup"


async def test_commands_for_other_bots_are_ignored_in_groups(bot: RunningBot) -> None:
    await bot.say("/frobnicate", chat_id=GROUP, user_id=MEMBER, expect=0)
    [answer] = await bot.say(f"/frobnicate@{BOT_USERNAME}", chat_id=GROUP, user_id=MEMBER)
    assert answer.text.startswith("I don't know /frobnicate.")
    await bot.say("/subscribe@some_other_bot all", chat_id=GROUP, user_id=ADMIN, expect=0)
    [help_text] = await bot.say(f"/help@{BOT_USERNAME}", chat_id=GROUP, user_id=MEMBER)
    # Sequential handling: had the ignored commands been answered, those answers came first.
    assert [m.text for m in bot.server.sent(GROUP)] == [answer.text, help_text.text]
    assert await bot.subscriber(GROUP) is None


async def test_removing_the_bot_deactivates_the_group(bot: RunningBot) -> None:
    await bot.say("/subscribe all", chat_id=GROUP, user_id=ADMIN)
    chat = bot.server.chat(GROUP, "supergroup")
    me = {"id": BOT_ID, "is_bot": True, "first_name": "ClaimWatch", "username": BOT_USERNAME}
    bot.server.push_update(
        {
            "my_chat_member": {
                "chat": chat,
                "from": bot.server.user(ADMIN),
                "date": int(time.time()),
                "old_chat_member": {"status": "member", "user": me},
                "new_chat_member": {"status": "kicked", "user": me, "until_date": 0},
            }
        }
    )

    async def deactivated() -> bool:
        sub = await bot.subscriber(GROUP)
        return sub is not None and not sub.active

    deadline = time.monotonic() + scaled(3)
    while not await deactivated() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert await deactivated()
