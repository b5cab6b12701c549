"""The signals of one (item, claim) pair: semantic similarity, BM25, keyword gates, cue words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.domain import Claim
from bot.match.embed import Embedder, Vectors
from bot.match.language import is_english
from bot.match.lexical import LexicalIndex
from bot.match.tokens import KeywordView, split_sentences

MAX_SENTENCES = 6
HYPOTHESIS_KINDS = ("claim", "support", "contradict")


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
        """The title, the first sentences of the summary, and the whole item."""
        sentences = split_sentences(self.summary)[:MAX_SENTENCES]
        return [self.title, *sentences, self.text] if sentences else [self.title]


@dataclass(frozen=True, slots=True)
class Features:
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


class ClaimSpace:
    """The claims with their hypotheses embedded once; items are compared against it in batches."""

    def __init__(self, claims: Sequence[Claim], embedder: Embedder | None) -> None:
        self.claims = list(claims)
        self.embedder = embedder
        self.lexical = LexicalIndex(self.claims)
        texts: list[str] = []
        owners: list[int] = []
        kinds: list[int] = []
        starts: list[int] = []
        for index, claim in enumerate(self.claims):
            starts.append(len(texts))
            for kind, group in enumerate(((claim.text,), claim.supports, claim.contradicts)):
                texts += group
                owners += [index] * len(group)
                kinds += [kind] * len(group)
        self.hypotheses = texts
        self.owners = np.asarray(owners, dtype=np.int64)
        self.kinds = np.asarray(kinds, dtype=np.int64)
        self.starts = np.asarray(starts, dtype=np.int64)
        self.vectors: Vectors | None = embedder.encode(texts) if embedder and texts else None

    def features(
        self,
        items: Sequence[ItemText],
        *,
        worth_embedding: Callable[[Sequence[Features]], bool] | None = None,
    ) -> list[list[Features]]:
        """One row per item, one Features per claim in claim order.

        `worth_embedding` sees an item's lexical-only row and says whether the model should read it;
        items no claim could match even with a perfect semantic score are not embedded.
        """
        rows = [self._surface(item) for item in items]
        chosen = [
            n
            for n, row in enumerate(rows)
            if row and row[0].english and (worth_embedding is None or worth_embedding(row))
        ]
        semantic = self._semantic([items[n].units() for n in chosen])
        for n, per_claim in zip(chosen, semantic or [], strict=False):
            rows[n] = [
                replace(
                    f,
                    semantic=best,
                    semantic_support=sup,
                    semantic_contradict=con,
                    best_unit=unit or f.best_unit,
                    best_hypothesis=hyp or f.best_hypothesis,
                )
                for f, (best, sup, con, unit, hyp) in zip(rows[n], per_claim, strict=True)
            ]
        return rows

    def _surface(self, item: ItemText) -> list[Features]:
        """Everything but the semantic signal: keyword gates, cue words, BM25."""
        english = is_english(item.text, item.lang)
        view = KeywordView.of(item.text)
        hits = self.lexical.score_item(item.text) if english else None
        row = []
        for c, claim in enumerate(self.claims):
            groups = claim.keywords_all
            matched = sum(1 for g in groups if any(view.has(k) for k in g))
            row.append(
                Features(
                    english=english,
                    semantic=0.0,
                    semantic_support=0.0,
                    semantic_contradict=0.0,
                    lexical=hits[c].score if hits else 0.0,
                    gate=matched / len(groups) if groups else 1.0,
                    groups=len(groups),
                    vetoed=any(view.has(k) for k in claim.keywords_none),
                    cues_support=tuple(view.found(claim.cues_support)),
                    cues_contradict=tuple(view.found(claim.cues_contradict)),
                    shared_words=hits[c].shared_words if hits else (),
                    best_unit=item.title,
                    best_hypothesis=claim.text,
                )
            )
        return row

    def _semantic(
        self, units: list[list[str]]
    ) -> list[list[tuple[float, float, float, str, str]]] | None:
        if self.embedder is None or self.vectors is None:
            return None
        flat = [u for group in units for u in group]
        encoded = self.embedder.encode(flat) if flat else None
        result = []
        offset = 0
        for group in units:
            if not group or encoded is None:
                result.append([(0.0, 0.0, 0.0, "", "")] * len(self.claims))
                continue
            sims = encoded[offset : offset + len(group)] @ self.vectors.T
            offset += len(group)
            result.append(self._per_claim(sims, group))
        return result

    def _per_claim(
        self, sims: Vectors, group: list[str]
    ) -> list[tuple[float, float, float, str, str]]:
        best_unit = sims.argmax(axis=0)
        best = sims.max(axis=0)
        # Contiguous hypotheses per claim: reduceat gives each claim's maximum in one pass.
        overall = np.maximum.reduceat(best, self.starts)
        support = np.maximum.reduceat(np.where(self.kinds == 1, best, -1.0), self.starts)
        contradict = np.maximum.reduceat(np.where(self.kinds == 2, best, -1.0), self.starts)
        ends = [*self.starts[1:].tolist(), len(best)]
        out = []
        for c, (start, end) in enumerate(zip(self.starts.tolist(), ends, strict=True)):
            h = start + int(best[start:end].argmax())
            out.append(
                (
                    float(overall[c]),
                    max(float(support[c]), 0.0),
                    max(float(contradict[c]), 0.0),
                    group[int(best_unit[h])],
                    self.hypotheses[h],
                )
            )
        return out
