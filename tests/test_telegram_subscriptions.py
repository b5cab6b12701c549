"""Subscribing by command and by button, /themes, /mysubs, /claims and /claim."""

from __future__ import annotations

from botharness import NOW, RunningBot

from bot.domain import Evidence, FeedSpec, Match, ParsedEntry, Stance, Subscription
from bot.storage.entries import store_entries
from bot.storage.feeds import add_feed
from bot.storage.matches import save_match
from bot.storage.stories import attach_entry, create_story


async def test_subscribe_to_themes_claims_and_all_in_any_case(bot: RunningBot) -> None:
    [answer] = await bot.say("/subscribe US-China trump-xi-visit all", chat_id=42)
    assert answer.text.splitlines() == [
        "Subscribed to theme <code>us-china</code>.",
        "Subscribed to claim <code>trump-xi-visit</code>.",
        "Subscribed to all claims.",
    ]
    sub = await bot.subscriber(42)
    assert sub is not None
    assert set(sub.subscriptions) == {
        Subscription("theme", "us-china"),
        Subscription("claim", "trump-xi-visit"),
        Subscription("all"),
    }
    [again] = await bot.say("/subscribe us-china", chat_id=42)
    assert again.text == "Already subscribed to theme <code>us-china</code>."


async def test_unknown_names_get_the_closest_valid_ones(bot: RunningBot) -> None:
    [answer] = await bot.say("/subscribe us-chna zzzzzz", chat_id=42)
    lines = answer.text.splitlines()
    assert lines[0].startswith("I don't know “us-chna”; did you mean <code>us-china</code>")
    assert lines[1] == "I don't know “zzzzzz”; see /themes and /claims for the names."
    sub = await bot.subscriber(42)
    assert sub is not None and sub.subscriptions == ()


async def test_unsubscribe(bot: RunningBot) -> None:
    await bot.say("/subscribe us-china trump-xi", chat_id=42)
    [answer] = await bot.say("/unsubscribe us-china no-us-china-war", chat_id=42)
    assert answer.text.splitlines() == [
        "Unsubscribed from theme <code>us-china</code>.",
        "This chat was not subscribed to claim <code>no-us-china-war</code>.",
    ]
    [menu] = await bot.say("/unsubscribe", chat_id=42)
    assert menu.buttons == [("✕ trump-xi", "unsub:theme:trump-xi")]
    assert await bot.press(menu, "trump-xi") == "Unsubscribed from theme trump-xi."
    sub = await bot.subscriber(42)
    assert sub is not None and sub.subscriptions == ()
    assert menu.buttons == []  # the pressed button went away
    [nothing] = await bot.say("/unsubscribe all", chat_id=42)
    assert nothing.text == "This chat follows nothing."


async def test_subscribe_without_arguments_offers_buttons_that_toggle(bot: RunningBot) -> None:
    [menu] = await bot.say("/subscribe", chat_id=42)
    assert await bot.press(menu, "sub:theme:trump-xi") == "Subscribed to theme trump-xi."
    assert ("✓ trump-xi (1) — unsubscribe", "unsub:theme:trump-xi") in menu.buttons
    assert await bot.press(menu, "unsub:theme:trump-xi") == "Unsubscribed from theme trump-xi."
    assert ("+ trump-xi (1)", "sub:theme:trump-xi") in menu.buttons
    sub = await bot.subscriber(42)
    assert sub is not None and sub.subscriptions == ()


async def test_themes_list_counts_and_opens_a_theme(bot: RunningBot) -> None:
    [themes] = await bot.say("/themes", chat_id=42)
    assert "<code>us-china</code> — 2" in themes.text
    before = len(bot.server.sent(42))
    await bot.press(themes, "theme:us-china")
    [listing] = (await bot.server.wait_for_messages(before + 1, 42))[before:]
    assert "no-us-china-war" in listing.text and "trump-xi-visit" not in listing.text
    assert await bot.press(listing, "sub:claim:no-us-china-war") == (
        "Subscribed to claim no-us-china-war."
    )


async def test_mysubs_shows_subscriptions_and_every_setting(bot: RunningBot) -> None:
    await bot.say("/subscribe trump-xi", chat_id=42)
    await bot.say("/filter add Olympics", chat_id=42)
    [answer] = await bot.say("/mysubs", chat_id=42)
    for expected in (
        "theme <code>trump-xi</code>",
        "<b>Mode:</b> instant",
        "<b>Digest:</b> daily 08:00",
        "<b>Timezone:</b> UTC",
        "<b>Quiet hours:</b> off",
        "“olympics”",
    ):
        assert expected in answer.text


