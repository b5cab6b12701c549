"""Story clustering: a batch of entries against the stories of the window, brute force vs index.

Run: .venv/bin/python bench/stories.py [--stories 20000] [--entries 500]
Stories and entries are synthetic headlines over a Zipf-like vocabulary; a tenth of the entries
repeat a story's link and a fifth reword a story's title, the rest are new. "brute force" is the
clustering as it was (find_story over every story, per entry); "index" is place_entries. Both
get the same inputs and must give the same placements (checked, not timed).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain import Entry
from bot.match.cluster import place_entries
from bot.match.stories import find_story, fingerprint_text
from bot.storage.stories import StoryRef

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def vocabulary(size: int, rng: random.Random) -> list[str]:
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    return ["".join(rng.choices(syllables, k=3)) + str(n % 10) for n in range(size)]


def headline(vocab: list[str], weights: list[float], rng: random.Random) -> str:
    return " ".join(rng.choices(vocab, weights, k=rng.randint(6, 12)))


def make_stories(
    count: int, vocab: list[str], weights: list[float], rng: random.Random
) -> list[StoryRef]:
    return [
        StoryRef(
            n + 1,
            f"https://news.example/{n}",
            fingerprint_text(headline(vocab, weights, rng), ""),
            NOW,
        )
        for n in range(count)
    ]


def make_entries(
    count: int, stories: list[StoryRef], vocab: list[str], weights: list[float], rng: random.Random
) -> list[Entry]:
    entries = []
    for n in range(count):
        roll = rng.random()
        story = rng.choice(stories)
        link: str | None = f"https://other.example/{n}"
        if roll < 0.1:
            title, link = "breaking " + headline(vocab, weights, rng), story.canonical_link
        elif roll < 0.3:
            words = story.fingerprint.split()
            title = " ".join([*words[: max(1, len(words) - 1)], rng.choice(vocab)])
        else:
            title = headline(vocab, weights, rng)
        entries.append(Entry(n + 1, 1, str(n), title, "", link, NOW, NOW, "en", False))
    return entries


def place_by_brute_force(stories: list[StoryRef], entries: list[Entry]) -> list[int]:
    """The clustering loop as it was: every entry compared with every story, new ones appended."""
    candidates = list(stories)
    placed = []
    for entry in entries:
        fingerprint = fingerprint_text(entry.title, entry.summary)
        story = find_story(candidates, link=entry.link, fingerprint=fingerprint)
        if story is None:
            story = StoryRef(len(candidates) + 1, entry.link, fingerprint, NOW)
            candidates.append(story)
        placed.append(story.id - 1)  # ids are positions + 1
    return placed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(8)
    vocab = vocabulary(20_000, rng)
    # Zipf-like: the commonest content word is in a few percent of headlines, most in very few.
    weights = [1 / (rank + 50) for rank in range(len(vocab))]
    stories = make_stories(args.stories, vocab, weights, rng)
    entries = make_entries(args.entries, stories, vocab, weights, rng)

    start = time.perf_counter()
    placements = place_entries(stories, entries)
    indexed = time.perf_counter() - start
    start = time.perf_counter()
    brute = place_by_brute_force(stories, entries)
    brute_force = time.perf_counter() - start

    same = [p.story for p in placements] == brute
    joined = sum(not p.opens for p in placements)
    print(f"{args.entries} entries against {args.stories} stories ({joined} joined a story)")
    print(f"  brute force: {brute_force:8.3f} s")
    print(f"  index:       {indexed:8.3f} s  (index build included)")
    print(f"  same placements: {same}")


if __name__ == "__main__":
    main()
