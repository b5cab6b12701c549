"""The labeled news the matcher is trained and measured on, and the fixed rule that splits it.

Every labeled file under eval/labeled/ is split item by item by a hash of the item's id: 60% train,
20% dev, 20% test. The rule never changes, so an item stays in its split however the files grow.
eval/written-b.jsonl is outside the rule: it is a test set only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, cast, get_args

from bot.domain import Claim, Stance
from bot.errors import ConfigFileError
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


def parse_labeled_line(record: object, *, fallback_id: str) -> LabeledItem | str:
    """One labeled item from a decoded JSON line, or the sentence saying why it is not one."""
    if not isinstance(record, dict) or not isinstance(record.get("title"), str):
        return "an item needs at least a text 'title'"
    raw_labels = record.get("labels") or []
    if not isinstance(raw_labels, list):
        return "'labels' must be a list of {claim, stance}"
    labels: dict[str, Stance] = {}
    for label in raw_labels:
        if isinstance(label, dict) and label.get("stance") in get_args(Stance):
            labels[str(label.get("claim"))] = cast(Stance, label["stance"])
    summary = record.get("summary")
    lang = record.get("lang")
    item_id = record.get("id")
    return LabeledItem(
        id=str(item_id) if item_id is not None else fallback_id,
        item=ItemText(
            record["title"],
            summary if isinstance(summary, str) else "",
            lang if isinstance(lang, str) else None,
        ),
        labels=labels,
    )


def parse_lines(lines: Iterable[str]) -> Iterator[tuple[int, LabeledItem | str]]:
    """Each non-blank line's item, or why it is not one; its line number is its fallback id."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            yield number, "not valid JSON"
            continue
        yield number, parse_labeled_line(record, fallback_id=str(number))


def labeled_files(directory: Path = LABELED_DIR) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def load_labeled(paths: Iterable[Path]) -> list[LabeledItem]:
    """Every item of the files; a line that is not a labeled item stops with file:line, since
    training on part of a file would quietly change the model."""
    items = []
    for path in paths:
        problems: list[tuple[int | None, str]] = []
        for number, parsed in parse_lines(path.read_text(encoding="utf-8").splitlines()):
            if isinstance(parsed, str):
                problems.append((number, parsed))
            else:
                items.append(parsed)
        if problems:
            raise ConfigFileError(str(path), problems[:20])
    return items


def select(items: Sequence[LabeledItem], *splits: Split) -> list[LabeledItem]:
    return [i for i in items if split_of(i.id) in splits]


MATCHER_FIELDS = ("id", "text", "aliases", "supports", "contradicts", "keywords_all",
                  "keywords_none", "cues_support", "cues_contradict")  # fmt: skip


def data_hash(paths: Iterable[Path], claims: Sequence[Claim]) -> str:
    """What a trained model depends on: the labeled files byte for byte, and what the matcher
    reads of each claim (not its short title, theme or deadline, which it never sees)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    for claim in claims:
        fields = {name: getattr(claim, name) for name in MATCHER_FIELDS}
        digest.update(json.dumps(fields, ensure_ascii=False).encode("utf-8"))
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
