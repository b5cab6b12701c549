"""BM25 over claim documents (text, aliases, hypotheses): how well an item hits a claim."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.domain import Claim
from bot.match.tokens import terms

K1 = 1.2
B = 0.75
# BM25 is unbounded; 1 - exp(-bm25 / SCALE) maps it into [0, 1) with room at the top.
SCALE = 8.0


def claim_document(claim: Claim) -> str:
    return " ".join((claim.text, *claim.aliases, *claim.supports, *claim.contradicts))


class LexicalIndex:
    """An inverted index of the claims; items are the queries."""

    def __init__(self, claims: Sequence[Claim]) -> None:
        self.size = len(claims)
        docs = [Counter(terms(claim_document(c))) for c in claims]
        lengths = [sum(d.values()) for d in docs]
        avg_length = (sum(lengths) / len(docs)) if docs else 1.0
        self.postings: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
        gathered: dict[str, list[tuple[int, int]]] = {}
        for index, doc in enumerate(docs):
            for word, count in doc.items():
                gathered.setdefault(word, []).append((index, count))
        n = max(len(docs), 1)
        for word, postings in gathered.items():
            idf = math.log(1 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            ids = np.asarray([i for i, _ in postings], dtype=np.int64)
            weights = np.asarray(
                [
                    idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[i] / avg_length))
                    for i, tf in postings
                ]
            )
            self.postings[word] = (ids, weights)

    def score_item(
        self, item_terms: set[str]
    ) -> tuple[npt.NDArray[np.float64], dict[int, list[str]]]:
        """Scores in [0, 1) per claim, and the words each claim shares with the item."""
        raw = np.zeros(self.size)
        shared: dict[int, list[str]] = {}
        for word in sorted(item_terms):
            posting = self.postings.get(word)
            if posting is None:
                continue
            ids, weights = posting
            raw[ids] += weights
            if len(ids) <= 64 or self.size <= 64:
                for i in ids.tolist():
                    shared.setdefault(i, []).append(word)
            else:
                # A word common to many claims explains little; keep the loop short.
                continue
        return 1.0 - np.exp(-raw / SCALE), shared
