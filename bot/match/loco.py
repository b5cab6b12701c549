"""Leave one claim out: how the learned model matches a claim it was never trained on.

For each claim, the relevance model is fitted on the train split's pairs of the *other* claims
(with the committed model's regularization) and its alert level chosen out of fold the way
`train` chooses it; the left-out claim's pairs in the evaluation items are then scored. Two ways
to meet a new claim are measured:

- `bare`: the claim as `claimwatch claims add` makes it, from its text alone;
- `plain`: with its keyword groups and hypotheses from claims.yaml but no labeled examples.

English items only: the sentence model reads English, and a claim given by its text alone has no
Russian or Chinese words to be found by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.domain import Claim
from bot.match.dataset import LabeledItem, bare
from bot.match.designs import Design, read_all, relevance_design
from bot.match.embed import Embedder
from bot.match.evaluate import Counts
from bot.match.features import ClaimSpace
from bot.match.model import RELEVANCE_FEATURES
from bot.match.train import Standardized, choose_levels, out_of_fold


@dataclass(frozen=True, slots=True)
class LeftOut:
    claim_id: str
    counts: Counts
    alert: float


def _rows(design: Design, claims: int, keep: np.ndarray) -> Design:
    """The design restricted to rows whose claim index is in keep."""
    mask = np.isin(np.arange(len(design.relevant)) % claims, keep)
    return Design(
        design.scalars[mask],
        design.relevant[mask],
        design.groups[mask],
        design.folds[mask],
        design.unlabeled[mask],
    )


def leave_one_claim_out(
    claims: Sequence[Claim],
    train_items: Sequence[LabeledItem],
    eval_items: Sequence[LabeledItem],
    embedder: Embedder,
    *,
    kind: str,
    c: float,
) -> list[LeftOut]:
    space = ClaimSpace([bare(x) for x in claims] if kind == "bare" else claims, embedder)
    train_design = relevance_design(space, read_all(space, train_items, True), "hybrid", kind)
    eval_design = relevance_design(space, read_all(space, eval_items, True), "hybrid", kind)
    n = len(claims)
    results = []
    for left in range(n):
        others = np.asarray([k for k in range(n) if k != left])
        fit = _rows(train_design, n, others)
        x = fit.scalars
        y = fit.relevant.astype(np.int64)
        levels = choose_levels(out_of_fold(x, y, fit.folds, c, multinomial=False)[:, 1], fit)
        model = Standardized(c).fit(x, y)
        held = _rows(eval_design, n, np.asarray([left]))
        probability = model.predict_proba(held.scalars)[:, 1]
        predicted = probability >= levels["alert"]
        counts = Counts(int(held.relevant.sum()), int(predicted.sum()),
                        int((predicted & held.relevant).sum()))  # fmt: skip
        results.append(LeftOut(claims[left].id, counts, levels["alert"]))
    return results


def format_left_out(results: Sequence[LeftOut], kind: str) -> str:
    total = Counts()
    lines = [
        f"leave one claim out ({kind}: "
        + ("text only" if kind == "bare" else "keywords and hypotheses, no examples")
        + f"; features {', '.join(RELEVANCE_FEATURES['hybrid'][kind])})",
        f"{'claim':<34} {'gold':>4} {'pred':>4} {'hit':>4} {'P':>6} {'R':>6} {'F1':>6}",
    ]
    for r in results:
        total = total.add(r.counts.gold, r.counts.predicted, r.counts.hits)
        c = r.counts
        lines.append(
            f"{r.claim_id:<34} {c.gold:>4} {c.predicted:>4} {c.hits:>4} "
            f"{c.precision:>6.2f} {c.recall:>6.2f} {c.f1:>6.2f}"
        )
    lines.append(
        f"{'all claims':<34} {total.gold:>4} {total.predicted:>4} {total.hits:>4} "
        f"{total.precision:>6.2f} {total.recall:>6.2f} {total.f1:>6.2f}"
    )
    return "\n".join(lines)
