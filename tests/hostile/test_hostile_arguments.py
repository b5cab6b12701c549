"""Every command answers bad arguments with one short line, never an exception.

A stranger controls the whole text after the command: very long, nested, other scripts' digits,
control characters. The parsers are driven with arbitrary text (hypothesis); the cases found by
hand are replayed through the stand-in Bot API server, where an exception would show as the
error handler's apology and a report to the operators.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from botapi import BotApiServer
from botharness import OPERATOR, RunningBot, running_bot, seed_claims
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.storage.feeds import list_feeds
from bot.storage.subscriptions import is_plain
from bot.telegram.admin import read_feed_ref, read_new_feed
from bot.telegram.arguments import SHOWN, ArgumentError, shown
from bot.telegram.claims import find_claim_id
from bot.telegram.errors import SORRY
from bot.telegram.settings import (
    read_filter,
    read_mode,
    read_quiet_hours,
    read_schedule,
    resolve_timezone,
)
from bot.telegram.subscriptions import describe_unknown, resolve_targets

THEMES = ("us-china", "trump-xi")
CLAIM_IDS = ("trump-xi-visit", "no-us-china-war")
# What a stranger reaches for: long runs, nesting, path tricks, digits that are not ASCII,
# controls, bidirectional overrides, case-folding that grows, lone surrogates.
PIECES = ["(", "a/", "../", "Europe/", "²", "٣", "9", "#", "\x00", "\x1b[31m", "\u202e", "ß",
          "\ud800", "daily ", "22:00-", "http://", " ", "\n"]  # fmt: skip
hostile_text = st.one_of(
    st.text(max_size=300),
    st.builds(lambda piece, n: piece * n, st.sampled_from(PIECES), st.integers(1, 2500)),
    st.builds(lambda a, b: a + b, st.sampled_from(PIECES), st.text(max_size=100)),
)


def one_line(call: Callable[[], object]) -> None:
    """The parser either returned or raised ArgumentError with one short line."""
    try:
        call()
    except ArgumentError as err:
        message = str(err)
        assert message and "\n" not in message and len(message) <= 300, message


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_argument_parsers_return_a_value_or_one_line(text: str) -> None:
    words = text.split()  # what python-telegram-bot hands a command as context.args
    one_line(lambda: resolve_timezone(text))
    one_line(lambda: read_mode(text))
    one_line(lambda: read_schedule(text))
    one_line(lambda: read_quiet_hours("".join(words)))
    one_line(lambda: read_filter(words))
    one_line(lambda: read_filter(["add", *words]))
    one_line(lambda: read_feed_ref(text))
    one_line(lambda: read_new_feed(words))
    one_line(lambda: read_new_feed(["https://example.org/rss", *words]))
    found, close = find_claim_id(text, CLAIM_IDS)
    assert {found, *close} <= {None, *CLAIM_IDS}
    resolved = resolve_targets(words, THEMES, CLAIM_IDS)
    lines = describe_unknown(resolved.unknown)
    assert len(lines) <= 4 and sum(len(line) for line in lines) <= 1200


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_text_quoted_back_is_one_short_visible_line(text: str) -> None:
    line = shown(text)
    assert len(line) <= SHOWN and is_plain(line)  # no newline, control, surrogate or override
    assert line == line.strip() or line.endswith("…")
    assert "  " not in line and "\x1b" not in line


@pytest.fixture
async def bot(botapi: BotApiServer, sqlite_url: str) -> AsyncIterator[RunningBot]:
    async def poll_now() -> str:
        return "polled"

    async with running_bot(botapi, sqlite_url, poll_now=poll_now) as running:
        await seed_claims(running.sessions)
        yield running


@pytest.mark.parametrize(
    ("command", "start"),
    [
        ("/timezone Europe", '"Europe" is not a known timezone'),  # was IsADirectoryError
        ("/timezone " + "a" * 300, '"aaaa'),  # was OSError: file name too long
        ("/timezone " + "(" * 3000, '"((((('),  # was OSError
        ("/timezone " + "Europe/" * 500, '"Europe/Europe/'),  # was OSError
        ("/schedule " + "x" * 4000, '"xxxx'),  # echoed 4,000 characters back
        ("/quiet " + "1" * 4000, '"1111'),
        ("/filter add \x1b[31mred", "A filter must be a word or phrase of ordinary characters."),
        ("/filter add " + "ß" * 60, "A filter can be at most 64 characters long."),
        ("/claim " + "x" * 4000, "There is no claim “xxxx"),
        ("/claims " + "y" * 4000, "There is no theme “yyyy"),
        ("/subscribe " + "z" * 4000, "I don't know “zzzz"),
    ],
)
async def test_bad_arguments_from_anyone_get_one_short_line(
    bot: RunningBot, command: str, start: str
) -> None:
    [answer] = await bot.answers_to(command, chat_id=42)
    assert answer.text.startswith(start) and answer.text != SORRY
    assert "\n" not in answer.text and len(answer.text) < 300
    assert bot.server.sent(OPERATOR) == []  # nothing reached the error handler
    sub = await bot.subscriber(42)
    if sub is not None:  # some commands create the chat's row with its defaults first
        assert (sub.timezone, sub.schedule, sub.quiet_start, sub.filters, sub.subscriptions) == (
            "UTC", "daily 08:00", None, (), (),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("command", "start"),
    [
        ("/removefeed ²", "There is no feed “²”"),  # str.isdigit() says yes, int() says no
        ("/removefeed 99999999999999999999", "There is no feed “9999"),  # past the integer
        ("/removefeed " + "9" * 5000, "There is no feed “9999"),  # past int()'s digit limit
        ("/addfeed ²", "Not added: “²” is not an http:// or https:// address"),
        ("/addfeed 99999999999999999999", "Not added: “9999"),
        ("/addfeed http://" + "a" * 4000, "Not added: “http://aaaa"),
    ],
)
async def test_bad_feed_arguments_from_an_operator_get_one_short_line(
    bot: RunningBot, command: str, start: str
) -> None:
    [answer] = await bot.answers_to(command, chat_id=OPERATOR)
    assert answer.text.startswith(start)
    assert "\n" not in answer.text and len(answer.text) < 300
    async with bot.sessions() as session:
        assert await list_feeds(session) == []
