"""Words and sentences of news text, and the keyword test claims.yaml describes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)  # hyphens split: Trump-Xi
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


@lru_cache(maxsize=65536)
def word_forms(keyword: str) -> tuple[str, ...]:
    """A keyword and its common English endings: ban, bans, banned, banning, ban's."""
    forms = [keyword, keyword + "s", keyword + "es", keyword + "ed", keyword + "d", keyword + "ing"]
    forms.append(keyword + "'s")
    if keyword.endswith("e"):
        forms.append(keyword[:-1] + "ing")
    if keyword.endswith("y"):
        forms += [keyword[:-1] + "ies", keyword[:-1] + "ied"]
    if len(keyword) > 2 and keyword[-1] not in "aeiouwy" and keyword[-2] in "aeiou":
        forms += [keyword + keyword[-1] + "ed", keyword + keyword[-1] + "ing"]
    return tuple(forms)


@dataclass(frozen=True, slots=True)
class KeywordView:
    """An item's text prepared for fast keyword tests: its words, their prefixes, the plain text."""

    words: frozenset[str]
    prefixes: frozenset[str]
    padded: str

    @classmethod
    def of(cls, text: str) -> KeywordView:
        tokens = WORD.findall(normalize(text))
        prefixes = {w[:n] for w in tokens for n in range(2, len(w) + 1)}
        return cls(frozenset(tokens), frozenset(prefixes), " " + " ".join(tokens) + " ")

    def has(self, keyword: str) -> bool:
        """Does the text mention `keyword`? English words match whole, with their usual endings
        ("ban" matches "banned" but not "bank"); "postpon*" matches any word starting so; other
        alphabets match word starts ("визит" ~ "визита"); Chinese matches anywhere."""
        if CJK.search(keyword):
            return keyword in self.padded
        open_ended = keyword.endswith("*")
        parts = WORD.findall(keyword)
        if not parts:
            return False
        if len(parts) > 1:
            head = " " + " ".join(parts[:-1]) + " "
            if open_ended or not parts[-1].isascii():
                return head + parts[-1] in self.padded
            return any(head + form + " " in self.padded for form in word_forms(parts[-1]))
        word = parts[0]
        if open_ended or not word.isascii():
            return word in self.prefixes
        return any(form in self.words for form in word_forms(word))

    def found(self, keywords: tuple[str, ...]) -> list[str]:
        return [k for k in keywords if self.has(k)]
