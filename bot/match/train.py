"""Fit the matcher's models from the labeled files: `claimwatch train`.

Deterministic: the same data, claims file and model give the same JSON. Fitting uses
scikit-learn (logistic regression, isotonic calibration, grouped folds); the bot reads the result
with numpy alone (bot/match/model.py).

What is fitted, per profile (hybrid, lexical, foreign):
1. relevance of (item, claim) pairs, once for claims as written in claims.yaml ("full") and once
   for the same claims reduced to their text ("bare"), so that a claim added without hypotheses
   or keywords is matched by a model that has seen such claims;
2. stance over the labeled pairs (supports / contradicts / related);
3. the alert and digest levels, and an isotonic map from the raw confidence to the rate at which
   the shown stance was right, both from out-of-fold predictions on the train split.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.domain import STANCES, Claim
from bot.match.dataset import LabeledItem, bare
from bot.match.designs import (
    FOLDS,
    Design,
    StanceDesign,
    examples_of,
    idf_of,
    read_all,
    read_with_examples,
    relevance_design,
    stance_design,
)
from bot.match.embed import Embedder
from bot.match.features import ClaimSpace
from bot.match.model import RELEVANCE_FEATURES, STANCE_FEATURES

log = logging.getLogger(__name__)

Floats = npt.NDArray[np.float64]
C_GRID = (0.03, 0.1, 0.3, 1.0)
# The share of unrelated items allowed to alert, out of fold. Russian and Chinese items are held
# to it too: there it keeps most of them at digest level (see docs/matching.md).
MAX_UNLABELED_ALERTING = 0.02
CALIBRATION_POINTS = 40
PROFILES = ("hybrid", "lexical", "foreign")
PREFILTER_MISS = 0.005  # share of relevant pairs the cheap pre-check may keep from the model


def _sklearn() -> Any:
    try:
        from sklearn import isotonic, linear_model, model_selection  # noqa: PLC0415
    except ImportError:
        raise SystemExit(
            "claimwatch train needs scikit-learn: pip install 'claimwatch[train]'"
        ) from None
    return linear_model, isotonic, model_selection


class Standardized:
    """Logistic regression on standardized columns, folded back into raw-scale weights."""

    def __init__(self, c: float) -> None:
        linear_model, _, _ = _sklearn()
        # No class weights: the probabilities stay honest, and on dev balancing the rare
        # "related" stance cost more on the other two than it gained.
        self.model = linear_model.LogisticRegression(C=c, max_iter=5000)

    def fit(self, x: Floats, y: npt.NDArray[Any]) -> Standardized:
        self.mean = x.mean(axis=0)
        self.scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
        self.model.fit((x - self.mean) / self.scale, y)
        return self

    def predict_proba(self, x: Floats) -> Floats:
        result: Floats = self.model.predict_proba((x - self.mean) / self.scale)
        return result

    def raw_weights(self) -> tuple[Floats, Floats]:
        coef = self.model.coef_ / self.scale
        intercept = self.model.intercept_ - coef @ self.mean
        return coef, intercept


def out_of_fold(
    x: Floats,
    y: npt.NDArray[Any],
    folds: npt.NDArray[np.int64],
    c: float,
    *,
    multinomial: bool,
    x_pred: Floats | None = None,
) -> Floats:
    """Predictions for every row by a model that did not see its item's fold. Rows with y < 0
    (stance of unrelated pairs) are predicted but never fitted on. x_pred, when given, holds
    other rows to predict (the same pairs seen another way) instead of x's."""
    width = len(STANCES) if multinomial else 2
    target = x if x_pred is None else x_pred
    result = np.zeros((len(y), width))
    for k in range(FOLDS):
        fit_rows = np.flatnonzero((folds != k) & (y >= 0))
        held = np.flatnonzero(folds == k)
        if not len(held) or not len(fit_rows):
            continue
        model = Standardized(c).fit(x[fit_rows], y[fit_rows])
        proba = model.predict_proba(target[held])
        if multinomial:
            full = np.zeros((len(held), width))
            full[:, model.model.classes_] = proba
            proba = full
        result[held] = proba
    return result


