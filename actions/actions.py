"""Custom actions: read the tracker, ask `bot.answers`, dispatch, return events.

No rules or Dutch answer texts live here; they come from knowledge.db via `bot`.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import answering, answers, eligibility, follow_ups, messages, privacy, settings
from bot.answering.passage import NEIGHBOURS, key_of
from bot.answering.question import read_question
from bot.answering.steps.described_client import asks_something_else
from bot.errors import DatabaseError
from bot.knowledge import KnowledgeBase

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The knowledge base, opened once per process (DRAAIBOEK_DB)."""
    return KnowledgeBase(settings.db_path())


# Open at import: a missing or outdated knowledge.db stops the action server at startup.
knowledge_base()


def warn_about_personal_data(dispatcher: CollectingDispatcher, text: str) -> None:
    """Remind the user not to share client data when a message seems to hold some."""
    personal_data = privacy.personal_data_kinds(text)
    if personal_data:
        dispatcher.utter_message(text=messages.M021_PERSONAL_DATA.format(kinds=", ".join(personal_data)))


class KnowledgeAction(Action, ABC):
    """Shared flow: answer from the knowledge base, or apologise if it cannot be read.

    Abstract, so that the action server does not register it as an action of its own.
    """

    #: False for an action that answers something else than the latest message (the guide's result)
    answers_the_message = True
    #: what the dialogue policy's choice of this action says about the message (see `answering.Turn`)
    reading = "answer"

    @abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml (abstract: the base class is no action of its own)."""

    def compose(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        """The answer when it is not the latest message's (the guide's result, the handover)."""
        return answering.answer(kb, turn_of(tracker, self.reading))

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        if self.answers_the_message:
            warn_about_personal_data(dispatcher, text)
        try:
            kb = knowledge_base()
            answer = self.answer_message(kb, tracker, text) if self.answers_the_message else self.compose(kb, tracker)
            cited = answers.cited_sources(kb, answer.record_ids, answer.passage)
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
        if answer.shortened:
            buttons = [{"title": messages.M048_MORE, "payload": "/meer_uitleg"}] + buttons
        dispatcher.utter_message(text=answer.full_text, buttons=buttons or None)
        if answer.handover:
            dispatcher.utter_message(json_message=answer.handover)
        return [SlotSet(name, value) for name, value in answer.slots.items()] + self.extra_events(tracker) + [
            SlotSet("answer_records", answer.record_ids),
            SlotSet("answer_sources", cited),
            SlotSet("answer_declined", answer.declined),
            SlotSet("clarification", answer.readings or None),
        ]

    def extra_events(self, tracker: Tracker) -> list[EventType]:
        """Slots an action sets besides the answer's."""
        return []

    def answer_message(self, kb: KnowledgeBase, tracker: Tracker, text: str) -> answers.Answer:
        """The answering pipeline's answer to the latest message."""
        return answering.answer(kb, turn_of(tracker, self.reading))


def turn_of(tracker: Tracker, reading: str, skip_intent: str = "") -> answering.Turn:
    """The latest message as the answering pipeline reads it, with the previous answer as context;
    `skip_intent`: read as the NLU's next intent (a question the guide does not answer)."""
    message = tracker.latest_message
    ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != skip_intent]
    intent = (message.get("intent") or {}).get("name") or ""
    if skip_intent and intent == skip_intent:
        intent = ranking[0]["name"] if ranking else answers.NO_TOPIC_INTENTS[0]
    if skip_intent and intent in answers.NO_TOPIC_INTENTS:
        reading = "no_answer"
    return answering.Turn(
        text=message.get("text") or "",
        intent=intent,
        ranking=ranking,
        entities=message.get("entities") or [],
        action=reading,
        neighbours=neighbours_of(message),
        previous=follow_ups.Context(
            tracker.get_slot("answer_records") or [],
            tracker.get_slot("client_facts"),
            tracker.get_slot("clarification") or [],
            tracker.get_slot("client_targets") or [],
            [source for source in tracker.get_slot("answer_sources") or [] if not source.get("record")],
            _previous_entities(tracker),
            [] if tracker.get_slot("answer_declined") else tracker.get_slot("answer_sources") or [],
            _previous_question(tracker),
        ),
    )


