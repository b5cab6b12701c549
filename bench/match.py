"""Matcher throughput: items per second with the 13 real claims and with 1,000 synthetic claims.

Run: .venv/bin/python bench/match.py [--items 400] [--matcher hybrid|lexical|both]
Items are synthetic news: half about the claims' actors and topics, half unrelated (sport,
weather, markets), since most of a real feed is the latter. Claim vectors are built before timing;
the time to prepare the claims is shown for a first start and for a restart, when the vectors come
from the cache file (CLAIMWATCH_VECTOR_CACHE).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.claims_file import load_claims_file
from bot.domain import Claim
from bot.match.embed import Embedder, MiniLMEmbedder
from bot.match.features import ItemText
from bot.match.service import Matcher
from bot.match.vectors import VectorStore

ROOT = Path(__file__).resolve().parents[1]
ACTORS = ["Russia", "China", "the United States", "the EU", "India", "Iran", "Japan", "Turkey"]
TOPICS = [
    "trade",
    "gas exports",
    "arms sales",
    "tariffs",
    "a peace plan",
    "chip exports",
    "grain deliveries",
    "a summit",
    "naval drills",
    "sanctions",
    "oil prices",
    "loans",
]
MOVES = ["expands", "cuts", "signs a deal on", "suspends", "doubles", "resumes", "debates"]
OFF_TOPIC = [
    "Local club wins the cup final on penalties after a goalless draw",
    "Storm brings heavy rain and power cuts to the coast overnight",
    "Tech giant unveils a thinner phone and a faster laptop chip",
    "Central bank holds rates steady as inflation cools",
    "Marathon record falls in perfect autumn conditions",
    "Museum reopens after a two-year renovation of its main hall",
]


def synthetic_claims(count: int, rng: random.Random) -> list[Claim]:
    claims = []
    for n in range(count):
        a, b = rng.sample(ACTORS, 2)
        topic = rng.choice(TOPICS)
        claims.append(
            Claim(
                id=f"synthetic-{n}",
                text=f"{a} and {b} will deepen cooperation on {topic}.",
                theme="synthetic",
                kind="forecast",
                supports=(
                    f"{a} {rng.choice(MOVES)} {topic} with {b}.",
                    f"{b} agrees {topic} with {a}.",
                ),
                contradicts=(f"{a} halts {topic} with {b}.", f"Talks on {topic} collapse."),
                keywords_all=((a.lower().removeprefix("the "),), (b.lower().removeprefix("the "),)),
            )
        )
    return claims


def synthetic_items(count: int, rng: random.Random) -> list[ItemText]:
    """Every sentence is unique (a number in it), so the embedding cache does not flatter us."""
    items = []
    for n in range(count):
        if n % 2:
            items.append(
                ItemText(f"{rng.choice(OFF_TOPIC)} ({n})", f"Details to follow, item {n}.")
            )
            continue
        a, b = rng.sample(ACTORS, 2)
        topic = rng.choice(TOPICS)
        items.append(
            ItemText(
                f"{a} {rng.choice(MOVES)} {topic} with {b}, report {n} says",
                f"Officials in {a} said move {n} on {topic} followed weeks of talks. "
                f"{b} has not yet commented on report {n}. "
                f"Analysts expect {n % 7 + 2} more announcements this month.",
            )
        )
    return items


def measure(
    label: str, claims: list[Claim], items: list[ItemText], embedder: Embedder | None
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "vectors.npz"
        start = time.perf_counter()
        matcher = Matcher(claims, embedder, store=VectorStore(cache))
        built = time.perf_counter() - start
        # A restart: the claims' vectors come from the file the first start wrote.
        start = time.perf_counter()
        Matcher(claims, embedder, store=VectorStore(cache))
        restarted = time.perf_counter() - start
    matcher.score_items(synthetic_items(20, random.Random(1)))  # warm up
    if isinstance(embedder, MiniLMEmbedder):
        embedder.cache.clear()
    start = time.perf_counter()
    for first in range(0, len(items), 50):
        matcher.score_items(items[first : first + 50])
    elapsed = time.perf_counter() - start
    print(
        f"{label:<34} {len(claims):>5} claims  {len(items) / elapsed:>7.1f} items/s  "
        f"(claims prepared in {built:.1f}s, {restarted:.1f}s on restart)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--matcher", choices=("hybrid", "lexical", "both"), default="both")
    args = parser.parse_args()
    rng = random.Random(7)
    real = load_claims_file(ROOT / "claims.yaml")
    many = synthetic_claims(1000, rng)
    items = synthetic_items(args.items, rng)
    modes = ["lexical", "hybrid"] if args.matcher == "both" else [args.matcher]
    for mode in modes:
        embedder = MiniLMEmbedder() if mode == "hybrid" else None
        measure(f"{mode}, real claims", real, items, embedder)
        measure(f"{mode}, synthetic claims", many, items, embedder)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
