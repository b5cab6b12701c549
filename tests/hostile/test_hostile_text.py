"""Feed text is text: no terminal escapes or bidi tricks survive, and alerts stay valid HTML.

A title with ESC sequences recolours the operator's console and forges log lines; an RTL
override shows "moc.elgoog" as "google.com" in Telegram. Both are stripped where feed text
enters (normalization); the characters real languages need are kept.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from botapi import parse_html
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.deliver.render import render_alert, split_message
from bot.domain import Claim, Evidence, StoredMatch
from bot.errors import ParseError
from bot.ingest.normalize import canonical_link, plain_text, remove_controls
from bot.ingest.opml import read_opml
from bot.ingest.parse import parse_feed

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE = "\u00ad\u180e\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\ufff9\ufffa\ufffb"
# Characters no output may contain: C0/C1 controls but tab and newline, bidi controls,
# invisible format characters and lone surrogates.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI + INVISIBLE + "\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def forbidden_in(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mBREAKING\x1b[0m: markets", "BREAKING: markets"),
        ("Title\x1b[2J\x1b[H wiped", "Title wiped"),
        ("\x1b]0;owned\x07Window title", "Window title"),
        ("Fake\r\n2026-01-01 INFO all is well", "Fake 2026-01-01 INFO all is well"),
        ("Pay \u202egnp.exe\u202c now", "Pay gnp.exe now"),
        ("\u2067isolated\u2069 text\u200f", "isolated text"),
        ("zero\u200bwidth\u2060joined\ufeff", "zerowidthjoined"),
        ("bell\x07 and nul\x00 and C1\x9b csi", "bell and nul and C1 csi"),
        ("&#x202E;escaped override&#27;[31m", "escaped override[31m"),
        # What real languages need stays.
        ("Путин и Си: встреча", "Путин и Си: встреча"),
        ("习近平会见特朗普", "习近平会见特朗普"),
        ("ترامب يزور بكين", "ترامب يزور بكين"),
        ("क्‍ष and क्‌ष", "क्\u200dष and क्\u200cष"),  # Hindi with ZWJ and ZWNJ
        ("می‌خواهم", "می\u200cخواهم"),  # Persian ZWNJ
        ("👩\u200d💻 and 🏳️\u200d🌈", "👩\u200d💻 and 🏳️\u200d🌈"),  # emoji ZWJ sequences
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", None),  # Scotland
        ("tab\there\nnewline", "tab here newline"),
    ],
)
def test_titles_lose_controls_and_keep_languages(raw: str, shown: str | None) -> None:
    assert plain_text(raw) == (raw if shown is None else shown)


def test_feed_title_entry_title_and_summary_arrive_clean() -> None:
    # XML forbids most controls even as references, so this goes the loose parser's way,
    # exactly as a hostile feed would.
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Daily &#x1b;[5mNews&#x202e;</title><link>https://news.example.org/</link>"
        "<item><title>\u202eevil.com/\u202c Official &#27;]0;pwn&#7;notice</title>"
        "<link>https://news.example.org/a\u202e</link><guid>1</guid>"
        "<description>&lt;p&gt;Read \u2066this\u2069\x90 now&lt;/p&gt;</description>"
        "</item></channel></rss>"
    ).encode()

    parsed = parse_feed(body, url="https://news.example.org/rss", now=NOW)

    assert parsed.title == "Daily News"
    (entry,) = parsed.entries
    assert entry.title == "evil.com/ Official notice"
    assert entry.summary == "Read this now"
    assert entry.link == "https://news.example.org/a%E2%80%AE"


def test_opml_names_arrive_clean() -> None:
    data = (
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline text="Asia&#x202e;"><outline text="\u2067Wire&#x9;&#xa;desk\u2069" '
        'xmlUrl="https://wire.example.org/rss"/></outline></body></opml>'
    ).encode()
    (spec,) = read_opml(data)
    assert (spec.name, spec.themes) == ("Wire desk", ("Asia",))


# --- properties ---------------------------------------------------------------------------

# Every character class, with the troublesome ones made likely.
text_chars = st.one_of(
    st.characters(codec=None),
    st.sampled_from(list(BIDI + INVISIBLE + "\x1b\x07\x9b\x00\r\n\t\u200c\u200d[]<>&;#x")),
)
feed_text = st.text(text_chars, max_size=300)
# What can reach rendering: stored text is valid Unicode (UTF-8 in the database and on the wire).
stored_chars = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(list(BIDI + INVISIBLE + "\x1b\x07\x9b\r\n\t\u200c\u200d[]<>&;#x\"'")),
)
stored_text = st.text(stored_chars, max_size=300)


@settings(max_examples=300, deadline=None)
@given(feed_text)
def test_remove_controls_leaves_no_control_and_is_idempotent(text: str) -> None:
    once = remove_controls(text)
    assert forbidden_in(once) == []
    assert remove_controls(once) == once


@settings(max_examples=300, deadline=None)
@given(feed_text, st.sampled_from([20, 120, 1000]))
def test_plain_text_leaves_no_control_and_is_stable(text: str, limit: int) -> None:
    once = plain_text(text, limit=limit)
    assert forbidden_in(once) == []
    assert len(once) <= limit
    assert once == once.strip() and "  " not in once and "\n" not in once
    if "&" not in once and "<" not in once:  # nothing left that could decode differently
        assert plain_text(once, limit=limit) == once


@settings(max_examples=200, deadline=None)
@given(st.text(text_chars, max_size=200))
def test_links_leave_no_control(path: str) -> None:
    link = canonical_link("https://news.example.org/" + path)
    assert link is None or forbidden_in(link) == []


def xml_text(text: str) -> str:
    """Text as a feed would carry it: escaped, and characters XML forbids as references."""
    out = []
    for char in text:
        if char in "<>&":
            out.append({"<": "&lt;", ">": "&gt;", "&": "&amp;"}[char])
        elif unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n":
            out.append(f"&#{ord(char)};")
        else:
            out.append(char)
    return "".join(out)


@settings(max_examples=60, deadline=None)
@given(feed_text, feed_text)
def test_any_feed_text_arrives_clean(title: str, summary: str) -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{xml_text(title)}</title><item><title>{xml_text(title)}</title>"
        f"<guid>1</guid><description>{xml_text(summary)}</description></item></channel></rss>"
    ).encode("utf-8", "surrogatepass")
    try:
        parsed = parse_feed(body, url="https://news.example.org/rss", now=NOW)
    except ParseError as err:  # an entry with no text left is no entry: said in one line
        assert str(err).startswith("parse: ") and "\n" not in str(err)
        return
    shown = [parsed.title or ""] + [f"{e.title} {e.summary}" for e in parsed.entries]
    assert forbidden_in(" ".join(shown)) == []


# --- rendering ----------------------------------------------------------------------------

TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
TELEGRAM_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")


class TelegramHtmlChecker(HTMLParser):
    """Collects every way `text` would not be Telegram HTML with only http(s) links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}>")
        if tag == "a":
            if len(attrs) != 1 or attrs[0][0] != "href":
                self.problems.append(f"<a> attributes {attrs}")
            elif not re.match(r"https?://", attrs[0][1] or ""):
                self.problems.append(f"href {attrs[0][1]!r}")
        elif attrs:
            self.problems.append(f"<{tag}> attributes {attrs}")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"unbalanced </{tag}>")
        else:
            self.open.pop()

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("declaration")


