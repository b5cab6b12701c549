"""One calibrated score in [0, 1] per (item, claim), and the alert / digest levels.

The score is a logistic combination of three signals (semantic similarity, BM25, keyword gate)
with weights fitted on the dev set; it reads as "probability that the item bears on the claim".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.domain import MatchLevel
from bot.match.features import Features


@dataclass(frozen=True, slots=True)
class Weights:
    bias: float
    semantic: float
    lexical: float
    gate: float  # added when the item mentions a word of every keyword group


@dataclass(frozen=True, slots=True)
class Thresholds:
    alert: float
    digest: float


# Fitted by logistic regression on the dev set (docs/matching.md, "Tuning").
HYBRID = Weights(bias=-6.45, semantic=1.77, lexical=3.48, gate=2.83)
LEXICAL = Weights(bias=-6.38, semantic=0.0, lexical=4.85, gate=2.82)
HYBRID_THRESHOLDS = Thresholds(alert=0.46, digest=0.25)
LEXICAL_THRESHOLDS = Thresholds(alert=0.44, digest=0.25)
# Items the semantic model cannot read reach digests only, never alerts.
FOREIGN_SCORE = 0.3
FOREIGN_MIN_GROUPS = 3


def combine(features: Features, weights: Weights) -> float:
    """The calibrated score of one pair; 0.0 when a "none" keyword rules the item out."""
    if features.vetoed:
        return 0.0
    if not features.english:
        return foreign_score(features)
    logit = (
        weights.bias
        + weights.semantic * features.semantic
        + weights.lexical * features.lexical
        + weights.gate * (features.gate >= 1.0)
    )
    return round(1.0 / (1.0 + math.exp(-logit)), 4)


def foreign_score(features: Features) -> float:
    """Other-language items: only a claim whose every keyword group (3 or more) matched."""
    return FOREIGN_SCORE if features.gate >= 1.0 and features.groups >= FOREIGN_MIN_GROUPS else 0.0


def best_possible(features: Features, weights: Weights) -> float:
    """The score this pair would get with a perfect semantic match: lets us skip the model."""
    if features.vetoed or not features.english:
        return combine(features, weights)
    logit = (
        weights.bias
        + weights.semantic
        + weights.lexical * features.lexical
        + weights.gate * (features.gate >= 1.0)
    )
    return 1.0 / (1.0 + math.exp(-logit))


def level_of(score: float, thresholds: Thresholds, *, english: bool = True) -> MatchLevel | None:
    if score >= thresholds.alert and english:
        return "alert"
    if score >= thresholds.digest:
        return "digest"
    return None
