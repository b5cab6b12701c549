"""Command arguments come from strangers: bound and check them before anything else sees them.

Parsers raise `ArgumentError`, whose message is one sentence to show as it is (the caller escapes
it); any of the user's own text it quotes goes through `shown`, so the answer stays one short line
however long or strange the input.
"""

from __future__ import annotations

from bot.ingest.normalize import remove_controls
from bot.storage.subscriptions import is_plain

SHOWN = 40  # characters of the user's own text quoted back in an answer
MAX_NAME = 80  # a claim id or theme (the claims table's columns)


class ArgumentError(ValueError):
    """A command's arguments cannot be used; the message is one sentence for the chat."""


def shown(text: str, limit: int = SHOWN) -> str:
    """`text` as one short line to quote back: invisible characters dropped, spaces collapsed."""
    line = " ".join(remove_controls(text[: limit * 2]).split())
    return line if len(line) <= limit and len(text) <= limit * 2 else line[: limit - 1] + "…"


def plain_name(text: str) -> bool:
    """True when `text` could be a claim id or theme: short, one word, ordinary characters."""
    return 0 < len(text) <= MAX_NAME and is_plain(text) and len(text.split()) == 1