def telegram_html_problems(text: str) -> list[str]:
    checker = TelegramHtmlChecker()
    checker.feed(text)
    checker.close()
    problems = checker.problems + [f"unclosed <{tag}>" for tag in checker.open]
    # html.parser forgives what Telegram does not: a bare `&` or `<` in text.
    problems += [
        f"bare & at {m.start()}"
        for m in re.finditer("&", text)
        if not TELEGRAM_ENTITY.match(text, m.start())
    ]
    problems += [f"bare < at {m.start()}" for m in re.finditer(r"<(?!/?[a-z])", text)]
    return problems


CLAIM = Claim(id="visit", text="Trump visits Beijing", theme="us-china", kind="forecast")
AT = datetime(2026, 3, 4, 12, 5, tzinfo=UTC)
links = st.one_of(
    st.none(),
    stored_text,
    st.builds(lambda s, rest: s + rest, st.sampled_from(["http://", "https://"]), stored_text),
    st.sampled_from(['https://a.example/"><b>x</b>', "javascript:alert(1)", "HTTPS://A.EXAMPLE"]),
)


@settings(max_examples=200, deadline=None)
@given(
    title=stored_text,
    link=links,
    sources=st.lists(stored_text, max_size=3),
    sentence=st.text(stored_chars, max_size=600),
    words=st.lists(st.text(stored_chars, max_size=20), max_size=10),
    limit=st.sampled_from([300, 1000, 4096]),
)
def test_any_feed_text_renders_as_valid_telegram_html(
    *,
    title: str,
    link: str | None,
    sources: list[str],
    sentence: str,
    words: list[str],
    limit: int,
) -> None:
    match = StoredMatch(
        id=1,
        story_id=1,
        claim_id=CLAIM.id,
        score=0.7,
        level="alert",
        stance="supports",
        confidence=0.6,
        why=Evidence(sentence, "", tuple(words), 0.5, 0.5),
        created_at=AT,
        is_backlog=False,
        title=title,
        link=link,
        published_at=AT,
        sources=tuple(sources),
    )
    text = render_alert([(match, CLAIM)], timezone="Europe/Berlin")
    for part in [text, *split_message(text, limit)]:
        assert telegram_html_problems(part) == [], part
        parse_html(part)  # and the stand-in Bot API, which words errors as Telegram does
