"""The matcher as the rest of ClaimWatch uses it: score items, and match stored entries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.domain import Claim, Entry, Evidence, Match, MatchLevel, StoredMatch
from bot.match.cluster import place_entries
from bot.match.embed import Embedder, ModelUnavailableError
from bot.match.features import ClaimSpace, ItemText, Reading, Surface
from bot.match.model import MODEL_PATH, LearnedModel, load_model, stance_of
from bot.match.predict import Scored, Scorer
from bot.match.stories import STORY_WINDOW
from bot.match.vectors import VectorStore, shared_embedder
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
        model: LearnedModel | None = None,
        store: VectorStore | None = None,
    ) -> None:
        self.claims = [c for c in claims if c.active]
        self.embedder = embedder
        self.model = model or default_model()
        self.space = ClaimSpace(self.claims, embedder, self.model.examples, store, self.model.idf)
        self.english = Scorer(self.space, self.model.profiles[self.mode])
        self.foreign = Scorer(self.space, self.model.profiles["foreign"])
        # With the sentence model, the lexical profile decides which items are worth reading.
        self.cheap = Scorer(self.space, self.model.profiles["lexical"]) if embedder else None
        self.versions = {c.id: c.version for c in self.claims}

    @property
    def mode(self) -> str:
        return "hybrid" if self.embedder else "lexical"

    def score_items(self, items: Sequence[ItemText]) -> list[list[Match]]:
        """Matches at digest level or above, best first, one list per item.

        CPU-bound (the model runs here): async callers use asyncio.to_thread.
        """
        surfaces = [self.space.surface(item) for item in items]
        wanted = [
            n
            for n, surface in enumerate(surfaces)
            if surface.english and self.cheap is not None and self.cheap.worth_reading(surface)
        ]
        readings: list[Reading | None] = [None] * len(items)
        for n, reading in zip(wanted, self.space.read([items[n] for n in wanted]), strict=True):
            readings[n] = reading
        result: list[list[Match]] = []
        for item, surface, reading in zip(items, surfaces, readings, strict=True):
            if not self.claims or (surface.english and self.embedder and reading is None):
                result.append([])  # no claim within reach: not embedded, nothing to say
                continue
            scorer = self.english if surface.english else self.foreign
            result.append(self._matches(scorer, item, surface, reading))
        return result

    def _matches(
        self, scorer: Scorer, item: ItemText, surface: Surface, reading: Reading | None
    ) -> list[Match]:
        scored: Scored = scorer.relevance(surface, reading)
        chosen = np.flatnonzero(scored.relevance >= scored.digest)
        if not len(chosen):
            return []
        probabilities = scorer.stance(item, surface, reading, chosen)
        picks = probabilities.argmax(axis=1)
        confidence = scorer.confidence(
            chosen, scored.relevance[chosen], probabilities[np.arange(len(chosen)), picks]
        )
        matches = []
        for row, c in enumerate(chosen.tolist()):
            score = float(scored.relevance[c])
            sentence, example = self.space.nearest_example(c, reading, item)
            why = Evidence(
                sentence=sentence,
                matched_text=example,
                shared_words=tuple(sorted(surface.shared.get(c, ())))
                if surface.english
                else self._keywords_found(c, surface),
                lexical=round(float(surface.signals["lexical"][c]), 3),
                semantic=round(float(reading.signals["sem_best"][c]), 3) if reading else 0.0,
            )
            level: MatchLevel = "alert" if score >= scored.alert[c] else "digest"
            stance = stance_of(int(picks[row]))
            matches.append(
                Match(self.claims[c].id, score, level, stance, float(confidence[row]), why)
            )
        matches.sort(key=lambda m: -m.score)
        return matches

    def _keywords_found(self, c: int, surface: Surface) -> tuple[str, ...]:
        """For items the model cannot read, the claim's keywords they mention are the evidence."""
        claim = self.claims[c]
        found = (k for group in claim.keywords_all for k in group if k in surface.present)
        return tuple(dict.fromkeys(found))


_DEFAULT: LearnedModel | None = None
_STORES: dict[Path | None, VectorStore] = {}


def vector_store(path: Path | None) -> VectorStore:
    """One store per cache file per process, so rebuilding the matcher re-reads nothing."""
    if path not in _STORES:
        _STORES[path] = VectorStore(path)
    return _STORES[path]


def default_model() -> LearnedModel:
    """The committed model (bot/match/model.json), read once per process."""
    global _DEFAULT  # noqa: PLW0603
    if _DEFAULT is None:
        _DEFAULT = load_model(MODEL_PATH)
    return _DEFAULT


async def load_matcher(settings: Settings, claims: Sequence[Claim]) -> Matcher:
    """Build the matcher for settings.matcher; the model loads in a thread, once."""

    def build() -> Matcher:
        embedder = None
        if settings.matcher == "hybrid":
            try:
                embedder = shared_embedder()
            except ModelUnavailableError as err:
                # Keep the bot working: lexical matching is worse, not wrong.
                log.warning("matcher falling back to lexical: %s", err)
        return Matcher(claims, embedder, store=vector_store(settings.vector_cache))

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
