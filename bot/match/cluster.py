"""Clustering a batch into stories by index, so an item is compared only with stories it could join.

Gives exactly find_story's answers (same link first, else the most similar story at or above
NEAR_DUPLICATE, the later story on a tie) without its scan of every recent story.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import Entry
from bot.match.stories import NEAR_DUPLICATE, fingerprint_text
from bot.storage.stories import StoryRef

# Lets float rounding of NEAR_DUPLICATE * size only widen the filters below, never narrow them.
_SLACK = 1e-9


@dataclass(frozen=True, slots=True)
class Placement:
    """The story one entry joins, by position: the recent stories, then those the batch opens."""

    fingerprint: str
    story: int
    opens: bool = False  # the entry opens this story (it joined none): create it


class StoryIndex:
    """Stories by fingerprint word and by link; positions are the order find_story scans in."""

    def __init__(self) -> None:
        self._words: list[frozenset[str]] = []
        self._by_word: defaultdict[str, list[int]] = defaultdict(list)
        self._by_link: dict[str, int] = {}

    def add(self, *, link: str | None, fingerprint: str) -> int:
        position = len(self._words)
        words = frozenset(fingerprint.split())
        self._words.append(words)
        if link:
            self._by_link.setdefault(link, position)  # find_story takes the first story with it
        for word in words:
            self._by_word[word].append(position)
        return position

    def find(self, *, link: str | None, fingerprint: str) -> int | None:
        """The position find_story would choose among the indexed stories, or None."""
        if link and link in self._by_link:
            return self._by_link[link]
        words = frozenset(fingerprint.split())
        size = len(words)
        if not size:
            return None
        # A story at Jaccard >= t shares at least ceil(t * size) of these words, so it shares one
        # of any size - ceil(t * size) + 1 of them: probe the rarest, for the shortest lists.
        shared = max(1, math.ceil(NEAR_DUPLICATE * size - _SLACK))
        probes = sorted(words, key=lambda w: (len(self._by_word.get(w, ())), w))
        candidates: set[int] = set()
        for word in probes[: size - shared + 1]:
            candidates.update(self._by_word.get(word, ()))
        # Jaccard is at most min(size, other) / max(size, other): skip sizes that cannot reach t.
        smallest, largest = NEAR_DUPLICATE * size - _SLACK, size / NEAR_DUPLICATE + _SLACK
        best: tuple[float, int] | None = None
        for position in candidates:
            other = self._words[position]
            if not smallest <= len(other) <= largest:
                continue
            common = len(words & other)
            score = common / (size + len(other) - common)  # the same float as similarity()
            if score >= NEAR_DUPLICATE and (best is None or (score, position) > best):
                best = (score, position)
        return None if best is None else best[1]


def place_entries(stories: Sequence[StoryRef], entries: Sequence[Entry]) -> list[Placement]:
    """Each entry's story, in order; an entry that joins none opens a story later ones can join.

    Pure and CPU-bound (index, fingerprints, lookups): async callers use asyncio.to_thread.
    """
    index = StoryIndex()
    for story in stories:
        index.add(link=story.canonical_link, fingerprint=story.fingerprint)
    placements: list[Placement] = []
    for entry in entries:
        fingerprint = fingerprint_text(entry.title, entry.summary)
        position = index.find(link=entry.link, fingerprint=fingerprint)
        if position is None:
            position = index.add(link=entry.link, fingerprint=fingerprint)
            placements.append(Placement(fingerprint, position, opens=True))
        else:
            placements.append(Placement(fingerprint, position))
    return placements
