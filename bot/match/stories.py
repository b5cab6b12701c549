"""Which items tell the same development: same canonical link, or near-identical title and lead."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.match.tokens import content_words, split_sentences
from bot.storage.stories import StoryRef

STORY_WINDOW = timedelta(days=3)
NEAR_DUPLICATE = 0.6


def fingerprint_text(title: str, summary: str) -> str:
    """The distinct content words of the title and the summary's first sentence, sorted."""
    lead = split_sentences(summary)[:1]
    return " ".join(sorted(set(content_words(" ".join([title, *lead])))))


def similarity(a: str, b: str) -> float:
    """Overlap of two fingerprints (Jaccard); 0.0 when either is empty."""
    left, right = set(a.split()), set(b.split())
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def find_story(
    candidates: Sequence[StoryRef], *, link: str | None, fingerprint: str
) -> StoryRef | None:
    """The story this item belongs to: the same link first, else the most similar near-duplicate.

    The definition, one scan of every candidate. ClaimWatch itself never calls it (nor
    `similarity`): clustering uses cluster.StoryIndex, which must answer the same. It stays as
    the reference tests/hostile/test_hostile_stories.py and bench/stories.py compare with.
    """
    if link:
        for story in candidates:
            if story.canonical_link == link:
                return story
    best: StoryRef | None = None
    best_score = NEAR_DUPLICATE
    for story in candidates:
        score = similarity(story.fingerprint, fingerprint)
        if score >= best_score:
            best, best_score = story, score
    return best
