"""Step 8, decline: "dat staat niet in de draaiboeken", with the contact of the document asked about."""
from __future__ import annotations

from bot import answers
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase


def decline(kb: KnowledgeBase, turn: Turn, documents: list[str] | None = None) -> Answer:
    return answers.no_answer(kb, turn.concepts, turn.text, documents=documents)
