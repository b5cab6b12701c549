"""CLI: `claimwatch claims list | show ID | add | edit ID | retire ID | sync`."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from typing import Any

from bot.claims_file import KINDS, SLUG, load_claims_file
from bot.cli.database import open_database
from bot.cli.output import fail
from bot.config import Settings
from bot.domain import Claim, Tally
from bot.storage.claims import (
    ClaimExistsError,
    add_claim,
    claim_tallies,
    edit_claim,
    get_claim,
    list_claims,
    retire_claim,
    sync_claims,
)
from bot.storage.matches import latest_matches


def register(commands: argparse._SubParsersAction[Any]) -> None:
    claims = commands.add_parser("claims", help="list, show, add, edit and retire claims")
    actions = claims.add_subparsers(dest="claims_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every active claim with its evidence tally")
    listing.add_argument("--all", action="store_true", help="include retired claims")
    listing.set_defaults(handler=list_command)
    show = actions.add_parser("show", help="a claim, its tally and latest developments")
    show.add_argument("claim_id", metavar="ID")
    show.set_defaults(handler=show_command)
    add = actions.add_parser("add", help="track a new claim (kept when claims.yaml is synced)")
    add.add_argument("claim_id", metavar="ID", help="a slug like russia-gas-deal")
    add.add_argument("--text", required=True)
    add.add_argument("--theme", required=True)
    add.add_argument("--kind", choices=KINDS, default="assessment")
    _definition_flags(add)
    add.set_defaults(handler=add_command)
    edit = actions.add_parser("edit", help="change a claim; the old version is kept")
    edit.add_argument("claim_id", metavar="ID")
    edit.add_argument("--text")
    edit.add_argument("--theme")
    edit.add_argument("--kind", choices=KINDS)
    _definition_flags(edit)
    edit.set_defaults(handler=edit_command)
    retire = actions.add_parser("retire", help="stop tracking a claim; its history stays")
    retire.add_argument("claim_id", metavar="ID")
    retire.set_defaults(handler=retire_command)
    actions.add_parser("sync", help="apply claims.yaml to the database now").set_defaults(
        handler=sync_command
    )


# Bounds on keyword groups from the command line, as claims.yaml's are bounded by its size.
MAX_GROUPS = 6
MAX_GROUP_WORDS = 60
MAX_KEYWORD_LENGTH = 60


def _definition_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--short", help="a label of up to ~60 characters for Telegram lists")
    parser.add_argument("--deadline", type=date.fromisoformat, help="forecasts: YYYY-MM-DD")
    parser.add_argument("--alias", action="append", help="another name of an actor (repeatable)")
    parser.add_argument(
        "--support",
        action="append",
        help="news that would support it (repeatable; edit replaces the list)",
    )
    parser.add_argument(
        "--contradict",
        action="append",
        help="news that would contradict it (repeatable; edit replaces the list)",
    )
    parser.add_argument(
        "--keywords",
        action="append",
        metavar="WORD,WORD,…",
        help="one keyword group, its words separated by commas, e.g. 'china,beijing,xi' "
        "(repeatable: actor, counterpart, topic; edit replaces the groups). With groups, a claim "
        "is matched by the stronger model of claims.yaml claims (docs/matching.md)",
    )


async def list_command(args: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings) as sessions, sessions() as session:
        claims = await list_claims(session, include_retired=args.all)
        tallies = await claim_tallies(session)
    if not claims:
        print("no claims yet: run `claimwatch claims sync` or `claimwatch claims add`")
        return 0
    print(f"{'id':<34} {'theme':<24} {'kind':<10} {'v':>2} {'+':>4} {'-':>4} {'~':>4}  short")
    for claim in claims:
        t = tallies.get(claim.id, Tally())
        state = "" if claim.active else " (retired)"
        print(
            f"{claim.id:<34} {claim.theme:<24} {claim.kind:<10} {claim.version:>2} "
            f"{t.supports:>4} {t.contradicts:>4} {t.related:>4}  {claim.label}{state}"
        )
    return 0


async def show_command(args: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings) as sessions, sessions() as session:
        claim = await get_claim(session, args.claim_id)
        if claim is None:
            return fail(f"no claim with id {args.claim_id!r}")
        tally = (await claim_tallies(session)).get(claim.id, Tally())
        latest = await latest_matches(session, claim.id, limit=5)
    print(
        f"{claim.id} (v{claim.version}, {claim.kind}, theme {claim.theme})"
        + ("" if claim.active else " — retired")
    )
    print(claim.text)
    if claim.deadline:
        print(f"deadline: {claim.deadline.isoformat()}")
    print(f"hypotheses: {len(claim.supports)} support, {len(claim.contradicts)} contradict")
    print(f"evidence: {tally.words()}")
    if latest:
        print("latest developments:")
    for match in latest:
        sources = ", ".join(match.sources) or "?"
        print(
            f"  {match.published_at:%Y-%m-%d} {match.stance:<11} {match.score:.2f}  "
            f"{match.title}  [{sources}] {match.link or ''}".rstrip()
        )
    return 0


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in ("text", "theme", "kind", "short", "deadline"):
        value = getattr(args, name, None)
        if value is not None:
            changes[name] = " ".join(value.split()) if isinstance(value, str) else value
    for flag, field in (
        ("alias", "aliases"),
        ("support", "supports"),
        ("contradict", "contradicts"),
    ):
        values = getattr(args, flag, None)
        if values:
            changes[field] = tuple(" ".join(v.split()) for v in values if v.strip())
    if getattr(args, "keywords", None):
        changes["keywords_all"] = tuple(
            tuple(dict.fromkeys(" ".join(w.split()).lower() for w in group.split(",") if w.strip()))
            for group in args.keywords
        )
    return changes


def _check(changes: dict[str, Any]) -> str | None:
    if "theme" in changes and not SLUG.match(changes["theme"]):
        return f"theme {changes['theme']!r} must be a lowercase slug (a-z, 0-9, -)"
    if "text" in changes and not changes["text"]:
        return "the text must not be empty"
    groups = changes.get("keywords_all", ())
    if len(groups) > MAX_GROUPS:
        return f"at most {MAX_GROUPS} keyword groups, not {len(groups)}"
    for group in groups:
        if not group:
            return "a keyword group needs at least one word (--keywords 'china,beijing')"
        if len(group) > MAX_GROUP_WORDS or any(len(w) > MAX_KEYWORD_LENGTH for w in group):
            return (
                f"a keyword group holds at most {MAX_GROUP_WORDS} words "
                f"of at most {MAX_KEYWORD_LENGTH} characters"
            )
    return None


async def add_command(args: argparse.Namespace, settings: Settings) -> int:
    if not SLUG.match(args.claim_id):
        return fail(f"id {args.claim_id!r} must be a lowercase slug (a-z, 0-9, -)")
    changes = _changes(args)
    if problem := _check(changes):
        return fail(problem)
    claim = Claim(id=args.claim_id, **changes)
    async with open_database(settings) as sessions, sessions() as session, session.begin():
        try:
            await add_claim(session, claim, now=datetime.now(UTC))
        except ClaimExistsError as err:
            return fail(str(err))
    print(f"added {claim.id}")
    return 0


async def edit_command(args: argparse.Namespace, settings: Settings) -> int:
    changes = _changes(args)
    if not changes:
        return fail("nothing to change: give --text, --theme, --short, --support …")
    if problem := _check(changes):
        return fail(problem)
    async with open_database(settings) as sessions, sessions() as session, session.begin():
        claim = await edit_claim(session, args.claim_id, now=datetime.now(UTC), **changes)
    if claim is None:
        return fail(f"no claim with id {args.claim_id!r}")
    print(f"{claim.id} is now version {claim.version}")
    return 0


async def retire_command(args: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings) as sessions, sessions() as session, session.begin():
        found = await retire_claim(session, args.claim_id, now=datetime.now(UTC))
    if not found:
        return fail(f"no claim with id {args.claim_id!r}")
    print(f"retired {args.claim_id}; its matches and versions are kept")
    return 0


async def sync_command(args: argparse.Namespace, settings: Settings) -> int:
    claims = load_claims_file(settings.claims_path)
    async with open_database(settings) as sessions, sessions() as session, session.begin():
        report = await sync_claims(session, claims, now=datetime.now(UTC))
    print(
        f"claims: {len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.retired)} retired, {len(report.revived)} revived, "
        f"{report.unchanged} unchanged"
    )
    return 0
