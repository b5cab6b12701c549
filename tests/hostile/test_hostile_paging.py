"""An error reaching the error handler pages the operators once per kind of error per hour.

The kind is the exception's type and where in our code it was raised, never its message: five
strangers varying the text of one failure paged the operators five times. What the handler
remembers to decide this is bounded.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

import pytest
from botapi import BotApiServer
from botharness import NOW, OPERATOR, running_bot

from bot.deliver.schedule import parse_clock
from bot.telegram.errors import MAX_KINDS, QUIET_REPEAT, SORRY, error_kind, first_in_window


def failure_of_parse_clock(text: str) -> BaseException:
    try:
        parse_clock(text)
    except ValueError as err:
        return err
    raise AssertionError("parse_clock accepted it")


def test_the_same_failure_with_different_texts_is_one_kind() -> None:
    first, second = failure_of_parse_clock("stranger one"), failure_of_parse_clock("two")
    assert str(first) != str(second)
    assert error_kind(first) == error_kind(second)
    assert "bot/deliver/schedule.py" in error_kind(first)
    try:
        int("x")
    except ValueError as elsewhere:
        assert error_kind(elsewhere) != error_kind(first)


def test_a_kind_is_told_again_only_after_the_quiet_hour() -> None:
    told: OrderedDict[str, datetime] = OrderedDict()
    assert first_in_window(told, "A", NOW)
    assert not first_in_window(told, "A", NOW + QUIET_REPEAT - timedelta(seconds=1))
    assert first_in_window(told, "B", NOW + timedelta(minutes=1))
    assert first_in_window(told, "A", NOW + QUIET_REPEAT)


def test_what_is_remembered_stays_bounded() -> None:
    told: OrderedDict[str, datetime] = OrderedDict()
    for n in range(10 * MAX_KINDS):
        assert first_in_window(told, f"kind {n}", NOW + timedelta(seconds=n))
        assert len(told) <= MAX_KINDS


async def test_operators_are_paged_once_per_kind_not_per_text(
    botapi: BotApiServer, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    failures: list[Exception] = [
        RuntimeError("feed server said: first stranger's text"),
        RuntimeError("feed server said: second stranger's text"),
        RuntimeError("feed server said: third stranger's text"),
        LookupError("another kind of failure"),
    ]

    async def poll_now() -> str:
        raise failures.pop(0)

    def pages() -> list[str]:
        return [m.text for m in botapi.sent(OPERATOR) if m.text.startswith("⚠️ Error")]

    def apologies() -> int:
        return sum(m.text == SORRY for m in botapi.sent(OPERATOR))

    async with running_bot(botapi, sqlite_url, poll_now=poll_now) as bot:
        for n in range(1, 4):
            bot.server.push_message("/pollnow", chat_id=OPERATOR)
            await botapi.wait_for(lambda n=n: apologies() == n)
        await botapi.wait_for(lambda: len(pages()) >= 1)
        bot.server.push_message("/pollnow", chat_id=OPERATOR)
        await botapi.wait_for(lambda: len(pages()) >= 2)
        await bot.say("/status", chat_id=OPERATOR)  # everything before it has been handled
    first, other = pages()
    assert "first stranger's text" in first and "RuntimeError" in first
    assert "LookupError" in other
    assert apologies() == 4  # each chat still hears that something went wrong
    assert caplog.text.count("feed server said") >= 3  # and every failure is logged
