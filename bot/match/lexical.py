"""BM25 over claim documents (text, aliases, hypotheses): how well an item hits a claim."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import Claim
from bot.match.tokens import content_words

K1 = 1.2
B = 0.75


def claim_document(claim: Claim) -> str:
    return " ".join((claim.text, *claim.aliases, *claim.supports, *claim.contradicts))


@dataclass(frozen=True, slots=True)
class LexicalHit:
    score: float  # BM25 squashed into [0, 1)
    shared_words: tuple[str, ...]


class LexicalIndex:
    """An inverted index of the claims; items are the queries."""

    def __init__(self, claims: Sequence[Claim]) -> None:
        self.size = len(claims)
        docs = [Counter(content_words(claim_document(c))) for c in claims]
        self.lengths = [sum(d.values()) for d in docs]
        self.avg_length = (sum(self.lengths) / len(docs)) if docs else 1.0
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for index, doc in enumerate(docs):
            for word, count in doc.items():
                self.postings.setdefault(word, []).append((index, count))
        n = max(len(docs), 1)
        self.idf = {
            w: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for w, p in self.postings.items()
        }

    def score_item(self, text: str) -> list[LexicalHit]:
        """One hit per claim, in claim order; score = 1 - exp(-bm25 / 8), shared words sorted."""
        raw = [0.0] * self.size
        shared: list[list[str]] = [[] for _ in range(self.size)]
        for word in set(content_words(text)):
            postings = self.postings.get(word)
            if not postings:
                continue
            idf = self.idf[word]
            for index, tf in postings:
                norm = tf + K1 * (1 - B + B * self.lengths[index] / self.avg_length)
                raw[index] += idf * tf * (K1 + 1) / norm
                shared[index].append(word)
        return [
            LexicalHit(1.0 - math.exp(-r / 8.0), tuple(sorted(s)))
            for r, s in zip(raw, shared, strict=True)
        ]
