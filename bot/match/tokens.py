"""Words and sentences of news text, and the keyword test claims.yaml describes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.match.morphology import CJK_RUN, base_form, chinese_words

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
    s t mr ms
    и в во не на что он она оно они как по но из за от до для же то это так при его ее их же ли
    бы уже также был была были быть который которая которые свой этот год года заявил сообщил
    的 了 在 是 和 与 及 对 将 也 就 都 而 并 于 为 被 把 从 这 那 其 之 等 年 月 日 表示 称"""
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


def terms(text: str) -> list[str]:
    """Content words in their base forms (English stems, Russian lemmas, Chinese words):
    what BM25 and the word overlaps compare."""
    result: list[str] = []
    for word in content_words(text):
        if CJK_RUN.fullmatch(word):
            result += [w for w in chinese_words(word) if w not in STOPWORDS]
        else:
            result.append(base_form(word))
    return result


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


@lru_cache(maxsize=65536)
def keyword_test(keyword: str) -> tuple[str, tuple[str, ...]]:
    """How to look for a keyword, worked out once: ("text", phrases to find in the padded
    text), ("prefix", (word start,)) or ("word", (forms,))."""
    if CJK.search(keyword):
        return "text", (keyword,)
    open_ended = keyword.endswith("*")
    parts = WORD.findall(keyword)
    if not parts:
        return "text", ()
    if len(parts) > 1:
        head = " " + " ".join(parts[:-1]) + " "
        if open_ended or not parts[-1].isascii():
            return "text", (head + parts[-1],)
        return "text", tuple(head + form + " " for form in word_forms(parts[-1]))
    word = parts[0]
    if open_ended or not word.isascii():
        return "prefix", (word,)
    return "word", word_forms(word)


@dataclass(frozen=True, slots=True)
class KeywordView:
    """An item's text prepared for fast keyword tests: its words, their prefixes, the plain text."""

    words: frozenset[str]
    prefixes: frozenset[str]
    padded: str

    @classmethod
    def of(cls, text: str) -> KeywordView:
        tokens = WORD.findall(normalize(text))
        # Russian words are also known by their lemma, so a keyword stem such as "кита" meets
        # "Китаем" (lemma "китай") and "отлож" meets "отложат".
        lemmas = {base_form(w) for w in tokens if not w.isascii() and not CJK.search(w)}
        prefixes = {w[:n] for w in (*tokens, *lemmas) for n in range(2, len(w) + 1)}
        return cls(frozenset(tokens), frozenset(prefixes), " " + " ".join(tokens) + " ")

    def has(self, keyword: str) -> bool:
        """Does the text mention `keyword`? English words match whole, with their usual endings
        ("ban" matches "banned" but not "bank"); "postpon*" matches any word starting so; other
        alphabets match word starts ("визит" ~ "визита"); Chinese matches anywhere."""
        kind, needles = keyword_test(keyword)
        if kind == "text":
            return any(n in self.padded for n in needles)
        if kind == "prefix":
            return needles[0] in self.prefixes
        return any(n in self.words for n in needles)

    def found(self, keywords: tuple[str, ...]) -> list[str]:
        return [k for k in keywords if self.has(k)]


class KeywordIndex:
    """Many keywords tested against an item at once: the item's words and word starts are looked
    up, instead of every keyword being tried in turn (a thousand per item with many claims)."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.by_word: dict[str, list[str]] = {}
        self.by_prefix: dict[str, list[str]] = {}
        self.phrases: list[tuple[str, tuple[str, ...]]] = []
        for keyword in dict.fromkeys(keywords):
            kind, needles = keyword_test(keyword)
            if kind == "word":
                for form in needles:
                    self.by_word.setdefault(form, []).append(keyword)
            elif kind == "prefix":
                self.by_prefix.setdefault(needles[0], []).append(keyword)
            else:
                self.phrases.append((keyword, needles))

    def found(self, view: KeywordView) -> set[str]:
        """The keywords the item mentions."""
        present: set[str] = set()
        for word in view.words:
            present.update(self.by_word.get(word, ()))
        if self.by_prefix:
            for prefix in view.prefixes:
                present.update(self.by_prefix.get(prefix, ()))
        for keyword, needles in self.phrases:
            if any(n in view.padded for n in needles):
                present.add(keyword)
        return present
