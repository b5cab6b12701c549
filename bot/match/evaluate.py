"""Quality of the matcher on a labeled file: pair F1, stance, false alerts on unrelated news."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain import STANCES, Match, Stance
from bot.match.dataset import LabeledItem
from bot.match.language import is_english
from bot.match.service import Matcher


@dataclass(frozen=True, slots=True)
class Counts:
    gold: int = 0
    predicted: int = 0
    hits: int = 0

    @property
    def precision(self) -> float:
        return self.hits / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: int, predicted: int, hits: int) -> Counts:
        return Counts(self.gold + gold, self.predicted + predicted, self.hits + hits)


@dataclass(slots=True)
class EvalReport:
    mode: str
    items: int = 0
    unlabeled: int = 0
    unlabeled_alerting: int = 0
    pairs: Counts = field(default_factory=Counts)
    digest_pairs: Counts = field(default_factory=Counts)
    foreign_pairs: Counts = field(default_factory=Counts)
    per_claim: dict[str, Counts] = field(default_factory=dict)
    stance_pairs: list[tuple[Stance, Stance]] = field(default_factory=list)  # (gold, predicted)
    # Every listed match's shown confidence and whether it was right (bears on the claim, with
    # the labeled stance): what the calibration promises.
    shown: list[tuple[float, bool]] = field(default_factory=list)
    per_claim_stance: dict[str, list[bool]] = field(default_factory=dict)

    @property
    def stance_accuracy(self) -> float:
        pairs = self.stance_pairs
        return sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0

    def stance_counts(self, stance: Stance) -> Counts:
        gold = sum(g == stance for g, _ in self.stance_pairs)
        predicted = sum(p == stance for _, p in self.stance_pairs)
        hits = sum(g == p == stance for g, p in self.stance_pairs)
        return Counts(gold, predicted, hits)

    @property
    def stance_macro_f1(self) -> float:
        """Mean F1 over the stances that occur (in the labels or the predictions)."""
        seen = [c for c in map(self.stance_counts, STANCES) if c.gold or c.predicted]
        return sum(c.f1 for c in seen) / len(seen) if seen else 0.0

    def reliability(self, bins: int = 10) -> list[tuple[float, float, float, int]]:
        """(low, mean confidence, share right, matches) per confidence bin with matches."""
        rows = []
        for b in range(bins):
            low, high = b / bins, (b + 1) / bins
            inside = [
                (c, r) for c, r in self.shown if low <= c < high or (b == bins - 1 and c == 1)
            ]
            if inside:
                mean = sum(c for c, _ in inside) / len(inside)
                rows.append((low, mean, sum(r for _, r in inside) / len(inside), len(inside)))
        return rows

    @property
    def calibration_error(self) -> float:
        """Expected calibration error of the shown confidence (10 bins, weighted by matches)."""
        total = len(self.shown)
        return (
            sum(n * abs(mean - right) for _, mean, right, n in self.reliability()) / total
            if total
            else 0.0
        )

    @property
    def unlabeled_alert_share(self) -> float:
        return self.unlabeled_alerting / self.unlabeled if self.unlabeled else 0.0


def evaluate(matcher: Matcher, items: Sequence[LabeledItem]) -> EvalReport:
    """Alert-level matches are the predictions; digest-level recall is reported beside them."""
    report = EvalReport(mode=matcher.mode, items=len(items))
    for claim in matcher.claims:
        report.per_claim[claim.id] = Counts()
        report.per_claim_stance[claim.id] = []
    results = matcher.score_items([i.item for i in items])
    for labeled, matches in zip(items, results, strict=True):
        _count_item(report, labeled, matches)
    return report


def _count_item(report: EvalReport, labeled: LabeledItem, matches: list[Match]) -> None:
    alerts = {m.claim_id: m for m in matches if m.level == "alert"}
    listed = {m.claim_id for m in matches}
    gold = labeled.labels
    if not gold:
        report.unlabeled += 1
        report.unlabeled_alerting += bool(alerts)
    hits = set(alerts) & set(gold)
    report.pairs = report.pairs.add(len(gold), len(alerts), len(hits))
    report.digest_pairs = report.digest_pairs.add(len(gold), len(listed), len(listed & set(gold)))
    if not is_english(labeled.item.text, labeled.item.lang):
        report.foreign_pairs = report.foreign_pairs.add(
            len(gold), len(listed), len(listed & set(gold))
        )
    for claim_id in set(gold) | set(alerts):
        counts = report.per_claim.setdefault(claim_id, Counts())
        report.per_claim[claim_id] = counts.add(
            claim_id in gold, claim_id in alerts, claim_id in hits
        )
    for match in matches:
        report.shown.append((match.confidence, gold.get(match.claim_id) == match.stance))
    for claim_id in hits:
        report.stance_pairs.append((gold[claim_id], alerts[claim_id].stance))
        report.per_claim_stance.setdefault(claim_id, []).append(
            gold[claim_id] == alerts[claim_id].stance
        )


def format_report(report: EvalReport) -> str:
    p = report.pairs
    contra = report.stance_counts("contradicts")
    lines = [
        f"matcher: {report.mode}   items: {report.items}   unlabeled: {report.unlabeled}",
        "",
        f"pairs (alert level)   precision {p.precision:.3f}  recall {p.recall:.3f}  "
        f"F1 {p.f1:.3f}   (gold {p.gold}, predicted {p.predicted}, correct {p.hits})",
        f"pairs (digest level)  precision {report.digest_pairs.precision:.3f}  "
        f"recall {report.digest_pairs.recall:.3f}  F1 {report.digest_pairs.f1:.3f}",
        f"stance on correct pairs: accuracy {report.stance_accuracy:.3f}  "
        f"macro-F1 {report.stance_macro_f1:.3f}   "
        f"contradicts precision {contra.precision:.3f} recall {contra.recall:.3f}",
        f"unlabeled items alerting: {report.unlabeled_alerting}/{report.unlabeled} "
        f"({100 * report.unlabeled_alert_share:.1f}%)",
        f"Russian and Chinese items (digest level): recall {report.foreign_pairs.recall:.3f} "
        f"(gold {report.foreign_pairs.gold}, listed {report.foreign_pairs.predicted}, "
        f"correct {report.foreign_pairs.hits})",
        f"calibration error of the shown confidence: {report.calibration_error:.3f} "
        f"over {len(report.shown)} listed matches",
        "",
        f"{'claim':<34} {'gold':>4} {'pred':>4} {'hit':>4} "
        f"{'P':>6} {'R':>6} {'F1':>6} {'stance':>7}",
    ]
    for claim_id in sorted(report.per_claim):
        c = report.per_claim[claim_id]
        stance = report.per_claim_stance.get(claim_id) or []
        accuracy = f"{sum(stance) / len(stance):.2f}" if stance else "-"
        lines.append(
            f"{claim_id:<34} {c.gold:>4} {c.predicted:>4} {c.hits:>4} "
            f"{c.precision:>6.2f} {c.recall:>6.2f} {c.f1:>6.2f} {accuracy:>7}"
        )
    lines.append("")
    lines.append("reliability (listed matches): confidence bin, mean shown, share right, matches")
    for low, mean, right, n in report.reliability():
        lines.append(f"  {low:.1f}-{low + 0.1:.1f}   {mean:.2f}   {right:.2f}   {n}")
    lines.append("")
    lines.append("stance confusion (rows gold, columns predicted):")
    lines.append(f"{'':<12}" + "".join(f"{s:>13}" for s in STANCES))
    for gold in STANCES:
        row = [sum(g == gold and q == pred for g, q in report.stance_pairs) for pred in STANCES]
        lines.append(f"{gold:<12}" + "".join(f"{n:>13}" for n in row))
    return "\n".join(lines)
