"""The SentenceEncoderFeaturizer NLU component (bot/nlp/sentence_features.py)."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.errors import PipelineError
from bot.nlp import encoder
from bot.nlp.sentence_features import SentenceEncoderFeaturizer


def featurizer(tmp_path) -> SentenceEncoderFeaturizer:
    context = ExecutionContext(graph_schema=None, node_name="sentence_encoder")
    return SentenceEncoderFeaturizer.create({}, LocalModelStorage(tmp_path), Resource("sentence_encoder"), context)


def test_every_text_gets_the_encoders_vector_as_a_dense_sentence_feature(tmp_path):
    messages = [Message(data={"text": "wat is GLOW?"}), Message(data={"text": "voor wie is GLOW?"})]
    featurizer(tmp_path).process(messages)
    for message in messages:
        sequence, sentence = message.get_dense_features("text")
        assert sequence is None
        assert sentence.features.shape == (1, encoder.DIMENSION)
        assert np.allclose(sentence.features[0], encoder.encode([message.get("text")])[0])


def test_training_examples_get_it_too_and_messages_without_text_do_not(tmp_path):
    data = TrainingData(training_examples=[Message(data={"text": "fin nr bvs", "intent": "bvs"}), Message(data={"intent": "bvs"})])
    featurizer(tmp_path).process_training_data(data)
    with_text, without = data.training_examples
    assert with_text.get_dense_features("text")[1].features.shape == (1, encoder.DIMENSION)
    assert without.get_dense_features("text") == (None, None)


def test_a_broken_encoder_stops_the_component_from_loading(tmp_path, monkeypatch):
    def broken():
        raise PipelineError("N010", "het bestand … van de zinsencoder ontbreekt of is beschadigd")

    monkeypatch.setattr(encoder, "check", broken)
    with pytest.raises(PipelineError, match="N010"):
        featurizer(tmp_path)
