"""/start, /help, unknown commands, and the command menu, driven through the stand-in server."""

from __future__ import annotations

from botharness import OPERATOR, RunningBot

from bot.telegram.catalog import COMMANDS


async def test_start_welcomes_with_theme_buttons(bot: RunningBot) -> None:
    [welcome] = await bot.say("/start", chat_id=42)
    assert "ClaimWatch" in welcome.text
    datas = [data for _, data in welcome.buttons]
    assert "sub:all" in datas
    assert {"sub:theme:trump-xi", "sub:theme:us-china", "theme:us-china"} <= set(datas)
    assert welcome.parse_mode == "HTML"


async def test_help_lists_every_user_command_and_the_menu_is_registered(bot: RunningBot) -> None:
    [answer] = await bot.say("/help", chat_id=42)
    public = [c.name for c in COMMANDS if c.access != "operator"]
    for name in public:
        assert f"/{name}" in answer.text
    assert "/addfeed" not in answer.text
    assert [c["command"] for c in bot.server.commands()] == public
    [operator_help] = await bot.say("/help", chat_id=OPERATOR)
    assert "/addfeed" in operator_help.text and "/pollnow" in operator_help.text


async def test_unknown_command_gets_one_sentence(bot: RunningBot) -> None:
    [answer] = await bot.say("/frobnicate now", chat_id=42)
    assert answer.text == "I don't know /frobnicate. Send /help for the list of commands."


async def test_returning_user_gets_previous_settings(bot: RunningBot) -> None:
    await bot.say("/subscribe us-china", chat_id=42)
    await bot.say("/timezone Europe/Berlin", chat_id=42)
    await bot.say("/stop", chat_id=42)  # asked, not confirmed: nothing is deleted
    [back] = await bot.say("/start", chat_id=42)
    assert "Welcome back" in back.text
    assert "us-china" in back.text and "Europe/Berlin" in back.text
    assert ("✓ us-china (2) — unsubscribe", "unsub:theme:us-china") in back.buttons
