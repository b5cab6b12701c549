"""claims.yaml: load and validate the claims; errors name the file, the line and the problem."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, cast

from bot.domain import Claim
from bot.errors import ConfigFileError
from bot.yamlfile import LineDict, LineList, load_yaml, parse_yaml, shorten

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
KINDS = ("forecast", "assessment")
KNOWN_KEYS = {
    "id",
    "text",
    "short",
    "theme",
    "kind",
    "deadline",
    "aliases",
    "supports",
    "contradicts",
    "keywords",
    "cues",
}
SHORT_MAX = 60

Problems = list[tuple[int | None, str]]


def load_claims_file(path: Path) -> list[Claim]:
    """Read `path` and return its claims; raise ConfigFileError listing every problem found."""
    return parse_claims(load_yaml(path), str(path))


def parse_claims_text(text: str, name: str = "claims.yaml") -> list[Claim]:
    return parse_claims(parse_yaml(text, name), name)


def parse_claims(document: Any, name: str) -> list[Claim]:
    problems: Problems = []
    if not isinstance(document, LineDict) or not isinstance(document.get("claims"), LineList):
        line = document.line if isinstance(document, LineDict) else None
        raise ConfigFileError(name, [(line, "expected a top-level 'claims:' list")])
    items: LineList = document["claims"]
    claims: list[Claim] = []
    seen: dict[str, int] = {}
    for item, line in zip(items, items.item_lines, strict=True):
        claim = _parse_claim(item, line, problems)
        if claim is None:
            continue
        if claim.id in seen:
            problems.append(
                (line, f"duplicate claim id {shorten(claim.id)} (first on line {seen[claim.id]})")
            )
            continue
        seen[claim.id] = line
        claims.append(claim)
    if problems:
        raise ConfigFileError(name, problems)
    return claims


def _parse_claim(item: Any, line: int, problems: Problems) -> Claim | None:
    if not isinstance(item, LineDict):
        problems.append((line, "each claim must be a mapping with id, text, theme and kind"))
        return None
    before = len(problems)
    for key in item:
        if key not in KNOWN_KEYS:
            problems.append((item.line_of(key), f"unknown key {shorten(key)}"))
    claim_id = _text(item, "id", problems, required=True)
    if claim_id and not SLUG.match(claim_id):
        problems.append(
            (item.line_of("id"), f"id {shorten(claim_id)} must be a lowercase slug (a-z, 0-9, -)")
        )
    text = _text(item, "text", problems, required=True)
    theme = _text(item, "theme", problems, required=True)
    if theme and not SLUG.match(theme):
        problems.append((item.line_of("theme"), f"theme {shorten(theme)} must be a lowercase slug"))
    short = _text(item, "short", problems) or ""
    if len(short) > SHORT_MAX:
        problems.append(
            (item.line_of("short"), f"short is {len(short)} characters; keep it under {SHORT_MAX}")
        )
    kind = _text(item, "kind", problems, required=True)
    if kind and kind not in KINDS:
        problems.append(
            (item.line_of("kind"), f"kind must be forecast or assessment, not {shorten(kind)}")
        )
    deadline = _deadline(item, problems)
    if deadline and kind == "assessment":
        problems.append((item.line_of("deadline"), "only forecasts have a deadline"))
    aliases = _strings(item, "aliases", problems)
    supports = _strings(item, "supports", problems)
    contradicts = _strings(item, "contradicts", problems)
    keywords_all, keywords_none = _keywords(item, problems)
    cues_support, cues_contradict = _cues(item, problems)
    if len(problems) > before or not (claim_id and text and theme and kind):
        return None
    return Claim(
        id=claim_id,
        text=text,
        theme=theme,
        kind=cast(Literal["forecast", "assessment"], kind),
        short=short,
        deadline=deadline,
        aliases=aliases,
        supports=supports,
        contradicts=contradicts,
        keywords_all=keywords_all,
        keywords_none=keywords_none,
        cues_contradict=cues_contradict,
        cues_support=cues_support,
    )


def _text(item: LineDict, key: str, problems: Problems, *, required: bool = False) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            problems.append((item.line, f"missing {key!r}"))
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append((item.line_of(key), f"{key} must be non-empty text"))
        return None
    return " ".join(value.split())


def _deadline(item: LineDict, problems: Problems) -> date | None:
    value = item.get("deadline")
    # A datetime is a date too, but cannot be compared with one later on.
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(
        (item.line_of("deadline"), f"deadline must be a date like 2026-04-30, not {shorten(value)}")
    )
    return None


def _string_list(value: Any, line: int, what: str, problems: Problems) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append((line, f"{what} must be a list of non-empty texts"))
        return ()
    return tuple(" ".join(v.split()) for v in value)


def _strings(item: LineDict, key: str, problems: Problems) -> tuple[str, ...]:
    if item.get(key) is None:
        return ()
    return _string_list(item[key], item.line_of(key), key, problems)


def _keywords(
    item: LineDict, problems: Problems
) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    value = item.get("keywords")
    if value is None:
        return (), ()
    line = item.line_of("keywords")
    if not isinstance(value, LineDict) or set(value) - {"all", "none"}:
        problems.append((line, "keywords must be a mapping with 'all' and/or 'none'"))
        return (), ()
    groups: list[tuple[str, ...]] = []
    raw_all = value.get("all") or []
    if not isinstance(raw_all, list):
        problems.append((value.line_of("all"), "keywords.all must be a list of word lists"))
        raw_all = []
    for group in raw_all:
        # A bare word is a group of one.
        words = [group] if isinstance(group, str) else group
        groups.append(
            tuple(
                w.lower()
                for w in _string_list(words, value.line_of("all"), "keywords.all groups", problems)
            )
        )
    none = _string_list(value.get("none") or [], value.line_of("none"), "keywords.none", problems)
    return tuple(groups), tuple(w.lower() for w in none)


def _cues(item: LineDict, problems: Problems) -> tuple[tuple[str, ...], tuple[str, ...]]:
    value = item.get("cues")
    if value is None:
        return (), ()
    if not isinstance(value, LineDict) or set(value) - {"support", "contradict"}:
        problems.append(
            (item.line_of("cues"), "cues must be a mapping with 'support' and/or 'contradict'")
        )
        return (), ()
    support = _string_list(
        value.get("support") or [], value.line_of("support"), "cues.support", problems
    )
    contradict = _string_list(
        value.get("contradict") or [], value.line_of("contradict"), "cues.contradict", problems
    )
    return tuple(w.lower() for w in support), tuple(w.lower() for w in contradict)
