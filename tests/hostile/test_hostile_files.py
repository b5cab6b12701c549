"""claims.yaml and feeds.yaml written to hurt: every problem is one `file:line: problem` line.

Before the fix, an impossible date, a 5,000-digit number or 20,000-deep nesting escaped as a
ValueError or RecursionError traceback, and aliases of aliases ("billion laughs") were expanded.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runner import claimwatch, run_env

from bot.claims_file import parse_claims_text
from bot.cli import main
from bot.errors import ConfigFileError
from bot.feeds_file import parse_feeds_text
from bot.yamlfile import load_yaml, parse_yaml

ROOT = Path(__file__).resolve().parents[2]
GOOD_FEEDS = b"feeds:\n  - url: https://a.example.org/rss\n"
CLAIM = b"claims:\n  - id: a\n    text: t\n    theme: x\n    kind: forecast\n"
LAUGHS = b"".join(
    b"l%d: &l%d [%s]\n" % (i, i, b",".join([b"*l%d" % (i - 1)] * 9)) for i in range(1, 12)
)

# (name, file content, line named in the error or None for the whole file, words in the error)
HOSTILE: list[tuple[str, bytes, int | None, str]] = [
    ("impossible date", CLAIM + b"    deadline: 2026-13-45\n", 6, "not a valid date"),
    ("5,000-digit number", CLAIM + b"    deadline: " + b"9" * 5000 + b"\n", 6, "number too long"),
    ("20,000-deep list", b"claims: " + b"[" * 20_000 + b"]" * 20_000 + b"\n", 1, "nested deeper"),
    ("20,000-deep map", b"x:\n  " + b"{a: " * 20_000 + b"1" + b"}" * 20_000, 2, "nested deeper"),
    ("billion laughs", b"l0: &l0 [lol]\n" + LAUGHS, 2, "aliases like *l0 are not allowed"),
    ("tab indent", b"claims:\n\t- id: a\n", 2, "'\\t'"),
    ("NUL byte", b"claims:\n  - id: a\x00b\n", 2, "U+0000 is not allowed"),
    ("invalid UTF-8", b"claims:\n  - id: a\n  - id: \xff\xfe\n", 3, "not UTF-8"),
    ("huge file", b"claims:\n" + b"  - id: aaaaaaaaaaaaaaaaaa\n" * 50_000, None, "larger than"),
]
# Shared by both files' loader; slow enough (pure-Python PyYAML) to try once.
MANY_VALUES = ("many values", b"[" + b"1," * 100_001 + b"1]", 1, "more than 100000 values")


def one_error_line(stderr: str, path: Path, line: int | None) -> str:
    """The single line the CLI printed; fails if there is a traceback or more than one line."""
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr[:2000]
    where = f"claimwatch: {path}:{line}: " if line else f"claimwatch: {path}: "
    assert lines[0].startswith(where), lines[0]
    return lines[0]


def refused_in_one_line(
    capsys: pytest.CaptureFixture[str],
    path: Path,
    content: bytes,
    command: list[str],
    *,
    line: int | None,
    words: str,
) -> None:
    """`command` with `content` in `path` exits 2, printing only one line that has `words`."""
    path.write_bytes(content)
    assert main(command) == 2
    out = capsys.readouterr()
    assert words in one_error_line(out.err, path, line)
    assert out.out == ""


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "CLAIMWATCH_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CLAIMWATCH_DATABASE_URL", sqlite_url)
    (tmp_path / "feeds.yaml").write_bytes(GOOD_FEEDS)
    (tmp_path / "claims.yaml").write_bytes(CLAIM)
    monkeypatch.setenv("CLAIMWATCH_FEEDS", str(tmp_path / "feeds.yaml"))
    monkeypatch.setenv("CLAIMWATCH_CLAIMS", str(tmp_path / "claims.yaml"))
    return tmp_path


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [h[1:] for h in [*HOSTILE, MANY_VALUES]],
    ids=[h[0] for h in [*HOSTILE, MANY_VALUES]],
)
def test_claims_sync_names_the_line_of_a_hostile_claims_file(
    env: Path, capsys: pytest.CaptureFixture[str], content: bytes, line: int | None, words: str
) -> None:
    refused_in_one_line(
        capsys, env / "claims.yaml", content, ["claims", "sync"], line=line, words=words
    )


@pytest.mark.parametrize(
    ("content", "line", "words"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_poll_names_the_line_of_a_hostile_feeds_file(
    env: Path, capsys: pytest.CaptureFixture[str], content: bytes, line: int | None, words: str
) -> None:
    refused_in_one_line(
        capsys, env / "feeds.yaml", content, ["poll", "--once"], line=line, words=words
    )


def test_a_non_mapping_top_level_is_one_sentence(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "claims.yaml").write_bytes(b"just some words\n")
    assert main(["claims", "sync"]) == 2
    assert "expected a top-level 'claims:' list" in one_error_line(
        capsys.readouterr().err, env / "claims.yaml", None
    )
    (env / "feeds.yaml").write_bytes(b"42\n")
    assert main(["poll", "--once"]) == 2
    assert "expected a mapping with a 'feeds:' list" in one_error_line(
        capsys.readouterr().err, env / "feeds.yaml", 1
    )


@pytest.mark.parametrize(
    "case",
    [
        ("claims.yaml", CLAIM + b"    deadline: 2026-13-45\n", 6, "month must be in 1..12"),
        ("feeds.yaml", b"feeds: " + b"[" * 20_000 + b"]" * 20_000 + b"\n", 1, "nested deeper"),
    ],
    ids=["claims.yaml date", "feeds.yaml nesting"],
)
def test_run_refuses_to_start_with_one_line(
    tmp_path: Path, sqlite_url: str, case: tuple[str, bytes, int, str]
) -> None:
    which, content, line, words = case
    (tmp_path / "feeds.yaml").write_bytes(GOOD_FEEDS)
    (tmp_path / "claims.yaml").write_bytes(CLAIM)
    (tmp_path / which).write_bytes(content)
    env = run_env(
        sqlite_url, tmp_path / "feeds.yaml", CLAIMWATCH_CLAIMS=str(tmp_path / "claims.yaml")
    )
    result = claimwatch(tmp_path, env, "run", timeout=120)
    assert result.returncode == 2
    assert words in one_error_line(result.stderr, tmp_path / which, line)


def test_the_shipped_files_still_load() -> None:
    assert load_yaml(ROOT / "claims.yaml")["claims"]
    assert load_yaml(ROOT / "feeds.yaml")["feeds"]


# Pieces of YAML that reach the scanner, parser and constructors' corners.
FRAGMENTS = st.sampled_from(
    [
        "\n", "  ", "\t", "- ", ": ", "? ", "[", "]", "{", "}", ",", "&a ", "*a", "<<: ", "!!int ",
        "!!float ", "!!bool ", "!!timestamp ", "!!binary ", "!!set ", "!!omap ", "!!str ", "!x ",
        "'", '"', "|", ">", "#", "---\n", "...\n", "%YAML 1.1\n", "claims:", "feeds:", "id: a",
        "url: https://a.example.org/", "deadline: ", "interval: ", "2026-13-45", "2026-02-30 25:00",
        "0x", "0b", "0o", "1:2:3", "9" * 5000, "1e999", ".nan", "~", "yes", "\x00", "\ud800",
        "\x1b",
    ]
)  # fmt: skip
YAMLISH = st.lists(FRAGMENTS | st.text(max_size=8), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(YAMLISH, st.text(max_size=200)))
def test_the_loaders_return_data_or_a_config_file_error(text: str) -> None:
    for load in (parse_yaml, parse_claims_text, parse_feeds_text):
        try:
            load(text, "f.yaml")
        except ConfigFileError as err:
            for line in str(err).splitlines():
                assert line.startswith("f.yaml:")
            assert all("\n" not in problem for _, problem in err.problems)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300) | YAMLISH.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_in_the_file_give_data_or_a_config_file_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "claims.yaml"
        path.write_bytes(data)
        try:
            load_yaml(path)
        except ConfigFileError as err:
            # A file under the size limit always gets its problem's line, on one line.
            [(line, problem)] = err.problems
            assert line is not None and 1 <= line <= len(data) + 1
            assert "\n" not in problem