def neighbours_of(message: dict[str, Any]) -> dict[tuple[str, str, int], float]:
    """The source sentences nearest to the message in meaning (bot/nlp/passage_neighbours.py), by key."""
    found = {}
    for near in message.get(NEIGHBOURS) or []:
        try:
            found[key_of(near)] = float(near["similarity"])
        except (KeyError, TypeError, ValueError, IndexError):
            continue  # a parse result of another model version: answered by words alone
    return found


def _previous_entities(tracker: Tracker) -> list[dict[str, Any]]:
    """The entities of the user message before the latest one."""
    previous = _previous_message(tracker)
    return (previous.get("parse_data") or {}).get("entities") or []


def _previous_question(tracker: Tracker) -> str:
    """The text of the user message before the latest one."""
    return _previous_message(tracker).get("text") or ""


def _previous_message(tracker: Tracker) -> dict[str, Any]:
    messages_ = [e for e in tracker.events if e.get("event") == "user"]
    return messages_[-2] if len(messages_) > 1 else {}


class ActionAnswer(KnowledgeAction):
    """Answer the topic the NLU recognised; decline if nothing answers it."""

    def name(self) -> str:
        return "action_answer"


class ActionCheckCombination(KnowledgeAction):
    """Whether two services can be combined, from the combination rule table."""

    reading = "combination"

    def name(self) -> str:
        return "action_check_combination"


class ActionNoAnswer(KnowledgeAction):
    """No confident intent: a follow-up, a passage of the documents, or an honest decline."""

    reading = "no_answer"

    def name(self) -> str:
        return "action_no_answer"


class ActionHandover(KnowledgeAction):
    """"ik wil iemand spreken": the contacts for the conversation's topic, and a handover event."""

    def name(self) -> str:
        return "action_handover"

    def answer_message(self, kb: KnowledgeBase, tracker: Tracker, text: str) -> answers.Answer:
        """A follow-up ("wie contacteer ik daarvoor?") is answered as one; otherwise the contacts."""
        turn = turn_of(tracker, self.reading)
        turn.kb = kb
        for step in (answering.steps.unusable.unusable, answering.steps.follow_up.follow_up):
            found = step(kb, turn)
            if found is not None:
                return found
        return self.compose(kb, tracker)

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