def choose_c(
    x: Floats, y: npt.NDArray[Any], folds: npt.NDArray[np.int64], *, multinomial: bool
) -> tuple[float, Floats]:
    """The regularization with the best out-of-fold log loss, and its predictions."""
    best: tuple[float, float, Floats] | None = None
    known = y >= 0
    for c in C_GRID:
        proba = out_of_fold(x, y, folds, c, multinomial=multinomial)
        if multinomial:
            picked = proba[np.flatnonzero(known), y[known]]
        else:
            picked = np.where(y == 1, proba[:, 1], proba[:, 0])
        loss = float(-np.mean(np.log(np.clip(picked, 1e-9, 1.0))))
        if best is None or loss < best[1] - 1e-9:
            best = (c, loss, proba)
    assert best is not None
    return best[0], best[2]


def choose_levels(probability: Floats, design: Design) -> dict[str, float]:
    """Alert: the best out-of-fold pair F1 with at most 2% of unrelated items alerting.
    Digest: the best F2 (recall counts double) at or below it."""
    candidates = np.round(np.arange(0.10, 0.91, 0.01), 2)
    gold = int(design.relevant.sum())
    best_alert, best_f1 = 0.5, -1.0
    unlabeled_items = np.unique(design.groups[design.unlabeled])
    for t in candidates:
        predicted = probability >= t
        hits = int((predicted & design.relevant).sum())
        f1 = 2 * hits / (int(predicted.sum()) + gold) if gold else 0.0
        alerting = np.unique(design.groups[predicted & design.unlabeled])
        share = len(alerting) / max(len(unlabeled_items), 1)
        if share <= MAX_UNLABELED_ALERTING and f1 > best_f1 + 1e-9:
            best_alert, best_f1 = float(t), f1
    best_digest, best_f2 = best_alert, -1.0
    for t in candidates[candidates <= best_alert]:
        predicted = probability >= t
        hits = int((predicted & design.relevant).sum())
        precision = hits / max(int(predicted.sum()), 1)
        recall = hits / max(gold, 1)
        f2 = 5 * precision * recall / (4 * precision + recall) if precision + recall else 0.0
        if f2 > best_f2 + 1e-9:
            best_digest, best_f2 = float(t), f2
    return {"alert": best_alert, "digest": best_digest, "oof_alert_f1": round(best_f1, 4)}


def fit_linear(design: Design, *, features: Sequence[str]) -> tuple[dict[str, Any], Floats]:
    """The relevance model's JSON and its out-of-fold probabilities."""
    x = design.scalars
    y = design.relevant.astype(np.int64)
    c, oof = choose_c(x, y, design.folds, multinomial=False)
    model = Standardized(c).fit(x, y)
    coef, intercept = model.raw_weights()
    data = {
        "features": list(features),
        "coef": _rounded(coef[0]),
        "intercept": round(float(intercept[0]), 6),
        "c": c,
    }
    return data, oof[:, 1]


def fit_stance(design: StanceDesign, *, features: Sequence[str]) -> tuple[dict[str, Any], Floats]:
    x = design.scalars
    c, oof = choose_c(x, design.target, design.folds, multinomial=True)
    known = design.target >= 0
    model = Standardized(c).fit(x[known], design.target[known])
    coef, intercept = model.raw_weights()
    full_coef = np.zeros((len(STANCES), coef.shape[1]))
    full_intercept = np.full(len(STANCES), -30.0)  # a stance never seen in training: never chosen
    for row, cls in enumerate(model.model.classes_):
        full_coef[cls] = coef[row]
        full_intercept[cls] = intercept[row]
    data = {
        "features": list(features),
        "coef": [_rounded(r) for r in full_coef],
        "intercept": _rounded(full_intercept),
        "c": c,
    }
    return data, oof


def calibrate(raw: Floats, right: npt.NDArray[np.bool_]) -> dict[str, list[float]]:
    """Isotonic map raw -> rate of being right, kept to a few dozen breakpoints."""
    _, isotonic, _ = _sklearn()
    model = isotonic.IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    model.fit(raw, right.astype(np.float64))
    xs = np.linspace(0.0, 1.0, CALIBRATION_POINTS + 1)
    ys = model.predict(xs)
    # Never 0% or 100%: no single item makes a call certain.
    ys = np.clip(ys, 0.02, 0.97)
    return {"x": _rounded(xs), "y": _rounded(ys)}


