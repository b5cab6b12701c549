"""Words and sentences of news text, and the keyword test claims.yaml describes."""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？；])")
CJK = re.compile(r"[\u3400-\u9fff]")

_STOPWORDS = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just me
    more most my no nor not now of off on once only or other our ours out over own same she should
    so some such than that the their theirs them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you
    your said says say told tells new year years one two after since per cent percent amid over
    s t mr ms"""
STOPWORDS = frozenset(_STOPWORDS.split())


def normalize(text: str) -> str:
    """Lowercase with curly quotes and dashes made plain, whitespace collapsed."""
    text = text.lower().replace("’", "'").replace("–", "-").replace("—", "-")
    return " ".join(text.split())


def words(text: str) -> list[str]:
    return WORD.findall(normalize(text))


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stopwords, no one-letter tokens, no bare numbers."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1 and not w.isdigit()]


def stem(word: str) -> str:
    """A light English suffix stripper, so "exports", "exported" and "export" meet in BM25."""
    if not word.isascii() or len(word) <= 3:
        return word
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "es" and not word.endswith(("ses", "xes", "ches", "shes", "zes")):
                continue
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + keep
    return word


def terms(text: str) -> list[str]:
    """Content words, stemmed: what BM25 compares."""
    return [stem(w) for w in content_words(text)]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s and s.strip()]


@dataclass(frozen=True, slots=True)
class KeywordView:
    """An item's text prepared for fast keyword tests: every word prefix and the plain text."""

    prefixes: frozenset[str]
    padded: str

    @classmethod
    def of(cls, text: str) -> KeywordView:
        norm = normalize(text)
        prefixes = {w[:n] for w in WORD.findall(norm) for n in range(2, len(w) + 1)}
        return cls(frozenset(prefixes), " " + " ".join(WORD.findall(norm)) + " ")

    def has(self, keyword: str) -> bool:
        """True when `keyword` starts a word of the text ("postpon" ~ "postponed")."""
        if CJK.search(keyword):
            return keyword in self.padded
        if " " in keyword or "-" in keyword or "." in keyword or "'" in keyword:
            return " " + " ".join(WORD.findall(keyword)) in self.padded
        return keyword in self.prefixes

    def found(self, keywords: tuple[str, ...]) -> list[str]:
        return [k for k in keywords if self.has(k)]
