"""Apply the learned model to one item against every claim: relevance, stance, confidence.

Training (bot/match/train.py) builds its inputs with the same functions, so what is fitted is
exactly what runs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.match.features import ClaimSpace, Floats, ItemText, Reading, Surface
from bot.match.model import Profile, sigmoid


def relevance_signals(surface: Surface, reading: Reading | None) -> dict[str, Floats]:
    """Every relevance signal of the item, one value per claim."""
    signals = dict(surface.signals)
    if reading is not None:
        signals.update(reading.signals)
    return signals


def stance_signals(
    space: ClaimSpace,
    item: ItemText,
    surface: Surface,
    reading: Reading | None,
    chosen: npt.NDArray[np.int64],
) -> dict[str, Floats]:
    """The stance signals of the chosen claims (the ones the item bears on)."""
    n = len(chosen)
    if reading is not None:
        support = reading.signals["sem_support"][chosen]
        contradict = reading.signals["sem_contradict"][chosen]
    elif surface.english:
        overlaps = space.word_overlaps(item, chosen)
        support, contradict = overlaps["sem_support"], overlaps["sem_contradict"]
    else:
        support = contradict = np.zeros(n)
    signals = {
        "sem_support": support,
        "sem_contradict": contradict,
        "lean": contradict - support,
        "has_hypotheses": space.has_hypotheses[chosen].astype(np.float64),
        "cues_support": surface.signals["cues_support"][chosen],
        "cues_contradict": surface.signals["cues_contradict"][chosen],
    }
    for name, value in surface.generic.items():
        signals[name] = np.full(n, value)
    for name in ("ex_support", "ex_contradict", "ex_related", "ex_vote_support",
                 "ex_vote_contradict", "ex_vote_related"):  # fmt: skip
        signals[name] = reading.signals[name][chosen] if reading is not None else np.zeros(n)
    signals["ex_lean"] = signals["ex_contradict"] - signals["ex_support"]
    for name in ("wex_support", "wex_contradict", "wex_related", "wex_vote_support",
                 "wex_vote_contradict", "wex_vote_related", "prior_support", "prior_contradict",
                 "prior_related"):  # fmt: skip
        signals[name] = surface.signals[name][chosen]
    signals["wex_lean"] = signals["wex_contradict"] - signals["wex_support"]
    return signals


def claim_kinds(space: ClaimSpace, available: Collection[str]) -> npt.NDArray[np.str_]:
    """Which model judges each claim: "full" when it has labeled examples (and the profile reads
    them), "plain" with keyword groups, "bare" with its text alone."""
    kinds = np.where(space.has_groups, "plain", "bare")
    if "full" in available:
        kinds = np.where(space.has_examples, "full", kinds)
    return kinds


@dataclass(frozen=True, slots=True)
class Scored:
    """One item against every claim."""

    relevance: Floats  # probability that the item bears on each claim (0 when ruled out)
    alert: Floats  # each claim's alert threshold
    digest: Floats


class Scorer:
    """One profile of the learned model bound to a ClaimSpace, with its vector products ready."""

    def __init__(self, space: ClaimSpace, profile: Profile) -> None:
        self.space = space
        self.profile = profile
        self.kinds = claim_kinds(space, profile.relevance)
        self.alert = np.full(len(space.claims), 1.1)  # a kind without a model never matches
        self.digest = np.full(len(space.claims), 1.1)
        self.prefilter = np.zeros(len(space.claims))
        for kind, levels in profile.levels.items():
            self.alert = np.where(self.kinds == kind, levels.alert, self.alert)
            self.digest = np.where(self.kinds == kind, levels.digest, self.digest)
            self.prefilter = np.where(self.kinds == kind, levels.prefilter, self.prefilter)

    def relevance(self, surface: Surface, reading: Reading | None) -> Scored:
        signals = relevance_signals(surface, reading)
        scores = np.zeros(len(self.space.claims))
        for kind, model in self.profile.relevance.items():
            mask = self.kinds == kind
            if not mask.any():
                continue
            scores = np.where(mask, sigmoid(model.logit(signals)), scores)
        scores = np.where(surface.vetoed, 0.0, scores)
        return Scored(np.round(scores, 4), self.alert, self.digest)

    def worth_reading(self, surface: Surface) -> bool:
        """Lexical profile: might the sentence model find this item bearing on a claim? Items
        that share too little with every claim (most of a feed: sport, weather, markets) are
        never embedded."""
        scores = self.relevance(surface, None).relevance
        return bool((scores >= self.prefilter).any() and scores.any())

    def stance(
        self,
        item: ItemText,
        surface: Surface,
        reading: Reading | None,
        chosen: npt.NDArray[np.int64],
    ) -> Floats:
        """(chosen, 3) stance probabilities, in STANCES order."""
        signals = stance_signals(self.space, item, surface, reading, chosen)
        result = np.zeros((len(chosen), 3))
        kinds = self.kinds[chosen]
        for kind, model in self.profile.stance.items():
            rows = kinds == kind if kind != "plain" else (kinds == "plain") | (kinds == "bare")
            if not rows.any():
                continue
            result[rows] = model.probabilities(signals)[rows]
        return result

    def confidence(
        self, chosen: npt.NDArray[np.int64], relevance: Floats, stance_probability: Floats
    ) -> Floats:
        """The calibrated probability that the item bears on the claim in the stance shown."""
        raw = relevance * stance_probability
        result = np.zeros(len(chosen))
        kinds = self.kinds[chosen]
        for kind, calibration in self.profile.calibration.items():
            result = np.where(kinds == kind, calibration.apply(raw), result)
        return np.round(result, 3)