# --- the eligibility guide (form eligibility_form) --------------------------------------------
class ValidateEligibilityForm(FormValidationAction):
    """Read client facts from every message of the form, and ask only what still matters.

    Any message may give several facts or correct one ("nee, ze is 17"); "weet ik niet" answers
    the question just asked. A message with no fact is rejected, so the question in it is answered
    (data/rules.yml) and the form asks again.
    """

    def name(self) -> str:
        return "validate_eligibility_form"

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        warn_about_personal_data(dispatcher, text)  # also when the message answers a question of the form
        if eligibility.wants_to_stop(text):
            return [SlotSet("eligibility_stopped", True)]
        requested = tracker.get_slot("requested_slot")
        if requested is None and asks_something_else(text):
            # "hoeveel groeipakket krijgt een gast van 20 …?": no question for the guide; the result answers it
            return [SlotSet("eligibility_stopped", True)]
        asked = (requested or "").removeprefix("client_") or None
        # "de vrouw van mijne klant is tijdelijk werkloos, kan hij in glow?": her facts are not the client's
        about_someone_else = requested is None and read_question(text).someone_else
        facts = {} if about_someone_else else eligibility.read_facts(text, asked=asked)
        events = [SlotSet(eligibility.QUESTION_BY_KEY[key].slot, value) for key, value in facts.items()]
        if requested is None:  # the question that started the guide: which trajectories it asks about
            events.append(SlotSet("client_targets", eligibility.named_targets(knowledge_base(), text)))
        return events

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # the form asks the first of these without a value; the values of all are kept
        if tracker.get_slot("eligibility_stopped"):
            return ["eligibility_stopped"]
        facts = facts_from_slots(tracker)
        targets = tracker.get_slot("client_targets") or None
        # slots returned here keep their new values; client_targets is set once, from the first message
        kept = ["client_targets"] if tracker.get_slot("client_targets") is not None else []
        if targets and facts and tracker.get_slot("requested_slot") is None:
            # "kan mijn leefloner in GLOW?": a question about one trajectory with a fact is answered
            # at once, with what it still depends on; follow-ups add facts ("ze heeft geen label")
            return kept + [q.slot for q in eligibility.QUESTIONS if q.key in facts]
        try:
            matter = eligibility.facts_that_matter(knowledge_base(), facts, only=targets)
        except (DatabaseError, OSError) as e:
            logger.error("knowledge base unavailable: %s", e)
            return kept
        return kept + [q.slot for q in eligibility.QUESTIONS if q.key in matter or q.key in facts]

    def validate_client_targets(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"client_targets": value}  # as read from the first message; silences rasa_sdk's warning

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType:
        # always explicit (rasa_sdk leaves it to Rasa when the list equals the domain's)
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet("requested_slot", next((s for s in required if tracker.slots.get(s) is None), None))


def facts_from_slots(tracker: Tracker) -> dict[str, str]:
    return {q.key: tracker.get_slot(q.slot) for q in eligibility.QUESTIONS if tracker.get_slot(q.slot) is not None}


class AskClientFact(Action, ABC):
    """Ask one question of the eligibility guide, with its answers as buttons (and "weet ik niet")."""

    @property
    @abstractmethod
    def question(self) -> eligibility.Question:
        """The question this action asks."""

    def name(self) -> str:
        return f"action_ask_{self.question.slot}"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        buttons = [{"title": label, "payload": label} for label in self.question.options.values()]
        buttons += [{"title": messages.M045_DONT_KNOW, "payload": messages.M045_DONT_KNOW}]
        dispatcher.utter_message(text=self.question.text, buttons=buttons)
        return []


# One action per question: Rasa asks for slot X with the action `action_ask_X`. Kept in a dict:
# the action server finds actions through `__subclasses__`, which holds its classes weakly.
ASK_ACTIONS = {
    question.key: type(f"AskClient_{question.key}", (AskClientFact,), {"question": question, "__module__": __name__})
    for question in eligibility.QUESTIONS
}


class ActionEligibilityResult(KnowledgeAction):
    """The guide's answer once the form has what matters: per trajectory, allowed or excluded, why and where."""

    answers_the_message = False  # the form's answers, not the latest message

    def name(self) -> str:
        return "action_eligibility_result"

    def compose(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        facts = facts_from_slots(tracker)
        stopped = tracker.get_slot("eligibility_stopped")
        if stopped and not any(v != eligibility.UNKNOWN for v in facts.values()):
            if not facts and asks_something_else(tracker.latest_message.get("text") or ""):
                return answering.answer(kb, turn_of(tracker, "answer", skip_intent=answers.ELIGIBILITY_INTENT))
            return answers.Answer(text=messages.M040_ELIGIBILITY_STOPPED)
        answer = eligibility.answer_eligibility(kb, facts, only=tracker.get_slot("client_targets") or None)
        if stopped:  # what the rules say with what is known so far
            answer.text = f"{messages.M046_ELIGIBILITY_SO_FAR}\n{answer.text}"
        return answer

    def extra_events(self, tracker: Tracker) -> list[EventType]:
        # the answer keeps the facts in client_facts (for "en als ze 17 is?"); the form starts empty next time
        return [SlotSet("eligibility_stopped", None)] + [
            SlotSet(q.slot, None) for q in eligibility.QUESTIONS
        ]
