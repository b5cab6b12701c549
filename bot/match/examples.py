"""Labeled news items as examples of the claims they bear on, searched by their words.

The sentence model reads English only, but words in base forms (Russian lemmas, Chinese words,
English stems) find a Russian item's nearest labeled Russian examples well. The index is a
TF-IDF cosine over the examples' terms; an item's signal per claim is its best cosine with the
claim's supporting, contradicting and merely related examples.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from bot.match.tokens import terms

Floats = npt.NDArray[np.float64]
STANCE_INDEX = {"supports": 0, "contradicts": 1, "related": 2}
VOTERS = 7  # nearest examples that vote on the stance


def document_frequencies(documents: Sequence[Mapping[str, int]]) -> dict[str, float]:
    """Inverse document frequency of every word of the documents (smoothed)."""
    frequency: Counter[str] = Counter()
    for doc in documents:
        frequency.update(doc.keys())
    n = max(len(documents), 1)
    return {w: round(math.log((1 + n) / (1 + df)) + 1.0, 4) for w, df in frequency.items()}


def _weights(counts: Counter[str], idf: Mapping[str, float]) -> dict[str, float]:
    raw = {w: (1 + math.log(n)) * idf[w] for w, n in counts.items() if w in idf}
    norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
    return {w: v / norm for w, v in raw.items()}


class ExampleIndex:
    """TF-IDF vectors of every claim's examples, and an inverted index to score items fast."""

    def __init__(
        self,
        claim_ids: Sequence[str],
        examples: Mapping[str, Sequence[tuple[str, str]]],
        idf: Mapping[str, float] | None = None,
    ) -> None:
        owners: list[tuple[int, int]] = []  # (claim index, stance index) per example
        documents: list[Counter[str]] = []
        for c, claim_id in enumerate(claim_ids):
            for text, stance in examples.get(claim_id, ()):
                owners.append((c, STANCE_INDEX[stance]))
                documents.append(Counter(terms(text)))
        self.claims = len(claim_ids)
        self.owner_claim = np.asarray([c for c, _ in owners], dtype=np.int64)
        self.owner_stance = np.asarray([s for _, s in owners], dtype=np.int64)
        # Word weights come from all the news the model was trained on (idf), so that the names
        # every item about Russia and China shares weigh little; without them, from the examples.
        self.idf = dict(idf) if idf else document_frequencies([dict(d) for d in documents])
        postings: dict[str, list[tuple[int, float]]] = {}
        for e, doc in enumerate(documents):
            for word, weight in _weights(doc, self.idf).items():
                postings.setdefault(word, []).append((e, weight))
        self.postings = {
            w: (np.asarray([e for e, _ in p], dtype=np.int64), np.asarray([x for _, x in p]))
            for w, p in postings.items()
        }
        counts = np.bincount(self.owner_claim, minlength=self.claims)
        self.has_examples = counts > 0
        # How often each claim's examples take each stance: its prior, for a new item.
        self.priors = np.zeros((3, self.claims))
        np.add.at(self.priors, (self.owner_stance, self.owner_claim), 1.0)
        self.priors = self.priors / np.maximum(counts, 1)
        self.blocks = [
            (c, rows)
            for c in range(self.claims)
            if len(rows := np.flatnonzero(self.owner_claim == c))
        ]

    def similarities(self, words: Counter[str]) -> Floats:
        """Cosine of the item (its terms, counted) with every example."""
        sims = np.zeros(len(self.owner_claim))
        for word, weight in _weights(words, self.idf).items():
            if word not in self.postings:
                continue
            ids, weights = self.postings[word]
            sims[ids] += weight * weights
        return sims

    def signals(self, sims: Floats) -> dict[str, Floats]:
        """Per claim: the best cosine with its examples of each stance, and overall."""
        best = np.zeros((3, self.claims))
        if len(sims):
            np.maximum.at(best, (self.owner_stance, self.owner_claim), sims)
        votes = np.zeros((3, self.claims))
        for c, rows in self.blocks:
            top = rows[np.argsort(-sims[rows], kind="stable")[:VOTERS]]
            weights = sims[top] + 1e-3
            np.add.at(votes[:, c], self.owner_stance[top], weights / weights.sum())
        return {
            "wex_support": best[0],
            "wex_contradict": best[1],
            "wex_related": best[2],
            "wex_best": best.max(axis=0),
            "wex_vote_support": votes[0],
            "wex_vote_contradict": votes[1],
            "wex_vote_related": votes[2],
            "prior_support": self.priors[0],
            "prior_contradict": self.priors[1],
            "prior_related": self.priors[2],
        }
