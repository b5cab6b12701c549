"""Which items the English matcher may read: a script check, as feed `lang` tags are unreliable."""

from __future__ import annotations

import re

LATIN = re.compile(r"[A-Za-z]")
LETTER = re.compile(r"[^\W\d_]")


def is_english(text: str, lang: str | None = None) -> bool:
    """True when the text is mostly Latin script and not declared as another language."""
    if lang and not lang.lower().startswith("en"):
        return False
    letters = LETTER.findall(text)
    if not letters:
        return True
    return len(LATIN.findall(text)) / len(letters) >= 0.8
