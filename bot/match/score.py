"""One calibrated score in [0, 1] per (item, claim), and the alert / digest levels.

The score is a logistic combination of three signals (semantic similarity, BM25, keyword gate)
with weights fitted on the dev set; it reads as "probability that the item bears on the claim".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.domain import MatchLevel

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


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
HYBRID = Weights(bias=-8.0, semantic=2.89, lexical=4.48, gate=2.77)
LEXICAL = Weights(bias=-7.01, semantic=0.0, lexical=5.0, gate=3.06)
HYBRID_THRESHOLDS = Thresholds(alert=0.4, digest=0.25)
LEXICAL_THRESHOLDS = Thresholds(alert=0.42, digest=0.25)
# Items the model cannot read (other languages) reach digests, never alerts, and only for a
# claim whose every keyword group (three or more) they mention.
FOREIGN_SCORE = 0.3
FOREIGN_MIN_GROUPS = 3


def combine(
    weights: Weights, *, semantic: Floats, lexical: Floats, gate: Floats, vetoed: Flags
) -> Floats:
    """Scores of one item against every claim; 0.0 where a "none" keyword rules it out."""
    logit = (
        weights.bias
        + weights.semantic * semantic
        + weights.lexical * lexical
        + weights.gate * (gate >= 1.0)
    )
    scores: Floats = 1.0 / (1.0 + np.exp(-logit))
    return np.where(vetoed, 0.0, np.round(scores, 4))


def foreign_scores(gate: Floats, groups: npt.NDArray[np.int64], vetoed: Flags) -> Floats:
    passed = (gate >= 1.0) & (groups >= FOREIGN_MIN_GROUPS) & ~vetoed
    return np.where(passed, FOREIGN_SCORE, 0.0)


def level_of(score: float, thresholds: Thresholds, *, english: bool = True) -> MatchLevel | None:
    if score >= thresholds.alert and english:
        return "alert"
    if score >= thresholds.digest:
        return "digest"
    return None
