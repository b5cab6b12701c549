"""The rows the matcher's models are fitted on: one per (item, claim) pair, built with the same
functions the bot scores with (bot/match/predict.py), so what is fitted is exactly what runs.

Train items are put in five folds by a hash of their id; an item's example signals are computed
with the examples of the other folds only, as a new item's never include itself.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.domain import STANCES, Claim
from bot.match.dataset import LabeledItem
from bot.match.embed import Embedder
from bot.match.examples import document_frequencies
from bot.match.features import ClaimSpace, ItemText, Reading
from bot.match.model import RELEVANCE_FEATURES, STANCE_FEATURES
from bot.match.predict import relevance_signals, stance_signals
from bot.match.tokens import split_sentences, terms

FOLDS = 5
Floats = npt.NDArray[np.float64]
Read = list[tuple[int, LabeledItem, Any, Reading | None]]


def fold_of(item_id: str) -> int:
    """The cross-validation fold of a train item, fixed by its id like the split."""
    return int(hashlib.sha256(item_id.encode("utf-8")).hexdigest()[8:16], 16) % FOLDS


def example_text(item: ItemText) -> str:
    """What of a labeled item serves as an example of its claims: the headline and lead."""
    lead = split_sentences(item.summary)[:1]
    return ". ".join([item.title.rstrip(". "), *lead])[:300]


def examples_of(items: Sequence[LabeledItem]) -> dict[str, list[tuple[str, str]]]:
    """The labeled items as examples of the claims they bear on, in file order."""
    examples: dict[str, list[tuple[str, str]]] = {}
    for labeled in items:
        for claim_id, stance in sorted(labeled.labels.items()):
            examples.setdefault(claim_id, []).append((example_text(labeled.item), stance))
    return examples


def idf_of(items: Sequence[LabeledItem]) -> dict[str, float]:
    """Word weights over every item, labeled or not: the background the examples stand out of."""
    return document_frequencies([Counter(terms(i.item.text)) for i in items])


@dataclass(slots=True)
class Design:
    """The rows of one profile: a row per (item, claim) pair, items in groups for the folds."""

    scalars: Floats  # (pairs, features)
    relevant: npt.NDArray[np.bool_]
    groups: npt.NDArray[np.int64]  # item index
    folds: npt.NDArray[np.int64]
    unlabeled: npt.NDArray[np.bool_]  # the item bears on no claim at all


@dataclass(slots=True)
class StanceDesign:
    scalars: Floats
    target: npt.NDArray[np.int64]
    groups: npt.NDArray[np.int64]
    folds: npt.NDArray[np.int64]


def read_all(space: ClaimSpace, items: Sequence[LabeledItem], english: bool) -> Read:
    """Surfaces and model readings of the items of one script (English or not)."""
    chosen = []
    for n, labeled in enumerate(items):
        surface = space.surface(labeled.item)
        if surface.english == english:
            chosen.append((n, labeled, surface))
    readings = space.read([lab.item for _, lab, _ in chosen]) if english else [None] * len(chosen)
    return [(n, lab, s, r) for (n, lab, s), r in zip(chosen, readings, strict=True)]


def read_with_examples(
    claims: Sequence[Claim], items: Sequence[LabeledItem], embedder: Embedder | None, english: bool
) -> tuple[ClaimSpace, Read]:
    """Readings of the English items where each item's examples come from the other folds only,
    as a new item's examples never include itself. Rows in item order."""
    folds = [fold_of(i.id) for i in items]
    read: Read = []
    space = None
    for k in range(FOLDS):
        others = [i for i, f in zip(items, folds, strict=True) if f != k]
        space = ClaimSpace(claims, embedder, examples_of(others), idf=idf_of(others))
        positions = [n for n, f in enumerate(folds) if f == k]
        for local, labeled, surface, reading in read_all(
            space, [items[n] for n in positions], english
        ):
            read.append((positions[local], labeled, surface, reading))
    assert space is not None
    read.sort(key=lambda row: row[0])
    return space, read


def relevance_design(
    space: ClaimSpace,
    read: Read,
    profile: str,
    kind: str,
) -> Design:
    features = RELEVANCE_FEATURES[profile][kind]
    ids = [c.id for c in space.claims]
    rows, relevant, groups, folds, unlabeled = [], [], [], [], []
    for n, labeled, surface, reading in read:
        signals = relevance_signals(surface, reading if profile == "hybrid" else None)
        block = np.stack([signals[f] for f in features], axis=1) if features else None
        if block is not None:
            rows.append(np.where(surface.vetoed[:, None], 0.0, block))
        relevant += [claim_id in labeled.labels for claim_id in ids]
        groups += [n] * len(ids)
        folds += [fold_of(labeled.id)] * len(ids)
        unlabeled += [not labeled.labels] * len(ids)
    return Design(
        np.vstack(rows) if rows else np.zeros((len(relevant), 0)),
        np.asarray(relevant),
        np.asarray(groups, dtype=np.int64),
        np.asarray(folds, dtype=np.int64),
        np.asarray(unlabeled),
    )


def stance_design(
    space: ClaimSpace,
    read: Read,
    profile: str,
    kind: str,
) -> StanceDesign:
    """A row per (item, claim) pair in the order of relevance_design; target -1 where the item
    does not bear on the claim (predicted out of fold for calibration, never fitted on)."""
    features = STANCE_FEATURES[profile][kind]
    every = np.arange(len(space.claims), dtype=np.int64)
    rows, target, groups, folds = [], [], [], []
    for n, labeled, surface, reading in read:
        use = reading if profile == "hybrid" else None
        signals = stance_signals(space, labeled.item, surface, use, every)
        rows.append(np.stack([signals[f] for f in features], axis=1))
        for claim in space.claims:
            stance = labeled.labels.get(claim.id)
            target.append(STANCES.index(stance) if stance else -1)
        groups += [n] * len(space.claims)
        folds += [fold_of(labeled.id)] * len(space.claims)
    return StanceDesign(
        np.vstack(rows),
        np.asarray(target, dtype=np.int64),
        np.asarray(groups, dtype=np.int64),
        np.asarray(folds, dtype=np.int64),
    )
