"""CLI: `match` scores a JSONL file of items, `eval` measures the matcher on a labeled file.

Both read claims.yaml directly and need no database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.claims_file import load_claims_file
from bot.config import Settings
from bot.domain import Match
from bot.match.dataset import LabeledItem, labeled_files, load_labeled, parse_lines, select
from bot.match.evaluate import evaluate, format_report
from bot.match.loco import format_left_out, leave_one_claim_out
from bot.match.service import Matcher, load_matcher


def register(commands: argparse._SubParsersAction[Any]) -> None:
    match = commands.add_parser(
        "match", help="score news items from a JSONL file against the claims"
    )
    match.add_argument("--input", required=True, type=Path, help="JSONL: id, title, summary, lang")
    match.add_argument("--output", type=Path, help="write JSONL here (default: standard output)")
    match.add_argument("--all", action="store_true", help="list digest-level matches too")
    _common(match)
    match.set_defaults(handler=run_match)
    ev = commands.add_parser("eval", help="measure the matcher on labeled news")
    ev.add_argument(
        "file", type=Path, nargs="?", help="labeled JSONL (the format of eval/labeled/*.jsonl)"
    )
    ev.add_argument(
        "--split",
        choices=("train", "dev", "test"),
        help="instead of a file, that split of eval/labeled (test: only for final numbers)",
    )
    ev.add_argument(
        "--loco",
        action="store_true",
        help="also refit without each claim in turn and measure it as a new claim (slow)",
    )
    _common(ev)
    ev.set_defaults(handler=run_eval)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--claims", type=Path, help="claims file (default: CLAIMWATCH_CLAIMS)")
    parser.add_argument(
        "--matcher", choices=("hybrid", "lexical"), help="override CLAIMWATCH_MATCHER"
    )


async def _matcher(args: argparse.Namespace, settings: Settings) -> Matcher:
    claims = load_claims_file(args.claims or settings.claims_path)
    if args.matcher:
        settings = settings.model_copy(update={"matcher": args.matcher})
    return await load_matcher(settings, claims)


def read_items(path: Path) -> tuple[list[LabeledItem], list[str]]:
    """Items of a JSONL file and one sentence per line that could not be read."""
    items: list[LabeledItem] = []
    problems: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        return [], [f"{path}: cannot read the file ({err.__class__.__name__})"]
    for number, parsed in parse_lines(lines):
        if isinstance(parsed, str):
            problems.append(f"{path}:{number}: {parsed}, skipped")
        else:
            items.append(parsed)
    return items, problems


def match_record(item_id: str, matches: list[Match], *, include_digest: bool) -> dict[str, Any]:
    listed = [m for m in matches if include_digest or m.level == "alert"]
    return {
        "id": item_id,
        "matches": [
            {
                "claim": m.claim_id,
                "score": round(m.score, 4),
                "stance": m.stance,
                "level": m.level,
                "confidence": m.confidence,
                "why": {
                    "sentence": m.why.sentence,
                    "matched": m.why.matched_text,
                    "shared_words": list(m.why.shared_words),
                    "lexical": m.why.lexical,
                    "semantic": m.why.semantic,
                },
            }
            for m in listed
        ],
    }


async def run_match(args: argparse.Namespace, settings: Settings) -> int:
    items, problems = read_items(args.input)
    for problem in problems:
        print(f"claimwatch: {problem}", file=sys.stderr)
    if not items and problems:
        return 1
    matcher = await _matcher(args, settings)
    results = matcher.score_items([i.item for i in items])
    out: TextIO
    with args.output.open("w", encoding="utf-8") if args.output else _Stdout() as out:
        for labeled, matches in zip(items, results, strict=True):
            record = match_record(labeled.id, matches, include_digest=args.all)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


async def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    if (args.file is None) == (args.split is None):
        print("claimwatch: eval needs a labeled file or --split, not both", file=sys.stderr)
        return 2
    if args.split:
        items = select(load_labeled(labeled_files()), args.split)
        source = f"the {args.split} split of eval/labeled"
    else:
        items, problems = read_items(args.file)
        for problem in problems:
            print(f"claimwatch: {problem}", file=sys.stderr)
        source = str(args.file)
    if not items:
        print(f"claimwatch: no items to evaluate in {source}", file=sys.stderr)
        return 1
    matcher = await _matcher(args, settings)
    print(f"{source}: {len(items)} items")
    print(format_report(evaluate(matcher, items)))
    if args.loco:
        if matcher.embedder is None:
            print("claimwatch: --loco measures the hybrid matcher", file=sys.stderr)
            return 2
        train_items = select(load_labeled(labeled_files()), "train")
        for kind in ("bare", "plain"):
            c = float(matcher.model.meta.get("c", {}).get(kind, 0.1))
            results = await asyncio.to_thread(
                leave_one_claim_out,
                matcher.claims,
                train_items,
                items,
                matcher.embedder,
                kind=kind,
                c=c,
            )
            print()
            print(format_left_out(results, kind))
    return 0


class _Stdout:
    """Standard output as a context manager that does not close it."""

    def __enter__(self) -> TextIO:
        return sys.stdout

    def __exit__(self, *exc: object) -> None:
        sys.stdout.flush()
