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
# Alert thresholds: the peak of dev pair F1 under cross-validation (mean of leave-one-claim-out
# and 5-fold by item, smoothed over +-0.02), not the best in-sample value.
HYBRID = Weights(bias=-9.07, semantic=3.55, lexical=5.15, gate=2.78)
LEXICAL = Weights(bias=-7.87, semantic=0.0, lexical=5.85, gate=3.1)
HYBRID_THRESHOLDS = Thresholds(alert=0.38, digest=0.25)
LEXICAL_THRESHOLDS = Thresholds(alert=0.38, digest=0.25)
# Items the model cannot read (other languages) are judged by the keyword gate alone. Mentioning
# every group of a claim with three or more groups (actor, counterpart, topic), one of them twice
# (more keywords than groups), is strong enough to alert; every group without that redundancy, or
# every group of a two-group claim, only reaches digests. Fixed scores, not fitted.
FOREIGN_ALERT_SCORE = 0.6
FOREIGN_DIGEST_SCORE = 0.3
FOREIGN_ALERT_GROUPS = 3
FOREIGN_DIGEST_GROUPS = 2


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


def foreign_scores(
    gate: Floats, groups: npt.NDArray[np.int64], mentions: npt.NDArray[np.int64], vetoed: Flags
) -> Floats:
    passed = (gate >= 1.0) & ~vetoed
    strong = passed & (groups >= FOREIGN_ALERT_GROUPS) & (mentions > groups)
    return np.select(
        [strong, passed & (groups >= FOREIGN_DIGEST_GROUPS)],
        [FOREIGN_ALERT_SCORE, FOREIGN_DIGEST_SCORE],
        0.0,
    )


def level_of(score: float, thresholds: Thresholds) -> MatchLevel | None:
    if score >= thresholds.alert:
        return "alert"
    if score >= thresholds.digest:
        return "digest"
    return None
