"""Stance of an item towards a claim: supports, contradicts or only bears on it ("related").

Embeddings barely see negation ("will not visit" sits next to "will visit"), so the decision weighs
how much closer the item is to the claim's contradict hypotheses than to its support hypotheses,
plus the claim's own cue words. Contradicting takes more evidence than supporting: a wrong
"contradicts" misleads more than an honest "related".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.domain import Stance
from bot.match.features import Features

# Tuned on the dev set (stance macro-F1); see docs/matching.md.
SEMANTIC_WEIGHT = 5.0
CUE_WEIGHT = 1.0
CONTRADICT_MARGIN = 0.5
SUPPORT_MARGIN = 0.2


@dataclass(frozen=True, slots=True)
class StanceCall:
    stance: Stance
    confidence: float
    lean: float  # > 0 leans contradicts, < 0 leans supports


def decide_stance(features: Features) -> StanceCall:
    cues = CUE_WEIGHT * (len(features.cues_contradict) - len(features.cues_support))
    if not features.english:
        # The model cannot read the item: the claim's cue words in its language decide, and
        # without them it only bears on the claim.
        return _call(cues)
    return _call(
        SEMANTIC_WEIGHT * (features.semantic_contradict - features.semantic_support) + cues
    )


def _call(lean: float) -> StanceCall:
    if lean > CONTRADICT_MARGIN:
        return StanceCall("contradicts", _confidence(lean - CONTRADICT_MARGIN), lean)
    if lean < -SUPPORT_MARGIN:
        return StanceCall("supports", _confidence(-lean - SUPPORT_MARGIN), lean)
    return StanceCall("related", 0.5, lean)


def _confidence(excess: float) -> float:
    """0.5 at the margin, towards 1.0 as the evidence grows."""
    return round(0.5 + 0.5 * math.tanh(excess), 3)
