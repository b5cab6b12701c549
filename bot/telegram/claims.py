"""/claims [theme] and /claim ID: what is tracked and the evidence so far."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from telegram import Update

from bot.deliver.render import escape, format_time, link
from bot.domain import DEFAULT_TIMEZONE, STANCE_LABELS, Claim, StoredMatch, Subscriber, Tally
from bot.storage.claims import claim_tallies, get_claim, list_claims
from bot.storage.matches import latest_matches
from bot.storage.subscribers import get_subscriber
from bot.telegram.arguments import plain_name, shown
from bot.telegram.chat import Callbacks, ChatKey, Ctx, chat_key, reply
from bot.telegram.context import BotContext
from bot.telegram.keyboards import claim_keyboard, claims_keyboard

LATEST = 5


def tally_line(tally: Tally | None) -> str:
    return (tally or Tally()).words()


def render_claim_list(claims: Sequence[Claim], tallies: Mapping[str, Tally]) -> str:
    lines: list[str] = []
    theme = None
    for claim in claims:
        if claim.theme != theme:
            theme = claim.theme
            lines.append(f"\n<b>{escape(theme)}</b>")
        lines.append(
            f"<code>{escape(claim.id)}</code> — {escape(claim.label)} "
            f"<i>({tally_line(tallies.get(claim.id))})</i>"
        )
    lines.append("\nOpen one with /claim ID.")
    return "\n".join(lines).strip()


def render_claim(
    claim: Claim, tally: Tally | None, matches: Sequence[StoredMatch], timezone: str
) -> str:
    lines = [
        f"<b>{escape(claim.id)}</b> · theme <code>{escape(claim.theme)}</code> · {claim.kind}",
        escape(claim.text),
    ]
    if claim.deadline:
        lines.append(f"Deadline: {claim.deadline.isoformat()}")
    lines.append(f"Evidence so far: {tally_line(tally)}.")
    if matches:
        lines.append("\n<b>Latest developments</b>")
        for match in matches:
            lines.append(
                f"• {link(match.link, match.title)} — {STANCE_LABELS[match.stance]} "
                f"({format_time(match.published_at, timezone)})"
            )
    else:
        lines.append("No developments yet.")
    return "\n".join(lines)


def did_you_mean(names: Sequence[str]) -> str:
    """ "Did you mean <code>a</code> or <code>b</code>?", or "" when there is nothing close."""
    if not names:
        return ""
    return "Did you mean " + " or ".join(f"<code>{escape(n)}</code>" for n in names) + "?"


def find_claim_id(text: str, claim_ids: Sequence[str]) -> tuple[str | None, list[str]]:
    """The claim id `text` names (any case), or None and the closest ids."""
    by_lower = {c.lower(): c for c in claim_ids}
    if text.lower() in by_lower:
        return by_lower[text.lower()], []
    if not plain_name(text):  # no id looks like this; spare difflib a long text
        return None, []
    close = difflib.get_close_matches(text.lower(), by_lower, n=3, cutoff=0.5)
    return None, [by_lower[c] for c in close]


async def show_claim(ctx: BotContext, update: Update, key: ChatKey, claim_id: str) -> None:
    """Send one claim in full, with buttons to follow or mute it."""
    async with ctx.sessions() as session:
        # Button data is input too: only a plausible id reaches the database.
        claim = await get_claim(session, claim_id) if plain_name(claim_id) else None
        if claim is None:
            await reply(
                update,
                f"There is no claim <code>{escape(shown(claim_id))}</code>; /claims lists them.",
            )
            return
        tallies = await claim_tallies(session)
        matches = await latest_matches(session, claim.id, limit=LATEST)
        subscriber: Subscriber | None = await get_subscriber(
            session, chat_id=key.chat_id, thread_id=key.thread_id
        )
    timezone = subscriber.timezone if subscriber else DEFAULT_TIMEZONE
    text = render_claim(claim, tallies.get(claim.id), matches, timezone)
    await reply(update, text, claim_keyboard(claim, subscriber))


async def show_theme(ctx: BotContext, update: Update, key: ChatKey, theme: str) -> None:
    async with ctx.sessions() as session:
        claims = [c for c in await list_claims(session) if c.theme == theme]
        tallies = await claim_tallies(session)
        subscriber = await get_subscriber(session, chat_id=key.chat_id, thread_id=key.thread_id)
    if not claims:
        await reply(
            update,
            f"No claims under <code>{escape(shown(theme))}</code>; /themes lists the themes.",
        )
        return
    await reply(update, render_claim_list(claims, tallies), claims_keyboard(claims, subscriber))


def claim_commands(ctx: BotContext) -> Callbacks:
    async def claims(update: Update, context: Ctx) -> None:
        wanted = " ".join(context.args or []).strip()
        async with ctx.sessions() as session:
            every = await list_claims(session)
            tallies = await claim_tallies(session)
        if not every:
            await reply(update, "No claims are tracked yet.")
            return
        if wanted:
            themes = sorted({c.theme for c in every})
            by_lower = {t.lower(): t for t in themes}
            if wanted.lower() not in by_lower:
                close = (
                    difflib.get_close_matches(wanted.lower(), by_lower, n=3, cutoff=0.5)
                    if plain_name(wanted)
                    else []
                )
                hint = did_you_mean([by_lower[c] for c in close]) or "/themes lists them."
                await reply(update, f"There is no theme “{escape(shown(wanted))}”. {hint}")
                return
            every = [c for c in every if c.theme == by_lower[wanted.lower()]]
        await reply(update, render_claim_list(every, tallies))

    async def claim(update: Update, context: Ctx) -> None:
        wanted = " ".join(context.args or []).strip()
        if not wanted:
            await reply(
                update, "Use /claim ID, for example /claim trump-xi-visit; /claims lists the ids."
            )
            return
        async with ctx.sessions() as session:
            ids = [c.id for c in await list_claims(session, include_retired=True)]
        found, close = find_claim_id(wanted, ids)
        if found is None:
            hint = did_you_mean(close) or "/claims lists them."
            await reply(update, f"There is no claim “{escape(shown(wanted))}”. {hint}")
            return
        await show_claim(ctx, update, chat_key(update), found)

    return {"claims": claims, "claim": claim}
