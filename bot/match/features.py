"""The signals of (item, claim) pairs, as arrays over all claims at once.

A thousand claims cost little more than a dozen: every signal is a vector operation over the
claims, and the learned model (bot/match/model.py) turns the named signals into probabilities.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.domain import Claim
from bot.match.embed import DIMENSIONS, Embedder, Vectors
from bot.match.examples import VOTERS, ExampleIndex
from bot.match.language import is_english
from bot.match.lexical import LexicalIndex
from bot.match.lexicons import GENERIC_CUES
from bot.match.tokens import KeywordIndex, KeywordView, split_sentences, terms
from bot.match.vectors import VectorStore

MAX_SENTENCES = 6
VOTE_TEMPERATURE = 0.05
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]

# Kinds of the texts a claim is compared with: its own text, its hypotheses, and labeled news
# items of the train split that bear on it (examples), by their stance.
TEXT, SUPPORT, CONTRADICT, EXAMPLE_SUPPORT, EXAMPLE_CONTRADICT, EXAMPLE_RELATED = range(6)
EXAMPLE_KINDS = {"supports": EXAMPLE_SUPPORT, "contradicts": EXAMPLE_CONTRADICT,
                 "related": EXAMPLE_RELATED}  # fmt: skip
Examples = Mapping[str, Sequence[tuple[str, str]]]  # claim id -> (text, stance)


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
class Surface:
    """The cheap signals of one item against every claim (arrays in claim order)."""

    english: bool
    view: KeywordView
    signals: dict[str, Floats]  # lexical, overlap, gate, gate_all, mentions, cue counts
    generic: dict[str, float]  # claim-independent stance words: negation, decline, growth
    vetoed: Flags
    shared: dict[int, list[str]]
    present: frozenset[str]  # the claims' keywords (and the stance lexicon's) the item mentions


@dataclass(frozen=True, slots=True)
class Reading:
    """The model's view of one item: similarities per claim and, per hypothesis, the best unit."""

    units: list[str]
    signals: dict[str, Floats]  # sem_best, sem_claim, sem_support, sem_contradict, sem_item
    per_hypothesis: Floats
    unit_of_hypothesis: npt.NDArray[np.int64]


