"""Step 1, unusable: markup, a pasted text, control characters get a plain reply."""
from __future__ import annotations

from bot import answers
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase


def unusable(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    return answers.unusable_message(turn.text)
