"""Rasa NLU component: the sentences of the source texts nearest in meaning to a message.

The answering code finds a source sentence by the words it shares with the question. A question in
other words ("sinds wanneer draait GLOW?" for "van start gegaan") shares none. The encoder that the
NLU already runs on every message (`bot.nlp.encoder`) places question and sentence near each other
when they mean the same, so this component adds to each message's parse data the `top_k` sentences
of the passage index (knowledge.db, `passages`) with the highest cosine similarity:

    "passage_neighbours": [{"document": "glow", "section": "voorwoord", "position": 3, "similarity": 0.41}, …]

The message's vector is the one the featurizer computed (the encoder keeps it), so a message costs
one matrix product. The sentences' vectors are computed once per passage index and kept in the
build folder (`passage_vectors-<hash>.npy`); a knowledge base that is missing or unreadable gives
no neighbours and a warning, never a failed parse (the action server reports the knowledge base).
Only keys and numbers are added: the message's text is not copied anywhere.
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import settings
from bot.answering.passage import NEIGHBOURS
from bot.nlp import encoder

logger = logging.getLogger(__name__)


class PassageVectors:
    """Every passage's key (document, section, position) and its encoder vector, one row each."""

    def __init__(self, keys: list[tuple[str, str, int]], vectors: np.ndarray) -> None:
        self.keys, self.vectors = keys, vectors

    @classmethod
    def of(cls, db_path: Path, cache_dir: Path | None) -> PassageVectors | None:
        """The vectors of the passages in `db_path`, from `cache_dir` when computed before; None when the
        knowledge base cannot be read."""
        try:
            with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
                rows = db.execute("select document, section, position, text from passages order by rowid").fetchall()
        except sqlite3.Error as e:
            logger.warning("Geen zinnen van de brondocumenten voor de betekenisvergelijking (%s: %s)", db_path, e)
            return None
        keys = [(document, str(section), int(position)) for document, section, position, _ in rows]
        texts = [text for *_, text in rows]
        digest = hashlib.sha256(f"{encoder.PACKAGE}=={encoder.VERSION}".encode())
        for text in texts:
            digest.update(text.encode() + b"\0")
        cached = cache_dir / f"passage_vectors-{digest.hexdigest()[:16]}.npy" if cache_dir else None
        if cached is not None and cached.is_file():
            vectors = np.load(cached)
            if vectors.shape == (len(texts), encoder.DIMENSION):
                return cls(keys, vectors)
        vectors = encoder.encode_all(texts)
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                np.save(cached, vectors)
            except OSError as e:  # a read-only build folder: computed again at the next start
                logger.info("Zinvectoren niet bewaard in %s: %s", cached, e)
        return cls(keys, vectors)

    def nearest(self, vector: np.ndarray, top_k: int) -> list[dict[str, Any]]:
        """The `top_k` passages most similar to `vector`, most similar first."""
        if not self.keys:
            return []
        similarity = self.vectors @ vector
        top = np.argpartition(-similarity, min(top_k, len(self.keys) - 1))[:top_k]
        top = top[np.argsort(-similarity[top])]
        return [
            {"document": self.keys[i][0], "section": self.keys[i][1], "position": self.keys[i][2],
             "similarity": round(float(similarity[i]), 4)}
            for i in top
        ]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class PassageNeighbours(GraphComponent):
    """Adds the `top_k` nearest source sentences (keys and similarity) to every message's parse data."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"top_k": 10}

    def __init__(self, config: dict[str, Any], passages: PassageVectors | None) -> None:
        self.top_k = int(config["top_k"])
        self.passages = passages

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> PassageNeighbours:
        encoder.check()
        return cls({**cls.get_default_config(), **config}, PassageVectors.of(settings.db_path(), settings.build_dir()))

    def process(self, messages: list[Message]) -> list[Message]:
        if self.passages is None:
            return messages
        with_text = [message for message in messages if (message.get(TEXT) or "").strip()]
        if with_text:
            vectors = encoder.encode([message.get(TEXT) for message in with_text])
            for message, vector in zip(with_text, vectors):
                message.set(NEIGHBOURS, self.passages.nearest(vector, self.top_k), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # the training examples need no neighbours