def train_profile(
    claims: Sequence[Claim],
    items: Sequence[LabeledItem],
    embedder: Embedder | None,
    profile: str,
) -> dict[str, Any]:
    english = profile != "foreign"
    use = embedder if profile == "hybrid" else None
    kinds = RELEVANCE_FEATURES[profile]
    reads = {}
    plain_space = ClaimSpace(claims, use)
    reads["plain"] = (plain_space, read_all(plain_space, items, english))
    if "bare" in kinds:
        bare_space = ClaimSpace([bare(c) for c in claims], use)
        reads["bare"] = (bare_space, read_all(bare_space, items, english))
    if "full" in kinds:
        reads["full"] = read_with_examples(claims, items, use, english)
    relevance, levels, stance, calibration = {}, {}, {}, {}
    counts = {}
    stance_fits: dict[str, tuple[Floats, StanceDesign, float]] = {}
    for kind in ("full", "plain"):
        if kind in STANCE_FEATURES[profile] and kind in reads:
            space, read = reads[kind]
            fitted = stance_design(space, read, profile, kind)
            stance[kind], oof = fit_stance(fitted, features=STANCE_FEATURES[profile][kind])
            stance_fits[kind] = (oof, fitted, float(stance[kind]["c"]))
    for kind, (space, read) in reads.items():
        design = relevance_design(space, read, profile, kind)
        relevance[kind], oof = fit_linear(design, features=kinds[kind])
        levels[kind] = choose_levels(oof, design)
        if profile == "lexical" and design.relevant.any():
            levels[kind]["prefilter"] = round(
                float(np.quantile(oof[design.relevant], PREFILTER_MISS)), 4
            )
        counts[kind] = {"pairs": len(design.relevant), "relevant": int(design.relevant.sum())}
        if kind in stance_fits:
            stance_oof, sdesign, _ = stance_fits[kind]
        else:
            # Bare claims are judged by the plain stance model: predict their rows with it.
            _, plain_design, c = stance_fits["plain"]
            sdesign = stance_design(space, read, profile, "plain")
            stance_oof = out_of_fold(
                plain_design.scalars,
                plain_design.target,
                plain_design.folds,
                c,
                multinomial=True,
                x_pred=sdesign.scalars,
            )
        calibration[kind] = _calibration(design, oof, sdesign, stance_oof, levels[kind]["digest"])
    log.info("trained %s: %s", profile, levels)
    return {
        "relevance": relevance,
        "stance": stance,
        "calibration": calibration,
        "levels": levels,
        "counts": counts,
    }


def _calibration(
    design: Design, oof: Floats, stance: StanceDesign, stance_oof: Floats, digest: float
) -> dict[str, list[float]]:
    """Calibrate what is shown: pairs at digest level or above, out of fold. A shown pair is
    right when the item bears on the claim and the stance shown is the labeled one."""
    shown = oof >= digest
    picks = stance_oof.argmax(axis=1)
    raw = oof * stance_oof.max(axis=1)
    right = design.relevant & (picks == stance.target)
    return calibrate(raw[shown], right[shown])


def train(
    claims: Sequence[Claim],
    items: Sequence[LabeledItem],
    embedder: Embedder | None,
    *,
    data_hash: str,
    files: Sequence[str],
) -> dict[str, Any]:
    """The whole model file's content."""
    profiles = {p: train_profile(claims, items, embedder, p) for p in PROFILES}
    return {
        "format": 1,
        "data_hash": data_hash,
        "examples": examples_of(items),
        "idf": dict(sorted(idf_of(items).items())),
        "meta": {
            # The hybrid relevance regularization per kind, for leave-one-claim-out refits.
            "c": {k: m["c"] for k, m in profiles["hybrid"]["relevance"].items()},
            "files": list(files),
            "train_items": len(items),
            "claims": [c.id for c in claims],
        },
        "profiles": profiles,
    }


def _rounded(values: Any) -> list[float]:
    return [round(float(v), 6) for v in np.asarray(values).ravel()]
