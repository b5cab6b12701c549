"""A hand-written builder for delivery tests: claims, chats and developments in a real database.

world = World(sessions, now=T0)
await world.claim("visit", theme="us-china", short="Trump visits Beijing in April")
chat = await world.chat(101, follows=[("theme", "us-china")], quiet=("22:00", "07:00"))
story = await world.development("Trump's visit is postponed", claims={"visit": "contradicts"})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from bot.domain import Claim, Evidence, FeedSpec, Match, Stance, Subscriber, SubscriptionKind
from bot.storage.claims import add_claim
from bot.storage.db import Sessions
from bot.storage.feeds import add_feed
from bot.storage.matches import save_match
from bot.storage.models import EntryRow
from bot.storage.stories import attach_entry, create_story
from bot.storage.subscribers import (
    get_or_create_subscriber,
    get_subscriber,
    set_mode,
    set_paused,
    set_quiet_hours,
    set_schedule,
    set_timezone,
)
from bot.storage.subscriptions import add_filter, add_subscription

T0 = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


class World:
    def __init__(self, sessions: Sessions, *, now: datetime = T0) -> None:
        self.sessions = sessions
        self.now = now
        self._feeds: dict[str, int] = {}
        self._entries = 0

    async def claim(self, claim_id: str, *, theme: str = "us-china", short: str = "") -> Claim:
        claim = Claim(
            id=claim_id,
            text=short or f"Claim {claim_id}",
            theme=theme,
            kind="forecast",
            short=short or f"Claim {claim_id}",
        )
        async with self.sessions.begin() as session:
            return await add_claim(session, claim, now=self.now)

    async def chat(
        self,
        chat_id: int,
        *,
        follows: Sequence[tuple[SubscriptionKind, str]] = (("all", ""),),
        thread_id: int = 0,
        chat_type: str = "private",
        mode: str = "instant",
        timezone: str = "UTC",
        quiet: tuple[str, str] | None = None,
        filters: Sequence[str] = (),
        paused: bool = False,
        schedule: str | None = None,
        next_digest_at: datetime | None = None,
        subscribed_at: datetime | None = None,
    ) -> Subscriber:
        at = subscribed_at or self.now - timedelta(days=1)
        async with self.sessions.begin() as session:
            sub = await get_or_create_subscriber(
                session,
                chat_id=chat_id,
                thread_id=thread_id,
                chat_type=chat_type,
                title=None,
                now=at,
            )
            for kind, target in follows:
                await add_subscription(session, sub.id, kind, target, now=at)
            for word in filters:
                await add_filter(session, sub.id, word, now=at)
            await set_mode(session, sub.id, mode, now=at)
            await set_timezone(session, sub.id, timezone, next_digest_at=next_digest_at, now=at)
            if schedule is not None:
                await set_schedule(session, sub.id, schedule, next_digest_at=next_digest_at, now=at)
            await set_quiet_hours(session, sub.id, quiet, now=at)
            await set_paused(session, sub.id, paused, now=at)
            found = await get_subscriber(session, chat_id=chat_id, thread_id=thread_id)
        assert found is not None
        return found

    async def _feed(self, name: str) -> int:
        if name not in self._feeds:
            async with self.sessions.begin() as session:
                url = f"http://127.0.0.1:9/{name.lower().replace(' ', '-')}.xml"
                feed = await add_feed(
                    session, FeedSpec(url=url, name=name), origin="cli", now=self.now
                )
                self._feeds[name] = feed.id
        return self._feeds[name]

    async def development(
        self,
        title: str,
        *,
        claims: Mapping[str, Stance],
        link: str | None = None,
        summary: str = "",
        feeds: Sequence[str] = ("Wire",),
        level: str = "alert",
        score: float = 0.8,
        confidence: float = 0.7,
        backlog: bool = False,
        at: datetime | None = None,
    ) -> int:
        """A story seen in `feeds`, matched to `claims`; returns the story id."""
        when = at or self.now
        link = link or f"https://news.example/{len(title)}-{self._entries}"
        feed_ids = [await self._feed(name) for name in feeds]
        async with self.sessions.begin() as session:
            story = await create_story(session, link=link, title=title, fingerprint=title, now=when)
            entry_ids = []
            for feed_id in feed_ids:
                self._entries += 1
                row = EntryRow(
                    feed_id=feed_id,
                    identity=f"e{self._entries}",
                    guid=None,
                    link=link,
                    title=title,
                    summary=summary,
                    published_at=when,
                    first_seen_at=when,
                    lang="en",
                    is_backlog=backlog,
                    matched_at=when,
                )
                session.add(row)
                await session.flush()
                await attach_entry(session, row.id, story.id, now=when)
                entry_ids.append(row.id)
            for claim_id, stance in claims.items():
                match = Match(
                    claim_id=claim_id,
                    score=score,
                    level=level,  # type: ignore[arg-type]
                    stance=stance,
                    confidence=confidence,
                    why=Evidence(
                        sentence=title,
                        matched_text=title,
                        shared_words=("visit", "beijing"),
                        lexical=score,
                        semantic=score,
                    ),
                )
                await save_match(
                    session,
                    story_id=story.id,
                    entry_id=entry_ids[0],
                    match=match,
                    claim_version=1,
                    is_backlog=backlog,
                    now=when,
                )
        return story.id
