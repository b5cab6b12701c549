"""The learned matcher: linear models over the pair signals, calibrated, loaded from a JSON file.

`claimwatch train` (bot/match/train.py) writes the file; this module only reads and applies it,
so the bot needs numpy and nothing of the fitting libraries. Three profiles:

- `hybrid`: English items read by the sentence model;
- `lexical`: English items without the model (small machines);
- `foreign`: items the model cannot read (Russian, Chinese), judged by keyword groups and cues.

Each profile has a relevance model for claims with keyword groups and hypotheses ("full") and one
for claims given by their text alone ("bare"), a stance model, and an isotonic calibration of the
shown confidence (probability that the item bears on the claim *and* the stance is right).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.domain import STANCES, Stance

Floats = npt.NDArray[np.float64]
MODEL_PATH = Path(__file__).with_name("model.json")

_SEMANTIC = ("sem_best", "sem_claim", "sem_support", "sem_contradict", "sem_item")
_KEYWORDS = ("lexical", "overlap", "gate", "gate_all")
_FOREIGN = (
    "gate",
    "gate_all",
    "gate_strong",
    "redundant",
    "groups",
    "cues_support",
    "cues_contradict",
)
_EXAMPLES = ("ex_best", "ex_support", "ex_contradict", "ex_related")
_WORD_EXAMPLES = ("wex_best", "wex_support", "wex_contradict", "wex_related")
_WORDING = (
    "cues_support",
    "cues_contradict",
    "negation",
    "decline",
    "growth",
    "threat",
    "pending",
    "question",
)
_STANCE = ("sem_support", "sem_contradict", "lean", "has_hypotheses", *_WORDING)
_EXAMPLE_STANCE = (
    "ex_support",
    "ex_contradict",
    "ex_related",
    "ex_lean",
    "ex_vote_support",
    "ex_vote_contradict",
    "ex_vote_related",
)
_WORD_STANCE = (
    "wex_support",
    "wex_contradict",
    "wex_related",
    "wex_lean",
    "wex_vote_support",
    "wex_vote_contradict",
    "wex_vote_related",
    "prior_support",
    "prior_contradict",
    "prior_related",
)
# Per profile, per kind of claim: "full" (claims.yaml claims with labeled examples), "plain"
# (keyword groups and hypotheses, no examples), "bare" (a text alone).
RELEVANCE_FEATURES: dict[str, dict[str, tuple[str, ...]]] = {
    "hybrid": {
        "full": (*_SEMANTIC, *_KEYWORDS, *_EXAMPLES, *_WORD_EXAMPLES),
        "plain": (*_SEMANTIC, *_KEYWORDS),
        "bare": ("sem_claim", "sem_item", "lexical", "overlap"),
    },
    "lexical": {
        "full": (*_KEYWORDS, *_WORD_EXAMPLES),
        "plain": _KEYWORDS,
        "bare": ("lexical", "overlap"),
    },
    "foreign": {"full": (*_FOREIGN, *_WORD_EXAMPLES), "plain": _FOREIGN},
}
# Bare claims take the plain stance model.
STANCE_FEATURES: dict[str, dict[str, tuple[str, ...]]] = {
    "hybrid": {"full": (*_STANCE, *_EXAMPLE_STANCE, *_WORD_STANCE), "plain": _STANCE},
    "lexical": {"full": (*_STANCE, *_WORD_STANCE), "plain": _STANCE},
    "foreign": {"full": (*_WORDING, *_WORD_STANCE), "plain": _WORDING},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Linear:
    """A binary logistic model: probability = sigmoid(intercept + coef . signals)."""

    features: tuple[str, ...]
    coef: Floats
    intercept: float

    def logit(self, signals: dict[str, Floats]) -> Floats:
        out = np.full_like(next(iter(signals.values())), self.intercept, dtype=np.float64)
        for weight, name in zip(self.coef, self.features, strict=True):
            out = out + weight * signals[name]
        return out


@dataclass(frozen=True, slots=True)
class Multinomial:
    """A softmax model over the stances, in STANCES order."""

    features: tuple[str, ...]
    coef: Floats  # (3, features)
    intercept: Floats  # (3,)

    def probabilities(self, signals: dict[str, Floats]) -> Floats:
        """(claims, 3) probabilities."""
        x = np.stack([signals[name] for name in self.features], axis=1)
        logits = x @ self.coef.T + self.intercept
        logits = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        result: Floats = e / e.sum(axis=1, keepdims=True)
        return result


@dataclass(frozen=True, slots=True)
class Calibration:
    """Isotonic map from the raw confidence to the observed rate of being right."""

    xs: Floats
    ys: Floats

    def apply(self, raw: Floats) -> Floats:
        result: Floats = np.interp(raw, self.xs, self.ys)
        return result


@dataclass(frozen=True, slots=True)
class Levels:
    alert: float
    digest: float
    # Lexical profile only: below this relevance for every claim, an item skips the sentence
    # model (set so that 99.5% of the training pairs that bear on a claim stay above it).
    prefilter: float = 0.0


@dataclass(frozen=True, slots=True)
class Profile:
    relevance: dict[str, Linear]  # by kind of claim: full, plain, bare
    stance: dict[str, Multinomial]  # full, plain (bare claims use plain)
    calibration: dict[str, Calibration]  # by kind of claim
    levels: dict[str, Levels]


@dataclass(frozen=True, slots=True)
class LearnedModel:
    profiles: dict[str, Profile]
    examples: dict[str, list[tuple[str, str]]]  # claim id -> (text, stance), the train split
    idf: dict[str, float]  # word weights over all train items, for the example index
    data_hash: str
    meta: dict[str, Any]


def sigmoid(x: Floats) -> Floats:
    result: Floats = 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))
    return result


def stance_of(index: int) -> Stance:
    return STANCES[index]


# --- the JSON file -------------------------------------------------------------------------


def _array(values: Any) -> Floats:
    return np.asarray(values, dtype=np.float64)


def _linear(data: dict[str, Any]) -> Linear:
    return Linear(tuple(data["features"]), _array(data["coef"]), float(data["intercept"]))


def _multinomial(data: dict[str, Any]) -> Multinomial:
    return Multinomial(tuple(data["features"]), _array(data["coef"]), _array(data["intercept"]))


def parse_model(data: dict[str, Any]) -> LearnedModel:
    profiles = {}
    for name, p in data["profiles"].items():
        profiles[name] = Profile(
            relevance={kind: _linear(m) for kind, m in p["relevance"].items()},
            stance={kind: _multinomial(m) for kind, m in p["stance"].items()},
            calibration={
                kind: Calibration(_array(c["x"]), _array(c["y"]))
                for kind, c in p["calibration"].items()
            },
            levels={
                k: Levels(v["alert"], v["digest"], v.get("prefilter", 0.0))
                for k, v in p["levels"].items()
            },
        )
    examples = {
        claim: [(str(text), str(stance)) for text, stance in pairs]
        for claim, pairs in data.get("examples", {}).items()
    }
    idf = {str(w): float(v) for w, v in data.get("idf", {}).items()}
    return LearnedModel(profiles, examples, idf, data["data_hash"], data.get("meta", {}))


def load_model(path: Path = MODEL_PATH) -> LearnedModel:
    return parse_model(json.loads(path.read_text(encoding="utf-8")))