async def test_claims_list_escapes_and_filters_by_theme(bot: RunningBot) -> None:
    [listing] = await bot.say("/claims", chat_id=42)
    assert "Russia &lt;depends&gt; on China" in listing.text
    assert "no evidence yet" in listing.text
    [theme] = await bot.say("/claims trump-xi", chat_id=42)
    assert "trump-xi-visit" in theme.text and "us-china-detente" not in theme.text
    [wrong] = await bot.say("/claims trump", chat_id=42)
    assert wrong.text.startswith("There is no theme “trump”. Did you mean <code>trump-xi</code>")


async def test_claim_shows_one_claim_with_follow_and_mute_buttons(bot: RunningBot) -> None:
    [claim] = await bot.say("/claim TRUMP-XI-VISIT", chat_id=42)
    assert "Trump visits Beijing in April." in claim.text
    assert "No developments yet." in claim.text
    assert await bot.press(claim, "mute:trump-xi-visit") == (
        "Muted trump-xi-visit: no more alerts or digest items about it here."
    )
    sub = await bot.subscriber(42)
    assert sub is not None and Subscription("mute", "trump-xi-visit") in sub.subscriptions
    [missing] = await bot.say("/claim trump-xi-vist", chat_id=42)
    assert "Did you mean <code>trump-xi-visit</code>?" in missing.text
    [bare] = await bot.say("/claim", chat_id=42)
    assert bare.text.startswith("Use /claim ID")


async def test_alert_buttons_open_a_claim(bot: RunningBot) -> None:
    # An alert's "open claim" button carries claim:<id>; pressing it shows the claim.
    bot.server.push_callback("claim:us-china-detente", chat_id=42)
    [shown] = await bot.server.wait_for_messages(1, 42)
    assert "Washington and Beijing ease tensions." in shown.text


async def seed_development(bot: RunningBot, *, claim_id: str, title: str, stance: Stance) -> None:
    """A stored news item matched to a claim, as the pipeline leaves it."""
    async with bot.sessions.begin() as session:
        feed = await add_feed(
            session, FeedSpec(url="http://example.org/rss"), origin="cli", now=NOW
        )
        parsed = ParsedEntry(
            identity="g1", title=title, summary="", link="http://example.org/a?x=1&y=2",
            guid="g1", published_at=NOW,
        )  # fmt: skip
        [entry] = await store_entries(session, feed.id, [parsed], now=NOW, backlog=False)
        story = await create_story(session, link=entry.link, title=title, fingerprint="", now=NOW)
        await attach_entry(session, entry.id, story.id, now=NOW)
        why = Evidence(sentence=title, matched_text=title, shared_words=("visit",),
                       lexical=0.8, semantic=0.7)  # fmt: skip
        match = Match(claim_id=claim_id, score=0.8, level="alert", stance=stance,
                      confidence=0.9, why=why)  # fmt: skip
        await save_match(session, story_id=story.id, entry_id=entry.id, match=match,
                         claim_version=1, is_backlog=False, now=NOW)  # fmt: skip


async def test_claim_shows_its_latest_developments_and_tally(bot: RunningBot) -> None:
    await seed_development(
        bot, claim_id="trump-xi-visit", title="Trump <lands> in Beijing", stance="supports"
    )
    [claim] = await bot.say("/claim trump-xi-visit", chat_id=42)
    assert "Evidence so far: 1 supports." in claim.text
    assert '<a href="http://example.org/a?x=1&amp;y=2">Trump &lt;lands&gt; in Beijing</a>' in (
        claim.text
    )
    assert "supports" in claim.text
    [listing] = await bot.say("/claims trump-xi", chat_id=42)
    assert "(1 supports)" in listing.text


async def test_many_unknown_names_get_one_short_answer(bot: RunningBot) -> None:
    words = " ".join(f"nonsense-word-{n:03d}" for n in range(120))
    [answer] = await bot.say(f"/subscribe {words}", chat_id=42)
    assert answer.text.startswith("I don't know “nonsense-word-000”")
    assert answer.text.splitlines()[-1] == "…and 117 more names I don't know."
    assert len(bot.server.sent(42)) == 1
