"""Rasa NLU component: weigh the intent ranking by the glossary concepts a message names.

The classifier sees words; with 20-45 examples per intent it often ranks a neighbouring topic
of *another* document first ("welke klanten komen in aanmerking voor TWE-OCMW?" -> the
doelgroep of the lokale partnerschappen). The glossary concepts the entity ruler finds are
strong evidence against such a choice: an intent none of whose training examples names
"twe-ocmw" is unlikely to be the topic of a question that does.

Training counts, per intent, the examples that name each concept (ids from the spaCy entity
ruler, the same at training and at inference). Processing multiplies the confidence of every
ranked intent by `absent_concept_factor` for each named concept its examples never name, and
renormalises over the ranking. Intents whose examples name many services (the combination
check) are not penalised for any of them, so the component never *boosts* an intent for a
concept; it only makes unlikely readings less likely. The FallbackClassifier, after this
component, then decides on the re-weighed ranking.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp.ranking_component import RankingComponent

_FILE = "concept_counts.json"


def named_concepts(message: Message) -> set[str]:
    """Glossary term ids the spaCy entity ruler found in the message (empty without a spaCy doc)."""
    doc = message.get(SPACY_DOCS[TEXT])
    return {ent.ent_id_ for ent in doc.ents if ent.ent_id_} if doc is not None else set()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class ConceptEvidence(RankingComponent):
    """Re-weigh the intent ranking: intents never trained with a named concept lose confidence.

    State: for every intent, the concepts its training examples name.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # 0.3: measured on the held-out story texts and the question set (README "Measurements");
        # 1.0 switches the component off.
        return {"absent_concept_factor": 0.3}

    def learn(self, training_data: TrainingData) -> dict[str, set[str]] | None:
        concepts: dict[str, set[str]] = defaultdict(set)
        for example in training_data.intent_examples:
            concepts[example.get(INTENT)].update(named_concepts(example))
        return dict(concepts) or None

    @staticmethod
    def write_state(directory: Path, state: dict[str, set[str]]) -> None:
        data = {intent: sorted(concepts) for intent, concepts in state.items()}
        (directory / _FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @staticmethod
    def read_state(directory: Path) -> dict[str, set[str]]:
        data = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        return {intent: set(concepts) for intent, concepts in data.items()}

    def rerank(self, message: Message, ranking: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        concepts = named_concepts(message)
        if not concepts:
            return None
        factor = float(self._config["absent_concept_factor"])
        weighed = []
        for entry in ranking:
            known = self.state.get(entry[INTENT_NAME_KEY], set())
            weight = factor ** len(concepts - known)
            weighed.append({**entry, PREDICTED_CONFIDENCE_KEY: entry[PREDICTED_CONFIDENCE_KEY] * weight})
        before = sum(entry[PREDICTED_CONFIDENCE_KEY] for entry in ranking)
        after = sum(entry[PREDICTED_CONFIDENCE_KEY] for entry in weighed) or 1.0
        for entry in weighed:
            entry[PREDICTED_CONFIDENCE_KEY] *= before / after
        return sorted(weighed, key=lambda entry: -entry[PREDICTED_CONFIDENCE_KEY])
