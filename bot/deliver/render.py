"""Telegram HTML for alerts: escaping, the alert layout, and splitting long messages.

Everything that comes from a feed or a claim passes through `escape` / `escape_attr`
before it is placed in markup. Splitting never cuts inside a tag or an entity, and tags
open at a cut are closed at the end of one part and reopened at the start of the next.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.callback_data import Prefix, button_data, fits
from bot.domain import POSSIBLY_RELATED, STANCE_LABELS, Button, Claim, StoredMatch

TELEGRAM_LIMIT = 4096
_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|.", re.DOTALL)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)")


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def escape_attr(text: str) -> str:
    return html.escape(text, quote=True)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(text: str, *, html: bool = True) -> int:
    """UTF-16 units Telegram counts: the text without its tags, entities resolved."""
    if html:
        text = unescape(re.sub(r"<[^>]*>", "", text))
    return utf16_len(text)


def link(url: str | None, label: str) -> str:
    """An <a> element when the URL is http(s), plain escaped text otherwise."""
    if url and url.startswith(("http://", "https://")):
        return f'<a href="{escape_attr(url)}">{escape(label)}</a>'
    return escape(label)


# How sure the words sound, by the calibrated probability that the item bears on the claim in
# the stance shown (bot/match/model.py): the words and the number never disagree.
CERTAINTY_WORDS = ((0.8, "very likely"), (0.6, "likely"), (0.4, "perhaps"), (0.0, "possibly"))


def stance_words(match: StoredMatch) -> str:
    """ "likely supports (70%)": the stance, hedged as much as its probability asks."""
    percent = f"({round(match.confidence * 100)}%)"
    if match.level == "digest":  # below the alert level the stance is not worth stating
        return f"{POSSIBLY_RELATED} {percent}"
    hedge = next(words for floor, words in CERTAINTY_WORDS if match.confidence >= floor)
    return f"{hedge} {STANCE_LABELS[match.stance]} {percent}"


def _quote(text: str, limit: int) -> str:
    text = text.strip()
    return escape(text if len(text) <= limit else text[: limit - 1].rstrip() + "…")


def why_line(match: StoredMatch) -> str:
    """The item's passage that matched and the claim's example it resembles."""
    passage, example = match.why.sentence.strip(), match.why.matched_text.strip()
    parts = []
    if passage:
        parts.append(f"“{_quote(passage, 200)}”")
    if example and example != passage:
        parts.append(f"resembles “{_quote(example, 160)}”")
    return "Why: " + " ".join(parts) if parts else ""


def format_time(moment: datetime, timezone: str) -> str:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):  # a stored zone this system lacks: show UTC
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return local.strftime("%d %b %Y %H:%M ") + (local.tzname() or timezone)


def claim_heading(claim: Claim) -> str:
    return f"<b>{escape(claim.label)}</b> [{escape(claim.id)}]"


def render_alert(items: Sequence[tuple[StoredMatch, Claim]], *, timezone: str) -> str:
    """One development bearing on one or more of the chat's claims (best match first)."""
    head = items[0][0]
    sources = ", ".join(head.sources) or "unknown source"
    lines = [
        "🔔 <b>New development</b>",
        link(head.link, head.title or "(untitled)"),
        f"{escape(sources)} · {format_time(head.published_at, timezone)}",
    ]
    for match, claim in items:
        lines += [
            "",
            f"Claim: {claim_heading(claim)}",
            stance_words(match).capitalize(),
            *filter(None, [why_line(match)]),
        ]
    return "\n".join(lines)


def alert_buttons(claims: Sequence[Claim]) -> tuple[tuple[Button, ...], ...]:
    """Open / mute buttons for each claim of an alert (ids too long for callback data skipped)."""
    rows = []
    for claim in claims:
        opening, muting = button_data(Prefix.CLAIM, claim.id), button_data(Prefix.MUTE, claim.id)
        if not (fits(opening) and fits(muting)):
            continue
        suffix = f" {claim.id}" if len(claims) > 1 else ""
        rows.append((("Open claim" + suffix, opening), ("Mute this claim" + suffix, muting)))
    return tuple(rows)


def html_to_plain(text: str) -> str:
    """The readable text of our markup, for when Telegram refuses to parse it."""
    anchors = re.sub(
        r'<a\s+href="([^"]*)"[^>]*>(.*?)</a>',
        lambda m: f"{m.group(2)} ({m.group(1)})",
        text,
        flags=re.DOTALL,
    )
    return html.unescape(re.sub(r"<[^>]*>", "", anchors))


@dataclass
class _Part:
    opened: list[tuple[str, str]]  # (name, opening tag) open when the part starts
    tokens: list[str]


def _replay(stack: list[tuple[str, str]], tokens: Sequence[str]) -> list[tuple[str, str]]:
    stack = list(stack)
    for token in tokens:
        tag = _TAG.match(token) if token.startswith("<") else None
        if tag is None:
            continue
        name = tag.group(2).lower()
        if not tag.group(1):
            stack.append((name, token))
        elif stack and stack[-1][0] == name:
            stack.pop()
    return stack


def _closing(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _cut_index(tokens: Sequence[str]) -> int:
    """Where to end a part: after a line, else a sentence, else a word, else here."""
    for index in range(len(tokens) - 1, 0, -1):
        if tokens[index] == "\n":
            return index + 1
    for index in range(len(tokens) - 1, 0, -1):
        if tokens[index] == " " and tokens[index - 1] in (".", "!", "?", "…"):
            return index + 1
    for index in range(len(tokens) - 1, 0, -1):
        if tokens[index] in (" ", "\t"):
            return index + 1
    return len(tokens)


def _finish(part: _Part, upto: int) -> str:
    body = part.tokens[:upto]
    closing = _closing(_replay(part.opened, body))
    text = "".join(tag for _, tag in part.opened) + "".join(body).rstrip() + closing
    return text


def _cost(part: _Part, size: int, token: str, stack: Sequence[tuple[str, str]]) -> int:
    reopened = utf16_len("".join(tag for _, tag in part.opened))
    return reopened + size + utf16_len(token) + utf16_len(_closing(stack))


def split_message(text: str, limit: int = TELEGRAM_LIMIT, *, html: bool = True) -> list[str]:
    """Split into parts of at most `limit` UTF-16 units on line or sentence boundaries.

    With `html`, tags and entities are never cut and open tags are carried across parts.
    """
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    part = _Part(opened=[], tokens=[])
    size = 0  # UTF-16 units of the part's tokens, without reopened/closing tags
    stack: list[tuple[str, str]] = []
    # Room for a closing tag the cut point may leave open.
    budget = limit - 16 if html and "<" in text else limit
    for token in _TOKEN.findall(text) if html else list(text):
        grown = _replay(stack, [token])
        while part.tokens and _cost(part, size, token, grown) > budget:
            cut = _cut_index(part.tokens)
            parts.append(_finish(part, cut))
            opened = _replay(part.opened, part.tokens[:cut])
            rest = part.tokens[cut:]
            while rest and rest[0] in ("\n", " "):
                rest.pop(0)
            part = _Part(opened=opened, tokens=rest)
            size = sum(utf16_len(t) for t in rest)
            stack = _replay(opened, rest)
            grown = _replay(stack, [token])
        part.tokens.append(token)
        size += utf16_len(token)
        stack = grown
    last = _finish(part, len(part.tokens))
    parts.append(last)
    return [p for p in parts if (html_to_plain(p) if html else p).strip()]
