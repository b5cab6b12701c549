"""Per-chat settings commands, good and bad arguments, and /stop."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from botharness import RunningBot


async def test_mode(bot: RunningBot) -> None:
    [answer] = await bot.say("/mode digest", chat_id=42)
    assert answer.text == "Mode: digest — digests only."
    [bad] = await bot.say("/mode loud", chat_id=42)
    assert bad.text.startswith("Use /mode instant")
    sub = await bot.subscriber(42)
    assert sub is not None and sub.mode == "digest"


async def test_schedule_and_timezone_set_the_next_digest(bot: RunningBot) -> None:
    [answer] = await bot.say("/schedule weekly Monday 9:30", chat_id=42)
    assert answer.text.startswith("Digest: weekly mon 09:30 (next: ")
    [zone] = await bot.say("/timezone asia/tokyo", chat_id=42)
    assert zone.text.startswith("Timezone: Asia/Tokyo. Digest: weekly mon 09:30 (next: ")
    assert "JST" in zone.text
    sub = await bot.subscriber(42)
    assert sub is not None and sub.next_digest_at is not None
    local = sub.next_digest_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 30)
    [off] = await bot.say("/schedule off", chat_id=42)
    assert off.text.startswith("Digests are off.")
    sub = await bot.subscriber(42)
    assert sub is not None and sub.schedule == "off" and sub.next_digest_at is None


@pytest.mark.parametrize(
    ("command", "start"),
    [
        ("/schedule sometimes", '"sometimes" is not a digest schedule'),
        ("/schedule daily 25:00", '"25:00" is not a time of day'),
        ("/timezone Europe/Berln", '"Europe/Berln" is not a known timezone'),
        ("/quiet 22:00", '"22:00" is not a quiet-hours window'),
        ("/quiet", "Use /quiet HH:MM-HH:MM | off"),
        ("/filter", "No filters."),
        ("/filter drop x", "Use /filter add WORD | remove WORD | list"),
        ("/filter add", "Use /filter add WORD"),
    ],
)
async def test_bad_arguments_get_one_sentence_and_change_nothing(
    bot: RunningBot, command: str, start: str
) -> None:
    [answer] = await bot.say(command, chat_id=42)
    assert answer.text.startswith(start)
    sub = await bot.subscriber(42)
    if sub is not None:  # some commands create the chat's row with its defaults first
        assert (sub.schedule, sub.timezone, sub.quiet_start, sub.filters) == (
            "daily 08:00", "UTC", None, (),
        )  # fmt: skip


async def test_timezone_suggestion(bot: RunningBot) -> None:
    [answer] = await bot.say("/timezone Europe/Berln", chat_id=42)
    assert "Did you mean Europe/Berlin" in answer.text


async def test_quiet_hours(bot: RunningBot) -> None:
    [answer] = await bot.say("/quiet 22:00-07:00", chat_id=42)
    assert answer.text.startswith("Quiet hours: 22:00–07:00 (UTC)")
    sub = await bot.subscriber(42)
    assert sub is not None and (sub.quiet_start, sub.quiet_end) == ("22:00", "07:00")
    [off] = await bot.say("/quiet off", chat_id=42)
    assert off.text == "Quiet hours are off."
    sub = await bot.subscriber(42)
    assert sub is not None and sub.quiet_start is None


async def test_filters_are_words_and_phrases_not_patterns(bot: RunningBot) -> None:
    [added] = await bot.say("/filter add Winter Olympics", chat_id=42)
    assert added.text == "Developments mentioning “Winter Olympics” will not be sent here."
    await bot.say("/filter add a.*b <i>", chat_id=42)
    [listed] = await bot.say("/filter list", chat_id=42)
    assert listed.text == "Filtered words: “a.*b &lt;i&gt;”, “winter olympics”."
    [removed] = await bot.say("/filter remove winter olympics", chat_id=42)
    assert removed.text == "Removed the filter “winter olympics”."
    [missing] = await bot.say("/filter remove nothing", chat_id=42)
    assert missing.text.startswith("There was no filter “nothing”")
    sub = await bot.subscriber(42)
    assert sub is not None and sub.filters == ("a.*b <i>",)


async def test_pause_and_resume(bot: RunningBot) -> None:
    [paused] = await bot.say("/pause", chat_id=42)
    assert paused.text.startswith("Paused")
    sub = await bot.subscriber(42)
    assert sub is not None and sub.paused
    [mysubs] = await bot.say("/mysubs", chat_id=42)
    assert "<b>Paused</b>" in mysubs.text
    await bot.say("/resume", chat_id=42)
    sub = await bot.subscriber(42)
    assert sub is not None and not sub.paused


async def test_stop_asks_then_deletes_everything(bot: RunningBot) -> None:
    await bot.say("/subscribe all", chat_id=42)
    await bot.say("/mode digest", chat_id=42)
    [question] = await bot.say("/stop", chat_id=42)
    await bot.press(question, "Cancel")
    assert question.text == "Nothing was deleted."
    assert await bot.subscriber(42) is not None
    [question] = await bot.say("/stop", chat_id=42)
    await bot.press(question, "stop:confirm")
    assert question.text.startswith("Done: everything about this chat is deleted.")
    assert await bot.subscriber(42) is None
    [again] = await bot.say("/stop", chat_id=42)
    assert again.text == "This chat has no data here. /start to begin."
    [fresh] = await bot.say("/start", chat_id=42)
    assert "Welcome back" not in fresh.text
    sub = await bot.subscriber(42)
    assert sub is not None and sub.mode == "instant" and sub.subscriptions == ()


async def test_digest_answers_honestly(bot: RunningBot) -> None:
    [nothing] = await bot.say("/digest", chat_id=42)
    assert nothing.text.startswith("This chat follows nothing yet")
    await bot.say("/subscribe all", chat_id=42)
    [empty] = await bot.say("/digest", chat_id=42)
    assert empty.text == "Nothing new for your claims since the last digest."


async def test_editing_a_command_does_not_run_it_again(bot: RunningBot) -> None:
    await bot.say("/filter add tariffs", chat_id=42)
    edited = bot.server.message_update("/filter add sanctions", chat_id=42)
    edited["edited_message"] = edited.pop("message") | {"edit_date": 1}
    bot.server.push_update(edited)
    # A later command is answered, and nothing was answered or changed for the edit.
    [listed] = await bot.say("/filter list", chat_id=42)
    assert listed.text == "Filtered words: “tariffs”."
    assert len(bot.server.sent(42)) == 2
