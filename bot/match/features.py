"""The signals of (item, claim) pairs: semantic similarity, BM25, keyword gates, cue words.

Signals are computed as arrays over all claims at once; Features objects are built only for the
pairs worth reporting, so a thousand claims cost little more than a dozen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.domain import Claim
from bot.match.embed import Embedder, Vectors
from bot.match.language import is_english
from bot.match.lexical import LexicalIndex
from bot.match.tokens import KeywordView, split_sentences, terms

MAX_SENTENCES = 6
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ItemText:
    """What the matcher reads of a news item."""

    title: str
    summary: str = ""
    lang: str | None = None

    @property
    def text(self) -> str:
        return f"{self.title}. {self.summary}" if self.summary else self.title

    def units(self) -> list[str]:
        """The title and the first sentences of the summary, each embedded on its own."""
        return [self.title, *split_sentences(self.summary)[:MAX_SENTENCES]]


@dataclass(frozen=True, slots=True)
class Features:
    """Everything known about one (item, claim) pair."""

    english: bool
    semantic: float  # best cosine of any unit with the claim or any hypothesis
    semantic_support: float
    semantic_contradict: float
    lexical: float
    gate: float  # share of the claim's keyword groups the item mentions (1.0 when it has none)
    groups: int  # how many keyword groups the claim has
    vetoed: bool  # a "none" keyword appears
    cues_support: tuple[str, ...]
    cues_contradict: tuple[str, ...]
    shared_words: tuple[str, ...]
    best_unit: str
    best_hypothesis: str


@dataclass(frozen=True, slots=True)
class Surface:
    """The cheap signals of one item against every claim (arrays in claim order)."""

    english: bool
    view: KeywordView
    lexical: Floats
    gate: Floats
    mentions: npt.NDArray[np.int64]  # distinct keywords of each claim's groups the item mentions
    vetoed: Flags
    shared: dict[int, list[str]]


@dataclass(frozen=True, slots=True)
class Semantic:
    """The model's view of one item: per-claim maxima and, per hypothesis, the best unit."""

    units: list[str]
    best: Floats
    support: Floats
    contradict: Floats
    per_hypothesis: Floats
    unit_of_hypothesis: npt.NDArray[np.int64]


