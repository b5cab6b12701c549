"""The labeled news the matcher is trained and measured on, and the fixed rule that splits it.

Every labeled file under eval/labeled/ is split item by item by a hash of the item's id: 60% train,
20% dev, 20% test. The rule never changes, so an item stays in its split however the files grow.
eval/written-b.jsonl is outside the rule: it is a test set only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, cast, get_args

from bot.domain import Claim, Stance
from bot.match.features import ItemText

Split = Literal["train", "dev", "test"]
LABELED_DIR = Path(__file__).resolve().parents[2] / "eval" / "labeled"


@dataclass(frozen=True, slots=True)
class LabeledItem:
    id: str
    item: ItemText
    labels: dict[str, Stance]


def split_of(item_id: str) -> Split:
    bucket = int(hashlib.sha256(item_id.encode("utf-8")).hexdigest()[:8], 16) % 10
    return "train" if bucket < 6 else "dev" if bucket < 8 else "test"


def parse_labeled_line(record: object) -> LabeledItem | None:
    """One labeled item from a decoded JSON line; None when it has no text title."""
    if not isinstance(record, dict) or not isinstance(record.get("title"), str):
        return None
    labels: dict[str, Stance] = {}
    for label in record.get("labels") or []:
        if isinstance(label, dict) and label.get("stance") in get_args(Stance):
            labels[str(label.get("claim"))] = cast(Stance, label["stance"])
    summary = record.get("summary")
    lang = record.get("lang")
    return LabeledItem(
        id=str(record.get("id")),
        item=ItemText(
            record["title"],
            summary if isinstance(summary, str) else "",
            lang if isinstance(lang, str) else None,
        ),
        labels=labels,
    )


def labeled_files(directory: Path = LABELED_DIR) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def load_labeled(paths: Iterable[Path]) -> list[LabeledItem]:
    items = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = parse_labeled_line(json.loads(line))
                if item is not None:
                    items.append(item)
    return items


def select(items: Sequence[LabeledItem], *splits: Split) -> list[LabeledItem]:
    return [i for i in items if split_of(i.id) in splits]


def data_hash(paths: Iterable[Path], claims_file: Path) -> str:
    """What a trained model depends on: the labeled files and the claims file, byte for byte."""
    digest = hashlib.sha256()
    for path in [*sorted(paths), claims_file]:
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def bare(claim: Claim) -> Claim:
    """The claim as `claimwatch claims add` makes it from a text alone: no hypotheses, aliases,
    keyword groups or cues. The model learns to match these too."""
    return replace(
        claim,
        aliases=(),
        supports=(),
        contradicts=(),
        keywords_all=(),
        keywords_none=(),
        cues_support=(),
        cues_contradict=(),
    )
