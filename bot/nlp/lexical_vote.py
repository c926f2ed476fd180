"""Rasa NLU component: a second opinion on the intent from a lexical classifier, blended with DIET's.

With 20-45 examples per intent, DIET and a TF-IDF logistic regression make different mistakes:
DIET generalises over word forms, the lexical model holds on to the exact words a topic uses
("jobdoelwit", "uitbetalingsinstelling"). Averaging their confidences was measured to answer more
questions of the scored set correctly than either alone, and to leave fewer near-domain questions
confidently misclassified (README "Measurements"). The lexical model alone is confident on
gibberish, so it never decides by itself: it only moves DIET's ranking.

Trained from the raw texts of the training examples and, with `topic_texts` on, from the titles
and answer sentences of each intent's knowledge records: case workers ask in the documents' own
words, which 20-45 examples cannot all contain. (Character 2-4-grams within words plus words and
word pairs, sublinear TF-IDF, scikit-learn; stored with the model, so a knowledge edit retrains.)
With `dense_weight` above 0 the regression also sees the sentence vector of the pretrained encoder
(`bot.nlp.encoder`), times that weight: words tell topics apart by their terms, the vector by what
the question asks ("wat is GLOW" / "voor wie is GLOW"; README "Dutch NLP").
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from bot.nlp import encoder

from bot.nlp.ranking_component import RankingComponent

_FILE = "lexical_vote.joblib"
#: Shorter pieces of an answer ("Ja.", a heading) say nothing about its topic.
MIN_TOPIC_TEXT_LENGTH = 15


def topic_texts() -> list[tuple[str, str]]:
    """(text, intent) for the title and every line or sentence of each topic's answers in knowledge/."""
    from bot import settings
    from bot.knowledge import load_knowledge

    texts = []
    for topic in load_knowledge(settings.knowledge_dir()).records.get("topics", []):
        answers = [topic.get("answer") or ""] + [v.get("answer") or "" for v in topic.get("variants") or []]
        pieces = [topic.get("title") or ""] + [
            piece.strip(" -\t") for answer in answers for piece in re.split(r"\n|(?<=[.:;])\s", answer)
        ]
        texts += [(piece, topic["intent"]) for piece in pieces if len(piece) >= MIN_TOPIC_TEXT_LENGTH]
    return texts


def lexical_classifier(c: float, dense_weight: float = 0.0, vectors=encoder.encode) -> Pipeline:
    """The TF-IDF logistic regression (unfitted), with the sentence vectors times `dense_weight` beside
    the TF-IDF features when that is above 0. `vectors` maps a list of texts to an array of rows."""
    features = [
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, lowercase=True)),
        # word pairs ("niet haalbaar", "hoogst haalbare") tell neighbouring topics apart
        # (measured in cross-validation: README "Measurements")
        ("words", TfidfVectorizer(sublinear_tf=True, lowercase=True, ngram_range=(1, 2))),
    ]
    weights = {}
    if dense_weight > 0:
        features.append(("sentence", FunctionTransformer(vectors)))
        weights["sentence"] = dense_weight
    return make_pipeline(FeatureUnion(features, transformer_weights=weights or None), LogisticRegression(C=c, max_iter=3000))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LexicalVote(RankingComponent):
    """Blend the intent ranking with a TF-IDF logistic regression: (1 - weight) * DIET + weight * lexical.

    State: the fitted scikit-learn pipeline.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # measured in cross-validation, on the held-out story texts and on the question set
        # (README "Measurements"); weight 0 switches it off
        return {"weight": 0.7, "C": 100.0, "ranking_length": 20, "topic_texts": True, "dense_weight": 0.0}

    @classmethod
    def external_fingerprint(cls, config: dict[str, Any]) -> str:
        texts = repr(topic_texts()) if config["topic_texts"] else ""
        return texts + (f"{encoder.PACKAGE}=={encoder.VERSION}" if config["dense_weight"] > 0 else "")

    def learn(self, training_data: TrainingData) -> Pipeline | None:
        pairs = [(e.get(TEXT), e.get(INTENT)) for e in training_data.intent_examples if e.get(TEXT)]
        intents = {intent for _, intent in pairs}
        if len(intents) < 2:
            return None  # nothing to tell apart
        if self._config["topic_texts"]:
            pairs += [(text, intent) for text, intent in topic_texts() if intent in intents]
        classifier = lexical_classifier(float(self._config["C"]), float(self._config["dense_weight"]))
        return _fast(classifier.fit([text for text, _ in pairs], [intent for _, intent in pairs]))

    @staticmethod
    def write_state(directory: Path, state: Pipeline) -> None:
        joblib.dump(state, directory / _FILE)

    @staticmethod
    def read_state(directory: Path) -> Pipeline:
        return _fast(joblib.load(directory / _FILE))

    def rerank(self, message: Message, ranking: list[dict[str, Any]]) -> list[dict[str, Any]]:
        lexical = dict(zip(self.state.classes_, self.state.predict_proba([message.get(TEXT) or ""])[0]))
        weight = float(self._config["weight"])
        diet = {entry[INTENT_NAME_KEY]: entry[PREDICTED_CONFIDENCE_KEY] for entry in ranking}
        blended = {
            name: (1 - weight) * diet.get(name, 0.0) + weight * float(lexical.get(name, 0.0))
            for name in set(diet) | set(lexical)
        }
        top = sorted(blended.items(), key=lambda item: -item[1])[: int(self._config["ranking_length"])]
        return [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence} for name, confidence in top]


def _fast(classifier: Pipeline) -> Pipeline:
    """Store the coefficients column-major: scikit-learn multiplies the sparse features with `coef_.T`,
    which scipy otherwise copies on every call (4.3 ms per message instead of 0.9 ms, measured)."""
    model = classifier[-1]
    model.coef_ = np.asfortranarray(model.coef_)
    return classifier
