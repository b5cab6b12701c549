"""The sentence model, loaded once per process, and the claims' vectors kept on disk.

Claim texts, hypotheses and examples change rarely, so their vectors are stored by a hash of the
text (and the model) in one .npz file: a restart, or a claim edit, embeds only what is new, and a
thousand claims start in seconds instead of minutes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.match.embed import DIMENSIONS, Embedder, MiniLMEmbedder, Vectors

log = logging.getLogger(__name__)

MAX_STORED = 500_000  # about 770 MB of vectors; past it, the oldest are dropped

_shared: MiniLMEmbedder | None = None
_shared_lock = threading.Lock()


def shared_embedder() -> MiniLMEmbedder:
    """The process's one sentence model (loading takes seconds and 90 MB)."""
    global _shared  # noqa: PLW0603
    with _shared_lock:
        if _shared is None:
            _shared = MiniLMEmbedder()
        return _shared


def text_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:32]


class VectorStore:
    """Vectors of claim texts by text hash, loaded from and saved to one file."""

    def __init__(self, path: Path | None, model: str = "all-MiniLM-L6-v2") -> None:
        self.path = path
        self.model = model
        self.vectors: dict[str, Vectors] = {}
        self.lock = threading.Lock()
        if path is not None and path.exists():
            try:
                with np.load(path, allow_pickle=False) as data:
                    keys, values = data["keys"], data["vectors"]
                if values.ndim == 2 and values.shape[1] == DIMENSIONS:
                    self.vectors = {str(k): v for k, v in zip(keys, values, strict=True)}
            except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
                # A damaged cache costs only time: the vectors are computed again.
                log.warning("claim vector cache %s unreadable (%s); starting empty", path, err)

    def encode(self, embedder: Embedder, texts: Sequence[str]) -> Vectors:
        keys = [text_key(self.model, t) for t in texts]
        with self.lock:
            missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True)
                                         if k not in self.vectors))  # fmt: skip
            if missing:
                for text, vector in zip(missing, embedder.encode(missing), strict=True):
                    self.vectors[text_key(self.model, text)] = vector
                while len(self.vectors) > MAX_STORED:
                    self.vectors.pop(next(iter(self.vectors)))
                self._save()
            result = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
            for row, key in enumerate(keys):
                result[row] = self.vectors[key]
        return result

    def _save(self) -> None:
        if self.path is None:
            return
        keys = np.asarray(list(self.vectors), dtype="<U32")
        values = np.zeros((0, DIMENSIONS))
        if self.vectors:
            values = np.stack(list(self.vectors.values()))
        temporary: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Written beside the file and renamed: a crash mid-write leaves the old cache whole.
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
            with os.fdopen(handle, "wb") as out:
                np.savez(out, keys=keys, vectors=values.astype(np.float32))
            os.replace(temporary, self.path)
        except OSError as err:
            # An unwritable cache costs the next start time, never this one its matcher.
            log.warning("claim vector cache %s not saved: %s", self.path, err)
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
