"""Rasa NLU component: a message nobody can read as a question goes to the fallback.

Control characters, a single letter repeated 10,000 times, a whole pasted text: the classifier
still ranks some intent first, and a small-talk intent ("tot later!") answered by a response
never reaches the actions that reply to such input plainly. This component, after the
FallbackClassifier, sets the intent of such a message to `nlu_fallback`, so `action_no_answer`
gives its Dutch reply (too long, or not a question about the draaiboeken).
"""
from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.answers import MAX_QUESTION_CHARS

#: A word: two or more letters, and not one letter repeated ("xxxx").
_WORD = re.compile(r"\b(?!(\w)\1+\b)[^\W\d_]{2,}\b")


def unreadable(text: str) -> bool:
    """Longer than a question can be, or without a single word."""
    return len(text) > MAX_QUESTION_CHARS or not _WORD.search(text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class UnreadableToFallback(GraphComponent):
    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> "UnreadableToFallback":
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.strip() and unreadable(text):
                message.set(INTENT, {INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
        return messages
