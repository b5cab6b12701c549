"""Story clustering under load: many recent stories neither change the answers nor stall the loop.

The index must place every item exactly where comparing it with every story would (same link
first, else the most similar story at Jaccard >= 0.6, the later one on a tie), and the clustering
of a large batch must run beside the event loop, not on it.
"""

from __future__ import annotations

import asyncio
import random
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from bot.claims_file import load_claims_file
from bot.config import load_settings
from bot.domain import Entry
from bot.match.cluster import StoryIndex, place_entries
from bot.match.service import Matcher, match_pending_entries
from bot.match.stories import find_story, fingerprint_text
from bot.storage.db import Sessions
from bot.storage.models import EntryRow, FeedRow, StoryRow
from bot.storage.stories import StoryRef

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)

# Few words and links, so that overlaps at and around 0.6, ties and shared links are common.
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
LINKS = [None, "", "https://a.example/1", "https://a.example/2", "https://b.example/3"]
fingerprints = st.lists(st.sampled_from(WORDS), max_size=9).map(" ".join)
items = st.tuples(st.sampled_from(LINKS), fingerprints)


def place_by_brute_force(stories: list[StoryRef], batch: list[tuple[str | None, str]]) -> list[int]:
    """The clustering loop as it was: find_story over every story, a new story appended."""
    candidates = list(stories)
    placed = []
    for link, fingerprint in batch:
        story = find_story(candidates, link=link, fingerprint=fingerprint)
        if story is None:
            story = StoryRef(len(candidates), link, fingerprint, NOW)
            candidates.append(story)
        placed.append(story.id)  # ids are positions here
    return placed


def refs(stories: list[tuple[str | None, str]]) -> list[StoryRef]:
    return [StoryRef(n, link, fingerprint, NOW) for n, (link, fingerprint) in enumerate(stories)]


def entry_of(n: int, link: str | None, fingerprint: str) -> Entry:
    return Entry(n, 1, str(n), fingerprint, "", link, NOW, NOW, "en", False)


@settings(max_examples=300, deadline=None)
@given(stories=st.lists(items, max_size=30), query=items)
def test_the_index_finds_the_story_find_story_finds(
    stories: list[tuple[str | None, str]], query: tuple[str | None, str]
) -> None:
    index = StoryIndex()
    for link, fingerprint in stories:
        index.add(link=link, fingerprint=fingerprint)
    expected = find_story(refs(stories), link=query[0], fingerprint=query[1])
    found = index.find(link=query[0], fingerprint=query[1])
    assert found == (None if expected is None else expected.id)


@settings(max_examples=150, deadline=None)
@given(stories=st.lists(items, max_size=20), batch=st.lists(items, min_size=1, max_size=20))
def test_a_batch_lands_where_comparing_with_every_story_puts_it(
    stories: list[tuple[str | None, str]], batch: list[tuple[str | None, str]]
) -> None:
    # Titles made of the vocabulary fingerprint to themselves, sorted and without repeats.
    entries = [entry_of(n, link, text) for n, (link, text) in enumerate(batch)]
    batch_prints = [(e.link, fingerprint_text(e.title, e.summary)) for e in entries]
    placements = place_entries(refs(stories), entries)
    assert [p.story for p in placements] == place_by_brute_force(refs(stories), batch_prints)
    opened = [p.story for p in placements if p.opens]
    assert opened == list(range(len(stories), len(stories) + len(opened)))


def test_ties_go_to_the_later_story_and_a_link_beats_any_text() -> None:
    index = StoryIndex()
    index.add(link=None, fingerprint="alpha bravo charlie delta echo")
    index.add(link="https://a.example/1", fingerprint="golf hotel")
    index.add(link=None, fingerprint="alpha bravo charlie delta foxtrot")
    index.add(link="https://a.example/1", fingerprint="alpha bravo charlie delta")
    # 4/6 with stories 0 and 2, 4/5 with story 3: the best wins.
    assert index.find(link=None, fingerprint="alpha bravo charlie delta india") == 3
    # 3/6 with story 3 is below 0.6; 3/5 = 0.6 exactly with 0 and 2: the later one.
    assert index.find(link=None, fingerprint="alpha bravo charlie echo foxtrot") == 2
    assert index.find(link="https://a.example/1", fingerprint="alpha bravo charlie delta") == 1
    assert index.find(link=None, fingerprint="") is None


def clustering_in_another_thread() -> bool:
    """Whether a thread other than this one is inside the story clustering code right now."""
    here = threading.get_ident()
    for ident, frame in sys._current_frames().items():
        walk = None if ident == here else frame
        while walk is not None:
            path = walk.f_code.co_filename.replace("\\", "/")
            if path.endswith(("bot/match/stories.py", "bot/match/cluster.py")):
                return True
            walk = walk.f_back
    return False


async def test_the_event_loop_runs_while_a_large_batch_is_clustered(
    sqlite_sessions: Sessions,
) -> None:
    """500 new entries against 20,000 recent stories: other tasks keep running meanwhile.

    A task on the loop looks, at every turn, whether the clustering is under way in another
    thread. Clustering on the loop itself (as before) can never be seen that way.
    """
    rng = random.Random(4)
    vocab = [f"w{n}x" for n in range(5_000)]
    async with sqlite_sessions() as s, s.begin():
        feed = FeedRow(url="https://wire.example/rss", name="wire", next_check_at=NOW)
        feed.created_at = feed.updated_at = NOW
        s.add(feed)
        await s.flush()
        stories = [" ".join(sorted(set(rng.sample(vocab, 8)))) for _ in range(20_000)]
        await s.execute(
            insert(StoryRow),
            [
                {
                    "canonical_link": f"https://wire.example/{n}",
                    "title": text,
                    "fingerprint": text,
                    "first_seen_at": NOW,
                    "last_seen_at": NOW,
                }
                for n, text in enumerate(stories)
            ],
        )
        # Every other entry retells a story in other words; the rest are new.
        titles = [
            stories[n * 37] + " extra" if n % 2 else " ".join(rng.sample(vocab, 8))
            for n in range(500)
        ]
        await s.execute(
            insert(EntryRow),
            [
                {
                    "feed_id": feed.id,
                    "identity": f"e{n}",
                    "title": title,
                    "summary": "",
                    "link": f"https://daily.example/{n}",
                    "published_at": NOW,
                    "first_seen_at": NOW,
                    "is_backlog": False,
                }
                for n, title in enumerate(titles)
            ],
        )
    matcher = Matcher(load_claims_file(ROOT / "claims.yaml"), None)
    seen_clustering = 0
    done = asyncio.Event()

    async def other_chat() -> None:
        nonlocal seen_clustering
        while not done.is_set():
            seen_clustering += clustering_in_another_thread()
            await asyncio.sleep(0)

    watcher = asyncio.create_task(other_chat())
    try:
        await match_pending_entries(sqlite_sessions, matcher, now=NOW, settings=load_settings())
    finally:
        done.set()
        await watcher
    # Generous: the clustering takes many of the interpreter's 5 ms thread switches.
    assert seen_clustering >= 3

    async with sqlite_sessions() as s:
        rows = await s.execute(select(EntryRow.identity, EntryRow.story_id))
        by_identity = {identity: story_id for identity, story_id in rows}
    assert all(by_identity[f"e{n}"] == n * 37 + 1 for n in range(1, 500, 2))
    assert len({by_identity[f"e{n}"] for n in range(0, 500, 2)}) == 250
    assert all(by_identity[f"e{n}"] > 20_000 for n in range(0, 500, 2))
