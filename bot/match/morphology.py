"""Word forms per language: Snowball stems for English, pymorphy3 lemmas for Russian, jieba words
for Chinese. The lexical signals compare these instead of the words as written."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

import jieba
import pymorphy3
import snowballstemmer

CYRILLIC = re.compile(r"[а-яё]")
CJK_RUN = re.compile(r"[\u3400-\u9fff]+")

jieba.setLogLevel(logging.WARNING)  # it announces its dictionary at INFO on first use
_english = snowballstemmer.stemmer("english")
_morph: Any = None  # loaded on first use: the dictionaries take a second and 16 MB


def _analyzer() -> Any:
    global _morph  # noqa: PLW0603  (one analyzer per process, built lazily)
    if _morph is None:
        _morph = pymorphy3.MorphAnalyzer()
    return _morph


@lru_cache(maxsize=131072)
def base_form(word: str) -> str:
    """The form lexical signals compare: "exported" -> "export", "Китаем" -> "китай"."""
    if word.isascii():
        return str(_english.stemWord(word)) if len(word) > 3 else word
    if CYRILLIC.search(word):
        return str(_analyzer().parse(word)[0].normal_form)
    return word


@lru_cache(maxsize=32768)
def chinese_words(run: str) -> tuple[str, ...]:
    """Words of a run of Chinese characters, with the parts of long compounds too
    (中美关系 gives 中美, 关系 and 中美关系), so a keyword meets its compounds."""
    return tuple(w for w in jieba.cut_for_search(run) if w.strip())
