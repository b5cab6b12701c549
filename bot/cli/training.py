"""CLI: `train` fits the matcher from the labeled files and writes bot/match/model.json."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.claims_file import load_claims_file
from bot.config import Settings
from bot.match.dataset import data_hash, labeled_files, load_labeled, select
from bot.match.embed import MiniLMEmbedder
from bot.match.model import MODEL_PATH
from bot.match.train import train

TOLERANCE = 1e-3  # weights may differ in the last digits between CPUs; more is a real change


def register(commands: argparse._SubParsersAction[Any]) -> None:
    parser = commands.add_parser(
        "train", help="fit the matcher from the labeled files (eval/labeled) and write its model"
    )
    parser.add_argument("--claims", type=Path, help="claims file (default: CLAIMWATCH_CLAIMS)")
    parser.add_argument(
        "--output", type=Path, default=MODEL_PATH, help=f"where to write (default: {MODEL_PATH})"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail when the committed model differs from a fresh fit",
    )
    parser.set_defaults(handler=run_train)


def fit_model(claims_path: Path) -> dict[str, Any]:
    files = labeled_files()
    claims = load_claims_file(claims_path)
    items = select(load_labeled(files), "train")
    return train(
        claims,
        items,
        MiniLMEmbedder(),
        data_hash=data_hash(files, claims),
        files=[f.name for f in files],
    )


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Where two model files differ beyond the float tolerance."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = [f"{path}/{k}: only in one" for k in old.keys() ^ new.keys()]
        for key in sorted(old.keys() & new.keys()):
            found += differences(old[key], new[key], f"{path}/{key}")
        return found
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{path}: {len(old)} values, now {len(new)}"]
        return [d for n, (a, b) in enumerate(zip(old, new, strict=True))
                for d in differences(a, b, f"{path}/{n}")]  # fmt: skip
    if isinstance(old, float) and isinstance(new, float | int):
        return [] if abs(old - new) <= TOLERANCE else [f"{path}: {old} -> {new}"]
    return [] if old == new else [f"{path}: {old!r} -> {new!r}"]


async def run_train(args: argparse.Namespace, settings: Settings) -> int:
    claims_path = args.claims or settings.claims_path
    # Through JSON and back, so the comparison sees what the file would hold.
    model = json.loads(json.dumps(await asyncio.to_thread(fit_model, claims_path)))
    if args.check:
        committed = json.loads(args.output.read_text(encoding="utf-8"))
        found = differences(committed, model)
        if found:
            print(
                f"claimwatch: {args.output} is not what `claimwatch train` fits now:",
                file=sys.stderr,
            )
            for line in found[:20]:
                print(f"  {line}", file=sys.stderr)
            return 1
        print(f"{args.output} matches a fresh fit (data {model['data_hash'][:12]})")
        return 0
    args.output.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    for name, profile in model["profiles"].items():
        print(f"{name}: levels {profile['levels']}")
    print(f"wrote {args.output} (data {model['data_hash'][:12]})")
    return 0
