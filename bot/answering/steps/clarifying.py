"""Step 3, clarifying question: "het traject" that can be GLOW or TWE-OCMW — ask which."""
from __future__ import annotations

from bot import answers, eligibility
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase


def clarifying(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    if turn.action == "combination" or (turn.action == "no_answer" and turn.intent_in_context):
        return None
    return answers.clarify_trajectory(kb, turn.text, turn.concepts, turn.ranking, eligibility.targets(kb))