class ClaimSpace:
    """The claims with their keyword index, word index and vectors, prepared once."""

    def __init__(
        self,
        claims: Sequence[Claim],
        embedder: Embedder | None,
        examples: Examples | None = None,
        store: VectorStore | None = None,
        idf: Mapping[str, float] | None = None,
    ) -> None:
        self.claims = list(claims)
        self.embedder = embedder
        self.lexical = LexicalIndex(self.claims)
        self._index_keywords()
        self._index_claim_words()
        texts: list[str] = []
        kinds: list[int] = []
        starts: list[int] = []
        # Examples serve claims with keyword groups (the ones they were labeled for); a claim
        # given by its text alone is matched as a new claim would be.
        own = {c.id: (examples or {}).get(c.id, ()) for c in self.claims if c.keywords_all}
        self.examples = ExampleIndex([c.id for c in self.claims], own, idf)
        for claim in self.claims:
            starts.append(len(texts))
            for kind, group in enumerate(((claim.text,), claim.supports, claim.contradicts)):
                texts += group
                kinds += [kind] * len(group)
            if embedder is not None:  # the model reads English examples only
                for text, stance in own.get(claim.id, ()):
                    if is_english(text):
                        texts.append(text)
                        kinds.append(EXAMPLE_KINDS[stance])
        self.hypotheses = texts
        self._masks: dict[tuple[int, ...], Flags] = {}
        self.kinds = np.asarray(kinds, dtype=np.int64)
        self.starts = np.asarray(starts, dtype=np.int64)
        self.ends = np.asarray([*starts[1:], len(texts)], dtype=np.int64)
        # Per claim with examples read by the model: their rows, and their stances (0, 1, 2).
        self.example_blocks = []
        for c, (start, end) in enumerate(zip(starts, self.ends.tolist(), strict=True)):
            rows = start + np.flatnonzero(self.kinds[start:end] >= EXAMPLE_SUPPORT)
            if len(rows):
                self.example_blocks.append((c, rows, self.kinds[rows] - EXAMPLE_SUPPORT))
        self.has_groups = np.asarray([bool(c.keywords_all) for c in self.claims])
        self.has_hypotheses = np.asarray([bool(c.supports or c.contradicts) for c in self.claims])
        self.has_examples = self.examples.has_examples
        # Without the model, word overlap with each hypothesis stands in for its similarity.
        self.hypothesis_terms = [
            frozenset(terms(t)) if k <= CONTRADICT else frozenset()
            for t, k in zip(texts, kinds, strict=True)
        ]
        self.vectors: Vectors | None = None
        self.claim_vectors = np.zeros((len(self.claims), DIMENSIONS), dtype=np.float32)
        if embedder is not None and texts:
            self.vectors = (
                store.encode(embedder, texts) if store is not None else embedder.encode(texts)
            )
            self.claim_vectors = self.vectors[self.starts]

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
        self.cue_keywords: dict[str, list[tuple[int, int]]] = {}
        for c, claim in enumerate(self.claims):
            for word in set(claim.keywords_none):
                self.none_keywords.setdefault(word, []).append(c)
            for side, cues in ((0, claim.cues_support), (1, claim.cues_contradict)):
                for word in set(cues):
                    self.cue_keywords.setdefault(word, []).append((c, side))
        self.lexicon = {name: frozenset(words) for name, words in GENERIC_CUES.items()}
        self.keyword_index = KeywordIndex(
            [*self.group_keywords, *self.none_keywords, *self.cue_keywords,
             *(w for words in self.lexicon.values() for w in words)]
        )  # fmt: skip

    def _index_claim_words(self) -> None:
        """The words of each claim's own text and aliases: what a claim without keyword groups
        is gated by (the share of them an item mentions)."""
        self.word_claims: dict[str, list[int]] = {}
        sizes = []
        for c, claim in enumerate(self.claims):
            own = set(terms(" ".join((claim.text, *claim.aliases))))
            sizes.append(max(len(own), 1))
            for word in own:
                self.word_claims.setdefault(word, []).append(c)
        self.claim_word_counts = np.asarray(sizes, dtype=np.float64)

    def surface(self, item: ItemText) -> Surface:
        n = len(self.claims)
        english = is_english(item.text, item.lang)
        view = KeywordView.of(item.text)
        present = self.keyword_index.found(view)
        hit = np.zeros(len(self.group_owner), dtype=bool)
        mentions = np.zeros(n)
        for word in present & self.group_keywords.keys():
            hit[self.group_keywords[word]] = True
            mentions[list(self.keyword_claims[word])] += 1
        matched = np.bincount(self.group_owner[hit], minlength=n)
        gate = np.where(self.has_groups, matched / np.maximum(self.groups_per_claim, 1), 0.0)
        vetoed = np.zeros(n, dtype=bool)
        for word in present & self.none_keywords.keys():
            vetoed[self.none_keywords[word]] = True
        cues = np.zeros((2, n))
        for word in present & self.cue_keywords.keys():
            for c, side in self.cue_keywords[word]:
                cues[side, c] += 1
        item_words = Counter(terms(item.text))
        item_terms = set(item_words)
        overlap = np.zeros(n)
        for word in item_terms:
            for c in self.word_claims.get(word, ()):
                overlap[c] += 1
        lexical, shared = self.lexical.score_item(item_terms)
        signals = {
            "lexical": lexical,
            "overlap": overlap / self.claim_word_counts,
            "gate": gate,
            "gate_all": (gate >= 1.0).astype(np.float64),
            # Actor, counterpart and topic all named: far stronger than two groups of two.
            "gate_strong": ((gate >= 1.0) & (self.groups_per_claim >= 3)).astype(np.float64),
            "redundant": ((mentions > self.groups_per_claim) & (gate >= 1.0)).astype(np.float64),
            "groups": self.groups_per_claim.astype(np.float64),
            "cues_support": cues[0],
            "cues_contradict": cues[1],
        }
        signals.update(self.examples.signals(self.examples.similarities(item_words)))
        generic = {name: float(len(present & words)) for name, words in self.lexicon.items()}
        generic["question"] = float("?" in item.title or "？" in item.title)
        return Surface(english, view, signals, generic, vetoed, shared, frozenset(present))

    def read(self, items: Sequence[ItemText]) -> list[Reading | None]:
        """The model's reading of each item (None when there is no model)."""
        if self.embedder is None or self.vectors is None:
            return [None] * len(items)
        units = [i.units() for i in items]
        flat = [u for group in units for u in group]
        if not flat:
            return [None] * len(items)
        encoded = self.embedder.encode(flat)
        result: list[Reading | None] = []
        offset = 0
        for group in units:
            block = encoded[offset : offset + len(group)]
            offset += len(group)
            sims = block @ self.vectors.T
            per_hypothesis = sims.max(axis=0).astype(np.float64)
            mean = block.mean(axis=0)
            vector = (mean / max(float(np.linalg.norm(mean)), 1e-9)).astype(np.float32)
            signals = {
                "sem_best": self._best_of(per_hypothesis, TEXT, SUPPORT, CONTRADICT),
                "sem_claim": self._best_of(per_hypothesis, TEXT),
                "sem_support": self._best_of(per_hypothesis, SUPPORT),
                "sem_contradict": self._best_of(per_hypothesis, CONTRADICT),
                "sem_item": (self.claim_vectors @ vector).astype(np.float64),
                "ex_support": self._best_of(per_hypothesis, EXAMPLE_SUPPORT),
                "ex_contradict": self._best_of(per_hypothesis, EXAMPLE_CONTRADICT),
                "ex_related": self._best_of(per_hypothesis, EXAMPLE_RELATED),
            }
            signals["ex_best"] = np.maximum.reduce(
                [signals["ex_support"], signals["ex_contradict"], signals["ex_related"]]
            )
            signals.update(self._votes(per_hypothesis, "ex"))
            result.append(Reading(group, signals, per_hypothesis, sims.argmax(axis=0)))
        return result

    def _votes(self, per_hypothesis: Floats, prefix: str) -> dict[str, Floats]:
        """How the claim's examples nearest to the item are labeled: the share of each stance
        among the closest few, weighted by similarity."""
        votes = np.zeros((3, len(self.claims)))
        for c, rows, stances in self.example_blocks:
            sims = per_hypothesis[rows]
            top = np.argsort(-sims, kind="stable")[:VOTERS]
            weights = np.exp((sims[top] - sims[top].max()) / VOTE_TEMPERATURE)
            np.add.at(votes[:, c], stances[top], weights / weights.sum())
        return {
            f"{prefix}_vote_support": votes[0],
            f"{prefix}_vote_contradict": votes[1],
            f"{prefix}_vote_related": votes[2],
        }

    def _best_of(self, per_hypothesis: Floats, *kinds: int) -> Floats:
        """Each claim's best similarity among its texts of the given kinds (0 without any)."""
        # A claim's texts are contiguous, so reduceat gives each claim's maximum at once.
        mask = self._masks.get(kinds)
        if mask is None:
            mask = self._masks[kinds] = np.isin(self.kinds, kinds)
        masked = np.where(mask, per_hypothesis, 0.0)
        result: Floats = np.maximum.reduceat(masked, self.starts)
        return result

    def word_overlaps(self, item: ItemText, chosen: npt.NDArray[np.int64]) -> dict[str, Floats]:
        """Without the model: the best word overlap (cosine of word sets) of the item with each
        chosen claim's support and contradict hypotheses, as stand-ins for the similarities."""
        words = frozenset(terms(item.text))
        best = {SUPPORT: np.zeros(len(chosen)), CONTRADICT: np.zeros(len(chosen))}
        for row, c in enumerate(chosen.tolist()):
            for h in range(int(self.starts[c]), int(self.ends[c])):
                hyp = self.hypothesis_terms[h]
                kind = int(self.kinds[h])
                if kind == 0 or not hyp or not words:
                    continue
                overlap = len(words & hyp) / (len(words) * len(hyp)) ** 0.5
                best[kind][row] = max(best[kind][row], overlap)
        return {"sem_support": best[SUPPORT], "sem_contradict": best[CONTRADICT]}

    def nearest_example(self, c: int, reading: Reading | None, item: ItemText) -> tuple[str, str]:
        """The item's sentence and the claim's own example it resembles: a hypothesis or the
        claim text. Labeled news items are never named: most are invented for training, and a
        subscriber would read one as a real report."""
        claim = self.claims[c]
        start, end = int(self.starts[c]), int(self.ends[c])
        own = np.flatnonzero(self.kinds[start:end] <= CONTRADICT) + start
        if reading is not None:
            h = int(own[reading.per_hypothesis[own].argmax()])
            return reading.units[int(reading.unit_of_hypothesis[h])], self.hypotheses[h]
        words = frozenset(terms(item.text))
        best, best_overlap = claim.text, 0.0
        for h in own.tolist():
            hyp = self.hypothesis_terms[h]
            if hyp and words:
                overlap = len(words & hyp) / (len(words) * len(hyp)) ** 0.5
                if overlap > best_overlap:
                    best, best_overlap = self.hypotheses[h], overlap
        return item.title, best
