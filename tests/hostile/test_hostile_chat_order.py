"""One slow update does not hold up other chats; one chat's updates are answered in order.

The slow update here waits on the stand-in server: its getChatMember answer for SLOW_GROUP is
held until the test releases it, so a member's command there (checked with getChatMember) is in
progress for exactly as long as the test says. Nothing is timed: the assertions read what the
server has answered and sent while the hold is on.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botapi import BotApiServer
from botharness import RunningBot

from bot.telegram.ordering import ChatOrder

SLOW_GROUP, OTHER_GROUP = -1001, -1002
ADMIN, MEMBER, STRANGER = 11, 12, 42
REFUSAL = "Sorry, only this group's admins can change what it receives."


class HeldServer(BotApiServer):
    """The stand-in server, with getChatMember for SLOW_GROUP held until `release()`."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = threading.Event()
        self.released = threading.Event()

    def release(self) -> None:
        self.released.set()

    async def _api_getchatmember(self, params: dict[str, Any]) -> dict[str, Any]:
        if int(params.get("chat_id") or 0) == SLOW_GROUP:
            self.asked.set()
            while not self.released.is_set():
                await asyncio.sleep(0.01)
        return await super()._api_getchatmember(params)


@pytest.fixture
def botapi() -> Iterator[BotApiServer]:
    with HeldServer() as server:
        server.set_admins(SLOW_GROUP, [ADMIN])
        server.set_admins(OTHER_GROUP, [ADMIN])
        yield server
        server.release()  # let a failed test's held request finish


def help_sent(server: BotApiServer, chat_id: int) -> bool:
    return any(m.text.startswith("<b>Commands") for m in server.sent(chat_id))


async def test_a_slow_update_in_one_chat_does_not_hold_up_another(bot: RunningBot) -> None:
    server = bot.server
    assert isinstance(server, HeldServer)
    server.push_message("/subscribe all", chat_id=SLOW_GROUP, user_id=MEMBER)
    await server.wait_for(server.asked.is_set)
    # The group's command is now waiting on getChatMember; other chats carry on.
    server.push_message("/help", chat_id=STRANGER)
    server.push_message("/mode digest", chat_id=OTHER_GROUP, user_id=MEMBER)
    await server.wait_for(
        lambda: help_sent(server, STRANGER) and len(server.sent(OTHER_GROUP)) == 1
    )
    assert not server.released.is_set() and server.sent(SLOW_GROUP) == []
    assert [m.text for m in server.sent(OTHER_GROUP)] == [REFUSAL]
    server.release()
    [refused] = await server.wait_for_messages(1, SLOW_GROUP)
    assert refused.text == REFUSAL
    assert await bot.subscriber(SLOW_GROUP) is None


async def test_one_chats_updates_are_answered_in_order(bot: RunningBot) -> None:
    server = bot.server
    assert isinstance(server, HeldServer)
    server.push_message("/subscribe all", chat_id=SLOW_GROUP, user_id=MEMBER)
    await server.wait_for(server.asked.is_set)
    # Queued behind the held command: /help needs no getChatMember, yet it waits its turn.
    server.push_message("/help", chat_id=SLOW_GROUP, user_id=MEMBER)
    server.push_message("/claims", chat_id=SLOW_GROUP, user_id=MEMBER)
    server.push_message("/help", chat_id=STRANGER)
    await server.wait_for(lambda: help_sent(server, STRANGER))
    assert server.sent(SLOW_GROUP) == []
    server.release()
    sent = await server.wait_for_messages(3, SLOW_GROUP)
    assert sent[0].text == REFUSAL
    assert sent[1].text.startswith("<b>Commands")
    assert "trump-xi-visit" in sent[2].text
    # Every chat's turn is given back once its updates are done: the map of turns is empty.
    processor = bot.app.update_processor
    assert isinstance(processor, ChatOrder)
    await server.wait_for(lambda: processor.chats_in_hand == 0)
