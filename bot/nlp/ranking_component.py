"""Shared plumbing of this project's Rasa NLU components that re-rank intents.

Rasa's graph components need the same create/load/persist boilerplate; a subclass only says how
it learns (`learn`), how its state is written and read (`write_state`/`read_state`), and how it
changes one message's ranking (`rerank`).
"""
from __future__ import annotations

import hashlib
import inspect
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class RankingComponent(GraphComponent, ABC):
    """An intent-ranking component whose learned state is stored with the model."""

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, state: Any = None):
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.state = state

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Rasa restores a component from its training cache when config and data are unchanged;
        a change to the component's code or to what it reads besides the data must retrain it."""
        digest = hashlib.sha256(Path(inspect.getfile(cls)).read_bytes())
        digest.update(Path(__file__).read_bytes())
        digest.update(cls.external_fingerprint({**cls.get_default_config(), **config}).encode())
        return digest.hexdigest()

    @classmethod
    def external_fingerprint(cls, config: dict[str, Any]) -> str:
        """A fingerprint of what the component reads besides the training data ("" for nothing)."""
        return ""

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> RankingComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RankingComponent:
        try:
            with model_storage.read_from(resource) as directory:
                state = cls.read_state(directory)
        except (ValueError, FileNotFoundError):  # never trained: leave rankings as they are
            state = None
        return cls(config, model_storage, resource, state)

    def train(self, training_data: TrainingData) -> Resource:
        self.state = self.learn(training_data)
        if self.state is not None:
            with self._model_storage.write_to(self._resource) as directory:
                self.write_state(directory, self.state)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        if self.state is not None:
            for message in messages:
                ranking = message.get(INTENT_RANKING_KEY) or []
                new_ranking = self.rerank(message, ranking) if ranking else None
                if new_ranking:
                    message.set(INTENT_RANKING_KEY, new_ranking, add_to_output=True)
                    message.set(INTENT, dict(new_ranking[0]), add_to_output=True)
        return messages

    @abstractmethod
    def learn(self, training_data: TrainingData) -> Any:
        """The state learned from the training data; None when there is nothing to learn."""

    @staticmethod
    @abstractmethod
    def write_state(directory: Path, state: Any) -> None:
        """Store the learned state in the model's directory for this component."""

    @staticmethod
    @abstractmethod
    def read_state(directory: Path) -> Any:
        """Read the state `write_state` stored."""

    @abstractmethod
    def rerank(self, message: Message, ranking: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """The message's new intent ranking, best first; None to leave it as it is."""
