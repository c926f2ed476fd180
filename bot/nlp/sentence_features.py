"""Rasa NLU component: the sentence vector of the pretrained multilingual encoder as a dense feature.

The other featurizers see only the words of our own examples, so "wat is GLOW" and "voor wie is
GLOW", or a near-domain question the draaiboeken do not answer, look alike to them; a pretrained
model of sentence meaning tells them apart (README "Dutch NLP"). This featurizer adds the vector of
`bot.nlp.encoder` (512 numbers, USE multilingual v3) to every message's text as a sentence-level
dense feature, in training and at run time; DIET uses it beside the sparse features.

The encoder is checked (N009/N010) when the component is created, so a model whose encoder is
missing or corrupt does not load, and it is loaded once per process.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp import encoder


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one sentence-level dense feature per message text: its encoder vector."""

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, {**self.get_default_config(), **config})

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> SentenceEncoderFeaturizer:
        encoder.check()  # a missing or corrupt encoder stops training and startup here, with the fix
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to configure besides Rasa's `alias`."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Features change with the encoder: its version and this code are part of the cache key."""
        digest = hashlib.sha256(Path(__file__).read_bytes())
        digest.update(Path(encoder.__file__).read_bytes())
        return digest.hexdigest()

    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [message for message in messages if message.get(TEXT)]
        if with_text:
            vectors = encoder.encode([message.get(TEXT) for message in with_text])
            for message, vector in zip(with_text, vectors):
                self.add_features_to_message(None, vector[None, :], TEXT, message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