class ClaimSpace:
    """The claims with their keyword index and hypothesis vectors, prepared once."""

    def __init__(self, claims: Sequence[Claim], embedder: Embedder | None) -> None:
        self.claims = list(claims)
        self.embedder = embedder
        self.lexical = LexicalIndex(self.claims)
        self._index_keywords()
        texts: list[str] = []
        kinds: list[int] = []
        starts: list[int] = []
        for claim in self.claims:
            starts.append(len(texts))
            for kind, group in enumerate(((claim.text,), claim.supports, claim.contradicts)):
                texts += group
                kinds += [kind] * len(group)
        self.hypotheses = texts
        # Without the model, word overlap with each hypothesis stands in for its similarity.
        self.hypothesis_terms = [frozenset(terms(t)) for t in texts] if embedder is None else []
        self.kinds = np.asarray(kinds, dtype=np.int64)
        self.starts = np.asarray(starts, dtype=np.int64)
        self.ends = np.asarray([*starts[1:], len(texts)], dtype=np.int64)
        self.vectors: Vectors | None = embedder.encode(texts) if embedder and texts else None

    def _index_keywords(self) -> None:
        # keyword -> ids of the (claim, group) pairs it belongs to; checked once per item.
        self.group_keywords: dict[str, list[int]] = {}
        self.keyword_claims: dict[str, set[int]] = {}
        owners: list[int] = []
        for c, claim in enumerate(self.claims):
            for group in claim.keywords_all:
                for word in set(group):
                    self.group_keywords.setdefault(word, []).append(len(owners))
                    self.keyword_claims.setdefault(word, set()).add(c)
                owners.append(c)
        self.group_owner = np.asarray(owners, dtype=np.int64)
        self.groups_per_claim = np.bincount(self.group_owner, minlength=len(self.claims))
        self.none_keywords: dict[str, list[int]] = {}
        for c, claim in enumerate(self.claims):
            for word in set(claim.keywords_none):
                self.none_keywords.setdefault(word, []).append(c)

    def surface(self, item: ItemText) -> Surface:
        english = is_english(item.text, item.lang)
        view = KeywordView.of(item.text)
        hit = np.zeros(len(self.group_owner), dtype=bool)
        mentions = np.zeros(len(self.claims), dtype=np.int64)
        for word, ids in self.group_keywords.items():
            if view.has(word):
                hit[ids] = True
                mentions[list(self.keyword_claims[word])] += 1
        matched = np.bincount(self.group_owner[hit], minlength=len(self.claims))
        with np.errstate(invalid="ignore", divide="ignore"):
            gate = np.where(
                self.groups_per_claim > 0, matched / np.maximum(self.groups_per_claim, 1), 1.0
            )
        vetoed = np.zeros(len(self.claims), dtype=bool)
        for word, claim_ids in self.none_keywords.items():
            if view.has(word):
                vetoed[claim_ids] = True
        if english:
            lexical, shared = self.lexical.score_item(item.text)
        else:
            lexical, shared = np.zeros(len(self.claims)), {}
        return Surface(english, view, lexical, gate, mentions, vetoed, shared)

    def semantic(self, items: Sequence[ItemText]) -> list[Semantic | None]:
        """The model's reading of each item (None for items it cannot read or when lexical-only)."""
        if self.embedder is None or self.vectors is None:
            return [None] * len(items)
        units = [i.units() for i in items]
        flat = [u for group in units for u in group]
        if not flat:
            return [None] * len(items)
        encoded = self.embedder.encode(flat)
        result: list[Semantic | None] = []
        offset = 0
        for group in units:
            sims = encoded[offset : offset + len(group)] @ self.vectors.T
            offset += len(group)
            per_hypothesis = sims.max(axis=0).astype(np.float64)
            # Hypotheses are contiguous per claim, so reduceat gives each claim's maximum at once.
            result.append(
                Semantic(
                    units=group,
                    best=np.maximum.reduceat(per_hypothesis, self.starts),
                    support=np.maximum.reduceat(
                        np.where(self.kinds == 1, per_hypothesis, 0.0), self.starts
                    ),
                    contradict=np.maximum.reduceat(
                        np.where(self.kinds == 2, per_hypothesis, 0.0), self.starts
                    ),
                    per_hypothesis=per_hypothesis,
                    unit_of_hypothesis=sims.argmax(axis=0),
                )
            )
        return result

    def features(
        self, item: ItemText, c: int, surface: Surface, semantic: Semantic | None
    ) -> Features:
        """The full Features of one pair, evidence included."""
        claim = self.claims[c]
        best_unit, best_hypothesis = item.title, claim.text
        scores = (0.0, 0.0, 0.0)
        if semantic is not None:
            start, end = int(self.starts[c]), int(self.ends[c])
            h = start + int(semantic.per_hypothesis[start:end].argmax())
            best_unit = semantic.units[int(semantic.unit_of_hypothesis[h])]
            best_hypothesis = self.hypotheses[h]
            scores = (
                float(semantic.best[c]),
                float(semantic.support[c]),
                float(semantic.contradict[c]),
            )
        elif self.hypothesis_terms and surface.english:
            support, contradict, best_hypothesis = self._overlaps(item, c)
            scores = (0.0, support, contradict)
        return Features(
            english=surface.english,
            semantic=scores[0],
            semantic_support=scores[1],
            semantic_contradict=scores[2],
            lexical=float(surface.lexical[c]),
            gate=float(surface.gate[c]),
            groups=len(claim.keywords_all),
            vetoed=bool(surface.vetoed[c]),
            cues_support=tuple(surface.view.found(claim.cues_support)),
            cues_contradict=tuple(surface.view.found(claim.cues_contradict)),
            shared_words=tuple(sorted(surface.shared.get(c, ())))
            if surface.english
            else self._keywords_found(claim, surface.view),
            best_unit=best_unit,
            best_hypothesis=best_hypothesis,
        )

    @staticmethod
    def _keywords_found(claim: Claim, view: KeywordView) -> tuple[str, ...]:
        """For items the model cannot read, the claim's keywords they mention are the evidence."""
        return tuple(dict.fromkeys(k for group in claim.keywords_all for k in view.found(group)))

    def _overlaps(self, item: ItemText, c: int) -> tuple[float, float, str]:
        """Best word overlap (cosine of word sets) with the support and contradict hypotheses."""
        words = frozenset(terms(item.text))
        best = {1: 0.0, 2: 0.0}
        best_text, best_overlap = self.claims[c].text, 0.0
        for h in range(int(self.starts[c]), int(self.ends[c])):
            hyp = self.hypothesis_terms[h]
            if not hyp or not words:
                continue
            overlap = len(words & hyp) / (len(words) * len(hyp)) ** 0.5
            kind = int(self.kinds[h])
            if kind in best:
                best[kind] = max(best[kind], overlap)
            if overlap > best_overlap:
                best_text, best_overlap = self.hypotheses[h], overlap
        return best[1], best[2], best_text
