"""Custom actions: read the tracker, ask `bot.answers`, dispatch, return events.

No rules or Dutch answer texts live here; they come from knowledge.db via `bot`.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import answers, messages, privacy, settings
from bot.errors import DatabaseError
from bot.knowledge import KnowledgeBase

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The knowledge base, opened once per process (DRAAIBOEK_DB)."""
    return KnowledgeBase(settings.db_path())


# Open at import: a missing or outdated knowledge.db stops the action server at startup.
knowledge_base()


class KnowledgeAction(Action, ABC):
    """Shared flow: answer from the knowledge base, or apologise if it cannot be read.

    Abstract, so that the action server does not register it as an action of its own.
    """

    @abstractmethod
    def compose(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        """The answer to the latest message."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        personal_data = privacy.personal_data_kinds(text)
        if personal_data:
            dispatcher.utter_message(text=messages.M021_PERSONAL_DATA.format(kinds=", ".join(personal_data)))
        try:
            kb = knowledge_base()
            answer = answers.unusable_message(text) or self.compose(kb, tracker)
            if answers.asks_for_source(text):  # "welke bron?" is about the previous answer
                previous = tracker.get_slot("answer_records") or []
                answer = answers.answer_source_request(kb, text, previous) or answer
            elif answers.asks_earlier_version(text):
                # about this answer's topic, or (a follow-up without one) the previous answer's
                answered = answer.record_ids if answer.substantive else tracker.get_slot("answer_records") or []
                answer = answers.answer_earlier_version(kb, text, answered) or answer
            cited = answers.cited_sources(kb, answer.record_ids)
        except (DatabaseError, OSError) as e:
            logger.error("knowledge base unavailable: %s", e)
            dispatcher.utter_message(text=messages.M012_KB_UNAVAILABLE)
            return []
        no_answer = answer.declined and messages.NO_ANSWER_MARKER in answer.text
        if no_answer and tracker.get_slot("answer_declined") and not answer.handover:
            # the second question in a row without an answer: offer the people behind the draaiboeken
            answer.text += "\n" + messages.M032_HANDOVER_AFTER_FAILURES
            answer.handover = answers.handover(kb, [], "herhaald geen antwoord").handover
        buttons = answer.buttons or (answers.feedback_buttons() if answer.substantive else [])
        dispatcher.utter_message(text=answer.full_text, buttons=buttons or None)
        if answer.handover:
            dispatcher.utter_message(json_message=answer.handover)
        return [
            SlotSet("answer_records", answer.record_ids),
            SlotSet("answer_sources", cited),
            SlotSet("answer_declined", answer.declined),
        ]

    @staticmethod
    def intent_in_context(kb: KnowledgeBase, tracker: Tracker) -> str | None:
        """The topic intent of a follow-up message, read with the previous answer's records."""
        return answers.intent_in_context(
            kb,
            tracker.latest_message.get("text") or "",
            tracker.latest_message.get("intent_ranking") or [],
            tracker.get_slot("answer_records"),
        )

    @staticmethod
    def concepts(kb: KnowledgeBase, tracker: Tracker) -> answers.Concepts:
        return answers.concepts_from_entities(kb, tracker.latest_message.get("entities") or [])


class ActionAnswer(KnowledgeAction):
    """Answer the topic the NLU recognised; decline if no topic answers that intent."""

    def name(self) -> str:
        return "action_answer"

    def compose(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        intent = self.intent_in_context(kb, tracker) or (tracker.latest_message.get("intent") or {}).get("name") or ""
        text = tracker.latest_message.get("text") or ""
        return answers.answer_question(kb, intent, self.concepts(kb, tracker), text)


class ActionCheckCombination(KnowledgeAction):
    """Whether two services can be combined, from the combination rule table."""

    def name(self) -> str:
        return "action_check_combination"

    def compose(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        return answers.answer_combination(
            kb,
            self.concepts(kb, tracker),
            tracker.latest_message.get("intent_ranking") or [],
            tracker.latest_message.get("text") or "",
        )


class ActionNoAnswer(KnowledgeAction):
    """Say honestly that the draaiboeken do not answer this, with the right contacts."""

    def name(self) -> str:
        return "action_no_answer"

    def compose(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        text = tracker.latest_message.get("text") or ""
        intent = self.intent_in_context(kb, tracker)
        if intent:  # unclear on its own, clear as a follow-up of the previous answer
            return answers.answer_question(kb, intent, self.concepts(kb, tracker), text)
        return answers.no_answer(kb, self.concepts(kb, tracker), text)


class ActionHandover(KnowledgeAction):
    """"ik wil iemand spreken": the contacts for the conversation's topic, and a handover event."""

    def name(self) -> str:
        return "action_handover"

    def compose(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        return answers.handover(kb, tracker.get_slot("answer_records") or [], "gevraagd")


class ActionStoreFeedback(Action):
    """Store a 👍/👎 rating with the record ids of the answer it rates (slot `feedback`, in the tracker store)."""

    def name(self) -> str:
        return "action_store_feedback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        rating = next(tracker.get_latest_entity_values("rating"), None)
        records = tracker.get_slot("answer_records") or []
        if rating not in answers.RATINGS or not records:
            dispatcher.utter_message(text=messages.M020_FEEDBACK_NOTHING)
            return []
        thanks = messages.M018_FEEDBACK_THANKS if rating == "goed" else messages.M019_FEEDBACK_THANKS_DOWN
        dispatcher.utter_message(text=thanks)
        return [SlotSet("feedback", {"rating": rating, "records": records})]
