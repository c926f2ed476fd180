"""The answering pipeline's order: the steps tried one after another, the first answer wins."""
from __future__ import annotations

from typing import Callable

from bot import answers, eligibility
from bot.answering.steps.abbreviation import abbreviation
from bot.answering.steps.clarifying import clarifying
from bot.answering.steps.contact_detail import contact_detail
from bot.answering.steps.decline import decline
from bot.answering.steps.described_client import asks_about_an_instrument, asks_access, described_client
from bot.answering.steps.elsewhere import elsewhere
from bot.answering.steps.follow_up import follow_up
from bot.answering.steps.in_context import in_context
from bot.answering.steps.passage import passage
from bot.answering.steps.restated import restated
from bot.answering.steps.rule import rule
from bot.answering.steps.ruling import ruling
from bot.answering.steps.topic import topic
from bot.answering.steps.unusable import unusable
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase

Step = Callable[[KnowledgeBase, Turn], "Answer | None"]

STEPS: tuple[Step, ...] = (
    unusable, follow_up, restated, abbreviation, contact_detail, elsewhere, clarifying, described_client, rule, ruling, topic,
    passage,
)


def answer(kb: KnowledgeBase, turn: Turn) -> Answer:
    """The first step's answer; a decline when none answers. What would be declined is first read once
    more: a question whether a described client can get into a named trajectory gets the eligibility
    rules ("kan ne leefloner in GLOW?", whatever the NLU made of it), a follow-up is read in the sections
    the answer before it cited ("en hoelang geldt dat label?"), or as the question before it asked again
    ("en op welk moment moet da gebeuren?")."""
    turn.kb = kb
    found = next((a for a in (step(kb, turn) for step in STEPS) if a is not None), None)
    if found is None or found.declined and not answers.unusable_message(turn.text):
        access = asks_access(turn) and not asks_about_an_instrument(kb, turn)
        found = (eligibility.answer_described_client(kb, turn.text) if access else None) or in_context(kb, turn) \
            or restated(kb, turn, own_question=True) or found or decline(kb, turn)
    if answers.asks_earlier_version(turn.text):
        # about this answer's topic, or (a follow-up without one) the previous answer's
        answered = found.record_ids if found.substantive else turn.previous.record_ids
        found = answers.answer_earlier_version(kb, turn.text, answered) or found
    return found
