"""The learned matcher: its labeled data, the fixed split, the committed model and what it
promises subscribers (calibrated confidence, new claims that do not match everything)."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.claims_file import load_claims_file
from bot.cli import main
from bot.config import load_settings
from bot.domain import Claim
from bot.errors import ConfigFileError
from bot.match.dataset import data_hash, labeled_files, load_labeled, select, split_of
from bot.match.embed import DIMENSIONS, Vectors
from bot.match.evaluate import evaluate
from bot.match.model import MODEL_PATH, load_model
from bot.match.service import Matcher
from bot.match.vectors import VectorStore, shared_embedder

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = ROOT / "claims.yaml"


@pytest.fixture(scope="module")
def labeled() -> list:  # type: ignore[type-arg]
    return load_labeled(labeled_files())


def test_the_split_depends_on_the_id_alone_and_keeps_its_proportions(labeled: list) -> None:  # type: ignore[type-arg]
    # The rule is a contract: an item never changes split, so these stay as they are.
    pinned = {"wa-0001": "dev", "wz-0100": "train", "rl-0042": "train", "dev-001": "test"}
    assert {item_id: split_of(item_id) for item_id in pinned} == pinned
    shares = Counter(split_of(i.id) for i in labeled)
    total = sum(shares.values())
    assert abs(shares["train"] / total - 0.6) < 0.04
    assert abs(shares["dev"] / total - 0.2) < 0.04
    assert abs(shares["test"] / total - 0.2) < 0.04


def test_the_labeled_data_is_large_varied_and_documented(labeled: list) -> None:  # type: ignore[type-arg]
    assert len(labeled) >= 1500
    stances = Counter(s for i in labeled for s in i.labels.values())
    assert stances["contradicts"] / sum(stances.values()) >= 0.20
    languages = Counter(i.item.lang for i in labeled if i.labels)
    assert languages["ru"] >= 50 and languages["zh"] >= 50
    readme = (ROOT / "eval" / "README.md").read_text(encoding="utf-8")
    for path in labeled_files():
        assert path.name in readme, f"{path.name} has no provenance in eval/README.md"


def test_the_committed_model_was_fitted_on_the_committed_data() -> None:
    assert load_model().data_hash == data_hash(labeled_files(), load_claims_file(CLAIMS)), (
        "the labeled files or claims.yaml changed: run `claimwatch train` and commit the model"
    )


def test_what_the_matcher_never_reads_of_a_claim_does_not_ask_for_a_new_model() -> None:
    claims = load_claims_file(CLAIMS)
    retitled = [replace(c, short=c.short + " (edited)", deadline=None) for c in claims]
    reworded = [replace(claims[0], text=claims[0].text + " Soon."), *claims[1:]]
    assert data_hash([], retitled) == data_hash([], claims)
    assert data_hash([], reworded) != data_hash([], claims)


def test_a_broken_labeled_line_stops_training_with_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "a", "title": "ok", "labels": []}\n{"id": "b", "labels": [\n'
        '{"id": "c", "title": "t", "labels": 5}\n{"id": "d", "labels": []}\n',
        "utf-8",
    )
    with pytest.raises(ConfigFileError) as raised:
        load_labeled([path])
    assert str(raised.value).splitlines() == [
        f"{path}:2: not valid JSON",
        f"{path}:3: 'labels' must be a list of {{claim, stance}}",
        f"{path}:4: an item needs at least a text 'title'",
    ]


@pytest.mark.slow
def test_train_reproduces_the_committed_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--check"]) == 0, capsys.readouterr().err
    assert "matches a fresh fit" in capsys.readouterr().out


def test_the_model_file_is_small_and_plain_json() -> None:
    assert MODEL_PATH.stat().st_size < 20 * 1024 * 1024
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert set(data["profiles"]) == {"hybrid", "lexical", "foreign"}


@pytest.fixture(scope="module")
def hybrid() -> Matcher:
    return Matcher(load_claims_file(CLAIMS), shared_embedder())


@pytest.mark.slow
def test_the_shown_confidence_is_calibrated_on_dev(hybrid: Matcher, labeled: list) -> None:  # type: ignore[type-arg]
    report = evaluate(hybrid, select(labeled, "dev"))
    assert report.calibration_error <= 0.10
    # One item never makes a call certain.
    assert max(confidence for confidence, _ in report.shown) < 0.98
    # Higher shown confidence means right more often.
    rows = report.reliability()
    assert rows[-1][2] > rows[0][2]


@pytest.mark.slow
def test_a_claim_given_by_its_text_alone_does_not_match_everything(
    labeled: list,  # type: ignore[type-arg]
) -> None:
    # The visit claim added again as `claims add` would: its text, no hypotheses, no keywords.
    claims = load_claims_file(CLAIMS)
    visit = next(c for c in claims if c.id == "trump-xi-visit")
    bare = Claim(id="new-claim", text=visit.text, theme="t", kind="forecast")
    matcher = Matcher([c for c in claims if c is not visit] + [bare], shared_embedder())
    items = [i for i in select(labeled, "dev") if i.item.lang == "en"]
    results = matcher.score_items([i.item for i in items])
    new = [[m for m in matches if m.claim_id == "new-claim"] for matches in results]
    unrelated = [m for i, m in zip(items, new, strict=True) if not i.labels]
    alerting = sum(any(x.level == "alert" for x in m) for m in unrelated)
    assert alerting / len(unrelated) <= 0.03
    about_visit = [m for i, m in zip(items, new, strict=True) if "trump-xi-visit" in i.labels]
    assert sum(bool(m) for m in about_visit) / len(about_visit) >= 0.5


class CountingEmbedder:
    """A stand-in for the sentence model that counts what it is asked to embed."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls += texts
        rng = np.random.default_rng(len(texts))
        vectors = rng.normal(size=(len(texts), DIMENSIONS)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_claim_vectors_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    first = CountingEmbedder()
    vectors = VectorStore(path).encode(first, ["a claim", "a hypothesis"])
    second = CountingEmbedder()
    again = VectorStore(path).encode(second, ["a hypothesis", "a claim", "a new one"])
    assert second.calls == ["a new one"]
    assert np.array_equal(again[0], vectors[1]) and np.array_equal(again[1], vectors[0])


def test_a_damaged_vector_cache_costs_time_not_the_bot(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "vectors.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    embedder = CountingEmbedder()
    with caplog.at_level(logging.WARNING):
        store = VectorStore(path)
        store.encode(embedder, ["a claim"])
    assert embedder.calls == ["a claim"]
    assert "unreadable" in caplog.text
    assert VectorStore(path).vectors  # rewritten whole


def test_an_unwritable_vector_cache_costs_time_not_the_matcher(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING):
        vectors = VectorStore(blocker / "cache" / "vectors.npz").encode(CountingEmbedder(), ["a"])
    assert vectors.shape == (1, DIMENSIONS)
    assert "not saved" in caplog.text


def test_eval_needs_a_file_or_a_split(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--matcher", "lexical"]) == 2
    assert "a labeled file or --split" in capsys.readouterr().err


def test_an_empty_vector_cache_setting_keeps_vectors_in_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLAIMWATCH_VECTOR_CACHE", " ")
    assert load_settings().vector_cache is None
    monkeypatch.setenv("CLAIMWATCH_VECTOR_CACHE", "/var/cache/claimwatch/vectors.npz")
    assert load_settings().vector_cache == Path("/var/cache/claimwatch/vectors.npz")
