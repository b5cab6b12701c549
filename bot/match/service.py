"""The matcher as the rest of ClaimWatch uses it: score items, and match stored entries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from bot.config import Settings
from bot.domain import Claim, Entry, Evidence, Match, StoredMatch
from bot.match.cluster import place_entries
from bot.match.embed import Embedder, MiniLMEmbedder, ModelUnavailableError
from bot.match.features import ClaimSpace, ItemText, Semantic, Surface
from bot.match.score import (
    HYBRID,
    HYBRID_THRESHOLDS,
    LEXICAL,
    LEXICAL_THRESHOLDS,
    Floats,
    Thresholds,
    Weights,
    combine,
    foreign_scores,
    level_of,
)
from bot.match.stance import decide_stance
from bot.match.stories import STORY_WINDOW
from bot.storage.db import Sessions
from bot.storage.matches import get_matches, save_match
from bot.storage.stories import (
    attach_entry,
    create_story,
    mark_entries_matched,
    recent_stories,
    story_is_backlog,
    unmatched_entries,
)

log = logging.getLogger(__name__)


class Matcher:
    """Scores items against a fixed set of claims; build it once, it caches the claims' vectors."""

    def __init__(
        self,
        claims: Sequence[Claim],
        embedder: Embedder | None = None,
        *,
        weights: Weights | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.claims = [c for c in claims if c.active]
        self.embedder = embedder
        self.weights = weights or (HYBRID if embedder else LEXICAL)
        self.thresholds = thresholds or (HYBRID_THRESHOLDS if embedder else LEXICAL_THRESHOLDS)
        self.space = ClaimSpace(self.claims, embedder)
        self.versions = {c.id: c.version for c in self.claims}
        self.groups = np.asarray([len(c.keywords_all) for c in self.claims], dtype=np.int64)

    @property
    def mode(self) -> str:
        return "hybrid" if self.embedder else "lexical"

    def score_items(self, items: Sequence[ItemText]) -> list[list[Match]]:
        """Matches at digest level or above, best first, one list per item.

        CPU-bound (the model runs here): async callers use asyncio.to_thread.
        """
        surfaces = [self.space.surface(item) for item in items]
        # A claim stays a candidate if a perfect semantic score could lift it to digest level;
        # items with no candidate never reach the model.
        ceilings = [self._scores(s, None) if s.english else None for s in surfaces]
        wanted = [
            n
            for n, ceiling in enumerate(ceilings)
            if ceiling is not None and bool((ceiling >= self.thresholds.digest).any())
        ]
        semantic: list[Semantic | None] = [None] * len(items)
        for n, reading in zip(wanted, self.space.semantic([items[n] for n in wanted]), strict=True):
            semantic[n] = reading
        result = []
        for item, surface, reading in zip(items, surfaces, semantic, strict=True):
            if not surface.english:
                scores = foreign_scores(surface.gate, self.groups, surface.mentions, surface.vetoed)
            elif self.embedder is not None and reading is None:
                scores = np.zeros(len(self.claims))  # no claim within reach: not embedded
            else:
                scores = self._scores(surface, reading)
            chosen = np.flatnonzero(scores >= self.thresholds.digest).tolist()
            matches = [self._match(item, c, float(scores[c]), surface, reading) for c in chosen]
            matches.sort(key=lambda m: -m.score)
            result.append(matches)
        return result

    def _scores(self, surface: Surface, reading: Semantic | None) -> Floats:
        semantic = reading.best if reading is not None else np.ones(len(self.claims))
        if self.embedder is None:
            semantic = np.zeros(len(self.claims))
        return combine(
            self.weights,
            semantic=semantic,
            lexical=surface.lexical,
            gate=surface.gate,
            vetoed=surface.vetoed,
        )

    def _match(
        self, item: ItemText, c: int, score: float, surface: Surface, reading: Semantic | None
    ) -> Match:
        features = self.space.features(item, c, surface, reading)
        level = level_of(score, self.thresholds)
        call = decide_stance(features)
        why = Evidence(
            sentence=features.best_unit,
            matched_text=features.best_hypothesis,
            shared_words=features.shared_words,
            lexical=round(features.lexical, 3),
            semantic=round(features.semantic, 3),
        )
        return Match(self.claims[c].id, score, level or "digest", call.stance, call.confidence, why)


async def load_matcher(settings: Settings, claims: Sequence[Claim]) -> Matcher:
    """Build the matcher for settings.matcher; the model loads in a thread, once."""

    def build() -> Matcher:
        embedder = None
        if settings.matcher == "hybrid":
            try:
                embedder = MiniLMEmbedder()
            except ModelUnavailableError as err:
                # Keep the bot working: lexical matching is worse, not wrong.
                log.warning("matcher falling back to lexical: %s", err)
        return Matcher(claims, embedder)

    matcher = await asyncio.to_thread(build)
    log.info("matcher ready: mode=%s claims=%d", matcher.mode, len(matcher.claims))
    return matcher


def item_of_entry(entry: Entry) -> ItemText:
    return ItemText(entry.title, entry.summary, entry.lang)


async def match_pending_entries(
    sessions: Sessions, matcher: Matcher, *, now: datetime, settings: Settings, limit: int = 500
) -> list[StoredMatch]:
    """Cluster unmatched entries into stories, score them, store one match per (story, claim).

    Returns only the matches created now; a later entry of a known story may raise its score.
    """
    async with sessions() as session, session.begin():
        entries = await unmatched_entries(session, limit=limit)
        if not entries:
            return []
        stories = await recent_stories(session, since=now - STORY_WINDOW)
        # Indexing and lookups are CPU work that grows with the window: off the event loop.
        placements = await asyncio.to_thread(place_entries, stories, entries)
        story_ids = [s.id for s in stories]  # then the stories this batch opens, in order
        placed: list[tuple[Entry, int, bool]] = []
        for entry, place in zip(entries, placements, strict=True):
            if place.opens:
                story = await create_story(
                    session,
                    link=entry.link,
                    title=entry.title,
                    fingerprint=place.fingerprint,
                    now=now,
                )
                story_ids.append(story.id)
            story_id = story_ids[place.story]
            backlog = (
                entry.is_backlog
                if place.opens
                else await story_is_backlog(session, story_id, default=entry.is_backlog)
            )
            await attach_entry(session, entry.id, story_id, now=now)
            placed.append((entry, story_id, backlog))
        scored = await asyncio.to_thread(matcher.score_items, [item_of_entry(e) for e in entries])
        new_ids: list[int] = []
        for (entry, story_id, backlog), matches in zip(placed, scored, strict=True):
            for match in matches:
                match_id = await save_match(
                    session,
                    story_id=story_id,
                    entry_id=entry.id,
                    match=match,
                    claim_version=matcher.versions.get(match.claim_id, 1),
                    is_backlog=backlog,
                    now=now,
                )
                if match_id is not None:
                    new_ids.append(match_id)
        await mark_entries_matched(session, [e.id for e in entries], now=now)
        new = await get_matches(session, new_ids)
    log.info("matched entries=%d new_matches=%d", len(entries), len(new))
    return new
