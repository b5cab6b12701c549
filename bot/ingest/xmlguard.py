"""xmlguard: feed and OPML bytes → UTF-8 XML with nothing before the root element, so no DTD.

A DTD is where entities are declared, and entities are how a small document becomes a huge
one (billion laughs, one long entity used many times) or reads a local file or an internal
URL (external entities). Feeds have no use for them, so the whole prolog is rebuilt from
nothing but an XML declaration: comments, processing instructions and any `<!DOCTYPE ...>`
before the root element are dropped before a parser sees the document.

The text is decoded with feedparser's own decoder (BOM, `<?xml` sniffing for UTF-16/32 and
EBCDIC, the declaration, the HTTP charset, then fallbacks), so the guard and the parser never
disagree about which characters the bytes are: a DTD hidden behind UTF-16 or a charset trick
is seen and dropped like any other.

The result starts `<?xml ...?>` then `<` and an ASCII letter, which is where expat's prolog
ends and where feedparser's own DOCTYPE handling (a regex over everything before the first
`<\\w`) stops looking, so neither finds a DTD however the dropped part was written. A
reference to an entity the DTD declared stays text (`&name;`), as feedparser leaves any
entity it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from feedparser.encodings import convert_to_utf8

DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"
# ASCII only: feedparser's head ends at the first `<\w`, expat's prolog at the root element.
_ROOT = re.compile(r"<[A-Za-z_]")
# What can start in a prolog: a comment, a PI, a declaration or the root; anything else is
# text (not well-formed, skipped whole).
_MARKUP = re.compile(r"<[!?A-Za-z_]")
# Runs of text, comments, PIs and bracket-free declarations, skipped in one C-level match
# (possessive: no backtracking state per item). An unterminated comment or PI stops it, once.
_SKIPPABLE = re.compile(
    r"(?:[^<]++|<(?![!?A-Za-z_])|<!--.*?-->|<\?.*?\?>"
    r"""|<!(?!--)(?:[^\[\]"'<>]|"[^"]*+"|'[^']*+')*+>)*+""",
    re.DOTALL,
)
# Real DTDs are a few tokens long; past this many the prolog is garbage, and the first tag
# is taken as the root without reading further (safe all the same, and bounded).
MAX_TOKENS = 20_000
# Inside `<!...>`: quoted strings and comments may hold `>`, `[` and `]` that end nothing.
# A run of brackets or of text is one token: the loop steps per token, not per character.
_DECLARATION_TOKEN = re.compile(
    r"""[\[\]]+|>|"[^"]*"|'[^']*'|<!--|<\?|(?:[^"'<\[\]>]|<(?!!--|\?))+"""
)


@dataclass(frozen=True, slots=True)
class GuardedXml:
    """The document as UTF-8 bytes, and what decoding and guarding found on the way."""

    body: bytes
    problem: Exception | None  # feedparser's encoding complaint, if it had one
    entities: bool  # the dropped prolog declared entities (now left unexpanded, as text)


def strip_dtd(data: bytes, *, content_type: str | None = None) -> GuardedXml:
    """Decode `data` as XML, drop everything before its root element; blocking, linear."""
    headers = {"content-type": content_type} if content_type else {}
    found: dict[str, object] = {}
    converted = convert_to_utf8(headers, data, found)
    text = converted.decode("utf-8", "replace")
    root = find_root(text)
    dropped = text if root is None else text[:root]
    problem = found.get("bozo_exception")
    return GuardedXml(
        body=(DECLARATION + ("" if root is None else text[root:])).encode("utf-8"),
        problem=problem if isinstance(problem, Exception) else None,
        entities="<!entity" in dropped.lower(),
    )


def find_root(text: str) -> int | None:
    """Where the root element's `<` is: past comments, PIs and declarations of the prolog."""
    pos = 0
    budget = MAX_TOKENS
    while True:
        skipped = _SKIPPABLE.match(text, pos)
        markup = _MARKUP.search(text, skipped.end() if skipped else pos)
        if markup is None:
            return None
        start = markup.start()
        end: int | None
        if text.startswith("<!--", start):
            end = _after(text, "-->", start + 4)
        elif text.startswith("<?", start):
            end = _after(text, "?>", start + 2)
        elif text.startswith("<!", start):
            end, budget = _declaration_end(text, start + 2, budget)
        else:
            return start
        if end is None:
            # Unterminated: not XML, so take the first thing that looks like a tag, as the
            # loose parser would; everything before it is dropped all the same.
            tag = _ROOT.search(text, start + 1)
            return tag.start() if tag else None
        pos = end


def _after(text: str, marker: str, start: int) -> int | None:
    found = text.find(marker, start)
    return None if found < 0 else found + len(marker)


def _declaration_end(text: str, start: int, budget: int) -> tuple[int | None, int]:
    """The end of `<!DOCTYPE name ... [ internal subset ]>` (or any `<!...>`) from `start`,
    and what is left of the token budget; None when it has no end (or the budget ran out)."""
    depth = 0
    pos = start
    while pos < len(text) and budget > 0:
        budget -= 1
        token = _DECLARATION_TOKEN.match(text, pos)
        if token is None:  # an unclosed quote
            return None, budget
        value = token.group()
        end: int | None = token.end()
        if value == "<!--":
            end = _after(text, "-->", token.end())
        elif value == "<?":
            end = _after(text, "?>", token.end())
        elif value == ">":
            if depth <= 0:
                return token.end(), budget
        elif value[0] in "[]":
            depth += value.count("[") - value.count("]")
        if end is None:  # an unclosed comment or PI
            return None, budget
        pos = end
    return None, budget
