"""No feed and no OPML file expands an entity or fetches one: every DTD is gone before parsing.

Each attack is written as an attacker would, in every encoding XML allows, behind long
comments and processing instructions, and inside a comment where only a regex would find it.
Memory is bounded with tracemalloc (the expansion alone would be megabytes), never timed.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import pyexpat
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from feedparser.sanitizer import replace_doctype
from feedserver import FeedServer
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import ParseError
from bot.ingest.opml import OpmlError, read_opml
from bot.ingest.parse import ParsedFeed, parse_feed
from bot.ingest.xmlguard import strip_dtd

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
URL = "https://hostile.example.org/feed.xml"
# One entity of 100,000 characters used 80 times: 8 MB once expanded, just under the point
# where expat's own amplification check would step in.
PAYLOAD = "x" * 100_000
USES = 80
SECRET = "TOP-SECRET-7f3a"
T = TypeVar("T")

LAUGHS = "\n".join(
    ['<!ENTITY lol0 "lol">']
    + [f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)]
)


def attacks(secret_file: Path) -> dict[str, tuple[str, str, str]]:
    """name → (text before the DTD, the internal subset, the entity reference to use)."""
    quadratic = f'<!ENTITY a "{PAYLOAD}">'
    return {
        "billion laughs": ("", LAUGHS, "&lol9;"),
        "quadratic blow-up": ("", quadratic, "&a;" * USES),
        "parameter entities": ("", f"<!ENTITY % p '{quadratic}'>\n%p;", "&a;" * USES),
        "external file": ("", f'<!ENTITY s SYSTEM "{secret_file.as_uri()}">', "&s;"),
        "after a 5 KiB comment": ("<!--" + " pad" * 1300 + " -->\n", quadratic, "&a;" * USES),
        "after processing instructions": ("<?pi x?>\n" * 800, quadratic, "&a;" * USES),
    }


ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda text: text.replace("{enc}", "utf-8").encode(),
    "utf-16le with BOM": lambda t: (
        codecs.BOM_UTF16_LE + t.replace("{enc}", "utf-16").encode("utf-16-le")
    ),
    "utf-16be with BOM": lambda t: (
        codecs.BOM_UTF16_BE + t.replace("{enc}", "utf-16").encode("utf-16-be")
    ),
    "utf-16le, no BOM": lambda t: t.replace("{enc}", "utf-16le").encode("utf-16-le"),
    "utf-16be, no BOM": lambda t: t.replace("{enc}", "utf-16be").encode("utf-16-be"),
    "utf-32le with BOM": lambda t: (
        codecs.BOM_UTF32_LE + t.replace("{enc}", "utf-32").encode("utf-32-le")
    ),
    "EBCDIC": lambda t: t.replace("{enc}", "cp037").encode("cp037"),
}


def feed_document(before: str, subset: str, uses: str) -> str:
    # Each declaration on its own line, the way feedparser's own DOCTYPE regex finds them.
    return (
        '<?xml version="1.0" encoding="{enc}"?>\n'
        f"{before}<!DOCTYPE rss [\n{subset}\n]>\n"
        '<rss version="2.0"><channel><title>Hostile</title><link>https://hostile.example.org/</link>'
        f"<description>d</description><item><title>Item {uses}</title><guid>one</guid>"
        f"<description>{uses}</description></item></channel></rss>\n"
    )


def opml_document(before: str, subset: str, uses: str) -> str:
    return (
        '<?xml version="1.0" encoding="{enc}"?>\n'
        f"{before}<!DOCTYPE opml [\n{subset}\n]>\n"
        f'<opml version="2.0"><head><title>{uses}</title></head><body>'
        f'<outline text="Feed {uses}" xmlUrl="https://news.example.org/rss.xml"/>'
        "</body></opml>\n"
    )


def bounded(call: Callable[[], T], *, limit: int) -> T:
    """Run `call`, failing if Python allocated more than `limit` bytes at any one time."""
    tracemalloc.start()
    try:
        return call()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < limit, f"{peak / 2**20:.1f} MiB at peak"


def feed_text(parsed: ParsedFeed) -> str:
    return "\n".join([parsed.title or ""] + [f"{e.title}\n{e.summary}" for e in parsed.entries])


def assert_not_expanded(text: str) -> None:
    assert "xxxxxxxxxx" not in text
    assert "lollol" not in text
    assert SECRET not in text


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


ATTACK_NAMES = list(attacks(Path("/x")))


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("attack", ATTACK_NAMES)
def test_feed_never_expands_entities(attack: str, encoding: str, secret_file: Path) -> None:
    body = ENCODINGS[encoding](feed_document(*attacks(secret_file)[attack]))

    parsed = bounded(lambda: parse_feed(body, url=URL, now=NOW), limit=8 * 2**20)

    assert parsed.title == "Hostile"  # decoded right, only the DTD is gone
    assert len(parsed.entries) == 1
    assert_not_expanded(feed_text(parsed))
    assert parsed.note == "parse: the feed declares entities in a DTD; they were not expanded"


def test_feed_with_a_dtd_hidden_in_a_comment_expands_nothing() -> None:
    # A comment to expat, a DOCTYPE to a regex: feedparser's loose parser used to take
    # its entities from it once expat gave up on the undefined reference.
    hidden = f'<!--\n<!DOCTYPE rss [\n<!ENTITY a "{PAYLOAD}">\n]>\n-->\n'
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n' + hidden + '<rss version="2.0"><channel>'
        f"<title>Hostile</title><item><title>{'&a;' * USES}</title><guid>1</guid></item>"
        "</channel></rss>"
    ).encode()

    parsed = bounded(lambda: parse_feed(body, url=URL, now=NOW), limit=8 * 2**20)

    assert parsed.title == "Hostile"
    assert_not_expanded(feed_text(parsed))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16le with BOM", "utf-16be, no BOM"])
@pytest.mark.parametrize("attack", ATTACK_NAMES)
def test_opml_declaring_entities_is_refused(attack: str, encoding: str, secret_file: Path) -> None:
    data = ENCODINGS[encoding](opml_document(*attacks(secret_file)[attack]))

    def read() -> None:
        with pytest.raises(OpmlError, match="declares entities, which are not allowed"):
            read_opml(data)

    bounded(read, limit=8 * 2**20)


def test_opml_with_a_small_entity_after_4_kib_is_refused() -> None:
    # Harmless on its own, but proof that a DTD past the first 4 KiB still reached the parser.
    data = opml_document("<!--" + " pad" * 1300 + " -->\n", '<!ENTITY a "Asia">', "&a;")
    with pytest.raises(OpmlError, match="declares entities"):
        read_opml(data.replace("{enc}", "utf-8").encode())


def test_plain_doctypes_still_parse(server: FeedServer) -> None:
    # RSS 0.91 feeds carry a DOCTYPE with an external DTD; it is dropped, never fetched.
    server.raw("/rss-0.91.dtd", b'<!ENTITY eacute "&#233;">', "application/xml-dtd")
    rss091 = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"\n'
        f'  "{server.url("/rss-0.91.dtd")}">\n'
        '<rss version="0.91"><channel><title>Caf\xe9 news</title>'
        "<link>https://cafe.example.org/</link><description>d</description><language>fr</language>"
        "<item><title>Cr&eacute;pes &amp; caf\xe9</title><link>https://cafe.example.org/1</link>"
        "<description>Ouvert &agrave; midi</description></item></channel></rss>\n"
    ).encode("latin-1")
    parsed = parse_feed(rss091, url=URL, now=NOW)
    assert parsed.title == "Café news"
    assert [(e.title, e.summary) for e in parsed.entries] == [("Crépes & café", "Ouvert à midi")]
    assert parsed.note is None

    opml = (
        '<?xml version="1.0"?>\n<!DOCTYPE opml SYSTEM "' + server.url("/rss-0.91.dtd") + '">\n'
        '<opml version="2.0"><body><outline text="Café" xmlUrl="https://cafe.example.org/rss"/>'
        "</body></opml>"
    ).encode()
    assert [(s.name, s.url) for s in read_opml(opml)] == [("Café", "https://cafe.example.org/rss")]
    assert server.hits("/rss-0.91.dtd") == []


def test_external_entities_are_never_fetched(server: FeedServer) -> None:
    server.raw("/secret", SECRET.encode(), "text/plain")
    subset = (
        f'<!ENTITY s SYSTEM "{server.url("/secret")}">\n'
        f'<!ENTITY % p SYSTEM "{server.url("/secret")}">\n%p;'
    )
    body = feed_document("", subset, "&s;").replace("{enc}", "utf-8").encode()
    assert_not_expanded(feed_text(parse_feed(body, url=URL, now=NOW)))
    with pytest.raises(OpmlError):
        read_opml(opml_document("", subset, "&s;").replace("{enc}", "utf-8").encode())
    assert server.hits("/secret") == []


def test_entity_that_is_never_declared_stays_text() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>A &undeclared; B &amp; C</title><guid>1</guid></item></channel></rss>"
    )
    parsed = parse_feed(body, url=URL, now=NOW)
    assert parsed.entries[0].title == "A &undeclared; B & C"


def test_feeds_check_reads_the_reported_feed_with_bounded_memory(
    server: FeedServer, tmp_path: Path, sqlite_url: str
) -> None:
    # The reported document: 130 KiB, one entity of 100,000 characters used 10,000 times,
    # which took 30 s and 3 GB. Here it is used 1,000 times (100 MB expanded) to spare the
    # machine, and `claimwatch feeds check` runs as an operator runs it.
    body = feed_document("", f'<!ENTITY a "{PAYLOAD}">', "&a;" * 1000)
    server.raw("/bomb.xml", body.replace("{enc}", "utf-8").encode(), "application/rss+xml")
    env = {
        **os.environ,
        "CLAIMWATCH_DATABASE_URL": sqlite_url,
        "CLAIMWATCH_ALLOW_PRIVATE_FEEDS": "true",
        "CLAIMWATCH_LOG_LEVEL": "ERROR",
    }
    with (tmp_path / "out").open("w+") as out, (tmp_path / "err").open("w+") as err:
        command = [sys.executable, "-m", "bot", "feeds", "check", server.url("/bomb.xml")]
        child = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            child.returncode = 0  # reaped by wait4; keeps Popen from waiting again
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    assert os.waitstatus_to_exitcode(status) == 0, stderr
    assert stdout.startswith(f"{server.url('/bomb.xml')}: Hostile, 1 items")
    assert "xxxxxxxxxx" not in stdout + stderr
    assert usage.ru_maxrss < 400 * 1024, f"{usage.ru_maxrss // 1024} MiB resident"  # KiB


def test_unparsable_guarded_document_is_a_parse_error() -> None:
    # Nothing but a DTD: nothing is left to parse, and the operator is told so in one line.
    body = f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "{PAYLOAD}">\n]>\n'.encode()
    with pytest.raises(ParseError, match=r"^parse: "):
        parse_feed(body, url=URL, now=NOW)


# Prologs built to trip a guard: `]`, `>`, quotes and comment marks inside entity values and
# comments of the internal subset, DTDs hidden in comments, and loose pieces of markup.
PIECES = [
    "<!--",
    "-->",
    "<?pi ",
    "?>",
    "<!DOCTYPE rss",
    " [",
    "]",
    ">",
    "\n",
    '"',
    "'",
    "<",
    "[",
    '<!ENTITY a "xxxxxxxxxx">',
    "%p;",
    "<rss>",
    "<a ",
    "&a;",
    "<![CDATA[",
    "<1",
    "<:x>",
]
tricky = st.lists(
    st.sampled_from(["]", ">", "]>", "'", '"', "<", "<!--", "-->", "[", "xxxxxxxxxx"]), max_size=4
).map("".join)
entity = st.builds(
    lambda value, q: f"<!ENTITY a {q}{value.replace(q, '')}{q}>", tricky, st.sampled_from("\"'")
)
comment = tricky.map(lambda text: "<!--" + text.replace("--", "") + "-->")
subset_item = st.one_of(
    entity,
    comment,
    st.sampled_from(["%p;", "<!ENTITY % p '<!ENTITY a \"x\">'>", "\n", "<?pi ]>?>"]),
)
doctype = st.builds(
    lambda external, items: f"<!DOCTYPE rss{external} [{''.join(items)}]>",
    st.sampled_from(["", ' SYSTEM "file:///etc/passwd"', " PUBLIC '-//X//EN' 'x.dtd'"]),
    st.lists(subset_item, max_size=5),
)
prolog_item = st.one_of(
    doctype,
    comment,
    doctype.map(lambda text: "<!--\n" + text.replace("--", "") + "\n-->"),  # for regexes only
    st.sampled_from(PIECES),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(prolog_item, max_size=8).map("".join), st.sampled_from(list(ENCODINGS)))
def test_no_parser_ever_sees_a_dtd_however_the_prolog_is_written(
    prolog: str, encoding: str
) -> None:
    body = ENCODINGS[encoding](
        '<?xml version="1.0" encoding="{enc}"?>' + prolog + "<rss><title>&a;</title></rss>"
    )

    guarded = strip_dtd(body).body

    # expat, as feedparser's strict parser and ElementTree use it, meets no DTD at all ...
    seen: list[str] = []
    expat = pyexpat.ParserCreate()
    expat.StartDoctypeDeclHandler = lambda *args: seen.append("doctype")
    expat.EntityDeclHandler = lambda *args: seen.append("entity")
    with contextlib.suppress(pyexpat.ExpatError):  # then feedparser reads it loosely, below
        expat.Parse(guarded, True)
    assert seen == []
    # ... and feedparser's loose parser gets no entity definitions from its DOCTYPE regex.
    assert replace_doctype(guarded)[2] == {}
