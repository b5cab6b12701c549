"""The `claimwatch feeds …` and `poll --once` commands, run as a user runs them."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import runner
from feedserver import FeedServer

from bot.domain import Feed
from bot.ingest.opml import MAX_BYTES as MAX_OPML_BYTES
from bot.ingest.opml import OpmlError, read_opml, write_opml


@pytest.fixture
def workdir(tmp_path: Path, sqlite_url: str) -> Path:
    # sqlite_url is a migrated copy; the CLI still runs `upgrade head`, which is then a no-op.
    (tmp_path / "db-url").write_text(sqlite_url)
    return tmp_path


def claimwatch(workdir: Path, *args: str, private: bool = True) -> subprocess.CompletedProcess[str]:
    env = runner.cli_env((workdir / "db-url").read_text(), workdir / "feeds.yaml", private=private)
    return runner.claimwatch(workdir, env, *args)


def test_poll_once_prints_a_row_per_feed(workdir: Path, server: FeedServer) -> None:
    server.feed("/world.xml", items=3)
    server.status("/broken.xml", 500)
    (workdir / "feeds.yaml").write_text(
        "feeds:\n"
        f"  - url: {server.url('/world.xml')}\n    name: World desk\n"
        f"  - url: {server.url('/broken.xml')}\n    name: Broken desk\n"
    )

    first = claimwatch(workdir, "poll", "--once")
    assert first.returncode == 0, first.stderr
    rows = {line.split("  ")[0]: line for line in first.stdout.splitlines()}
    assert "HTTP 200" in rows["World desk"] and rows["World desk"].split()[-2] == "3"
    assert "fetch: HTTP 500 Internal Server Error" in rows["Broken desk"]
    assert first.stdout.splitlines()[-1] == "2 feeds, 1 failed, 3 new entries"

    again = claimwatch(workdir, "poll", "--once")
    assert "HTTP 304" in again.stdout and again.stdout.splitlines()[-1].endswith("0 new entries")

    listing = claimwatch(workdir, "feeds", "list")
    lines = listing.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "FEED", "HEALTH"]
    broken = next(line for line in lines if "Broken desk" in line)
    assert "failing" in broken and "fetch: HTTP 500" in broken
    world = next(line for line in lines if "World desk" in line)
    assert " ok " in world and "ago" in world


def test_poll_refuses_an_invalid_feeds_file(workdir: Path) -> None:
    (workdir / "feeds.yaml").write_text(
        "feeds:\n  - url: https://a.example.org/rss\n    every: 5m\n"
    )
    result = claimwatch(workdir, "poll", "--once")
    assert result.returncode == 2
    assert "feeds.yaml:3: unknown key 'every'" in result.stderr
    assert result.stdout == ""


def test_add_check_remove(workdir: Path, server: FeedServer) -> None:
    server.feed("/asia.xml", items=4, title="Asia Desk")
    server.raw("/page.html", b"<html><body>hello</body></html>", "text/html")

    check = claimwatch(workdir, "feeds", "check", server.url("/asia.xml"))
    assert check.returncode == 0, check.stderr
    assert "Asia Desk, 4 items" in check.stdout and "  - Item 0" in check.stdout

    bad = claimwatch(workdir, "feeds", "check", server.url("/page.html"))
    assert bad.returncode == 1
    assert bad.stderr.strip().endswith("parse: the address serves an HTML page, not a feed")

    added = claimwatch(
        workdir, "feeds", "add", server.url("/asia.xml"), "--themes", "us-china", "--interval", "5m"
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added feed #1: Asia Desk")

    twice = claimwatch(workdir, "feeds", "add", server.url("/asia.xml"))
    assert twice.returncode == 1 and "already tracked as feed #1" in twice.stderr

    removed = claimwatch(workdir, "feeds", "remove", "1")
    assert removed.returncode == 0 and "no longer polled" in removed.stdout
    missing = claimwatch(workdir, "feeds", "remove", "42")
    assert missing.returncode == 1 and "no feed '42'" in missing.stderr
    listing = claimwatch(workdir, "feeds", "list")
    assert "disabled" in listing.stdout


def test_add_refuses_private_addresses_unless_allowed(workdir: Path, server: FeedServer) -> None:
    server.feed("/f.xml")
    result = claimwatch(workdir, "feeds", "add", server.url("/f.xml"), private=False)
    assert result.returncode == 1
    assert "127.0.0.1, a local or private address" in result.stderr
    assert server.requests == []


def test_add_rejects_bad_arguments_in_one_sentence(workdir: Path) -> None:
    result = claimwatch(workdir, "feeds", "add", "https://a.example.org/rss", "--interval", "soon")
    assert result.returncode == 1
    assert result.stderr.strip() == "claimwatch: interval 'soon' must look like 90s, 10m or 1h"


def test_opml_round_trip_through_the_cli(workdir: Path, server: FeedServer) -> None:
    (workdir / "in.opml").write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>mine</title></head><body>'
        '<outline text="Asia">'
        f'<outline text="One" type="rss" xmlUrl="{server.url("/one.xml")}"/>'
        f'<outline text="Two" type="rss" xmlUrl="{server.url("/two.xml")}" category="us-china"/>'
        "</outline>"
        '<outline text="Broken" xmlUrl="not a url"/>'
        "</body></opml>"
    )
    imported = claimwatch(workdir, "feeds", "import-opml", "in.opml")
    assert imported.returncode == 0, imported.stderr
    assert "2 added, 0 already tracked, 0 refused" in imported.stdout
    again = claimwatch(workdir, "feeds", "import-opml", "in.opml")
    assert "0 added, 2 already tracked" in again.stdout

    exported = claimwatch(workdir, "feeds", "export-opml", "-o", "out.opml")
    assert exported.returncode == 0 and "wrote 2 feeds" in exported.stdout
    specs = read_opml((workdir / "out.opml").read_bytes())
    assert [(s.url, s.name, s.themes) for s in specs] == [
        (server.url("/one.xml"), "One", ("Asia",)),
        (server.url("/two.xml"), "Two", ("Asia", "us-china")),
    ]

    garbage = workdir / "garbage.opml"
    garbage.write_text("<html>")
    failed = claimwatch(workdir, "feeds", "import-opml", str(garbage))
    assert failed.returncode == 1 and "cannot read the OPML file" in failed.stderr


def test_import_opml_refuses_a_file_too_big_before_parsing_it(workdir: Path) -> None:
    huge = workdir / "huge.opml"
    with huge.open("wb") as file:  # sparse: no 10 MiB written to the disk
        file.write(b'<?xml version="1.0"?><opml version="2.0"><body>')
        file.truncate(MAX_OPML_BYTES + 1)
    failed = claimwatch(workdir, "feeds", "import-opml", str(huge))
    assert failed.returncode == 1
    assert "cannot read the OPML file" in failed.stderr
    assert "larger than 10 MiB" in failed.stderr
    assert "imported" not in failed.stdout  # refused before any feed was looked at


def test_read_opml_refuses_more_than_the_cap() -> None:
    small = b'<?xml version="1.0"?><opml><body><outline xmlUrl="https://a.example.org/"/>'
    padded = small + b" " * (MAX_OPML_BYTES - len(small) - len(b"</body></opml>"))
    assert len(read_opml(padded + b"</body></opml>")) == 1  # exactly the cap still reads
    with pytest.raises(OpmlError, match="larger than 10 MiB"):
        read_opml(padded + b" </body></opml>")


def test_opml_refuses_entity_declarations() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>'
    with pytest.raises(OpmlError, match="declares entities"):
        read_opml(bomb)


def test_write_opml_escapes_names() -> None:
    feed = Feed(
        id=1,
        url="https://a.example.org/rss?x=1&y=2",
        name='Tom & "Jerry" <news>',
        themes=(),
        interval_seconds=600,
        enabled=True,
        origin="config",
        etag=None,
        last_modified=None,
        last_checked_at=None,
        last_success_at=None,
        next_check_at=datetime(2026, 1, 1, tzinfo=UTC),
        error_count=0,
        last_error=None,
        last_status=None,
        disabled_reason=None,
        first_poll_done=False,
    )
    document = write_opml([feed], now=datetime(2026, 1, 1, tzinfo=UTC))
    [spec] = read_opml(document.encode())
    assert (spec.url, spec.name) == (feed.url, feed.name)
