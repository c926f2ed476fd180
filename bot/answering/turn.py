"""What the answering pipeline reads of one message: a `Turn` (text, the NLU's reading, the conversation)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from bot import answers, eligibility, follow_ups
from bot.answering.config import CONFIG
from bot.answering.focus import concepts
from bot.answering.passage import Neighbours
from bot.answering.question import Asked, held, read_question, written_out
from bot.answers import Concepts
from bot.knowledge.query import KnowledgeBase, Record


#: The label of the concepts a follow-up keeps from the question before it (where it is asked: "buiten TWE").
_INHERITED = "context"


@dataclass
class Turn:
    """What the pipeline reads of one message: its text, what the NLU made of it, the conversation."""

    text: str
    intent: str = ""
    ranking: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    #: the action the dialogue policy chose: "answer", "combination" or "no_answer" (no confident intent)
    action: str = "answer"
    previous: follow_ups.Context = field(default_factory=follow_ups.Context)
    kb: KnowledgeBase | None = None
    #: the source sentences nearest to the message in meaning, by key (the NLU's `passage_neighbours`)
    neighbours: Neighbours = field(default_factory=dict)

    def __post_init__(self) -> None:
        # every step reads "heeft gn klantendossier", "zit nie in twe" as written out
        self.text = written_out(self.text)

    @cached_property
    def asked(self) -> Asked:
        return read_question(self.text)

    @cached_property
    def own_concepts(self) -> Concepts:
        """The glossary concepts the message names: its entities and what the guide's readers find."""
        assert self.kb is not None
        found = answers.concepts_from_entities(self.kb, self.entities)
        named = eligibility.concepts_in(self.text)
        # a term written into a compound ("LP-begeleiding") that the entity extractor reads as one word
        parts = [p for word in re.findall(r"[\w'-]+", self.text) if "-" in word for p in word.split("-") if p]
        terms_in_parts = answers.concepts_from_entities(self.kb, [{"value": p} for p in parts])
        for label, terms in [*named.items(), *terms_in_parts.items()]:
            found[label] = list(dict.fromkeys(found.get(label, []) + terms))
        return found

    @cached_property
    def concepts(self) -> Concepts:
        """The message's own concepts, and for a follow-up that names no context of its own the context of
        the question before it ("wie registreert da dan?" after "fin nr bvs buiten TWE?": still outside TWE)."""
        found = dict(self.own_concepts)
        if self.previous.entities and not found.get(_INHERITED) and (
                answers.is_follow_up(self.text) or len(self.text.split()) <= CONFIG.elliptical_max_words):
            inherited = answers.concepts_from_entities(self.kb, self.previous.entities).get(_INHERITED)
            if inherited:
                found[_INHERITED] = inherited
        return found

    @cached_property
    def elliptical(self) -> bool:
        """A few words that name nothing of their own ("hoeveel uren per maand?"): about the previous answer."""
        assert self.kb is not None
        return len(self.text.split()) <= CONFIG.elliptical_max_words and not concepts(self.kb, self.text)

    @cached_property
    def previous_topic(self) -> Record | None:
        """The topic of the previous answer, if it had one."""
        assert self.kb is not None
        return answers.previous_topic(self.kb, self.previous.record_ids)

    @cached_property
    def previous_documents(self) -> list[str]:
        """The documents of the previous answer's topic, for a message that follows it up ("en …",
        "heeft da …", a few words naming nothing); [] for a question of its own."""
        assert self.kb is not None
        if self.previous_topic is None or not (self.elliptical or answers.is_follow_up(self.text)):
            return []
        return list(dict.fromkeys(self.kb.documents_citing("topics", self.previous_topic["id"])))

    @cached_property
    def intent_in_context(self) -> str | None:
        """The topic intent of a follow-up, read with the previous answer's records: by the NLU's
        ranking, else by the titles of its document's topics; a few words that name nothing of their
        own ("hoeveel uren per maand?") ask about the previous answer's topic."""
        assert self.kb is not None
        found = answers.intent_in_context(
            self.kb, self.text, self.ranking, self.previous.record_ids, self.elliptical
        )
        if found is not None and self.elsewhere(found):
            found = None  # "en welke duurtijd vinden ze gepast?" after the SERV advice is not about the BVS
        found = found or topic_by_title(self.kb, self)
        if found is None and self.elliptical and self.previous_topic is not None:
            found = self.previous_topic.get("intent")
        return found

    def elsewhere(self, intent: str) -> bool:
        """A follow-up that names nothing of its own, read as a topic of none of the previous answer's documents."""
        assert self.kb is not None
        if not self.previous_documents or concepts(self.kb, self.text):
            return False
        documents = {d for t in self.kb.topics_for_intent(intent) for d in self.kb.documents_citing("topics", t["id"])}
        return bool(documents) and not documents & set(self.previous_documents)


#: Question phrases a topic's title may share with a follow-up ("en voor wie is da bedoeld?" and
#: "Voor wie is GLOW en voor wie niet?"), longest first.
_TITLE_PHRASES = ("voor wie", "bij wie", "hoeveel", "wanneer", "waarom", "wie", "hoe")


def topic_by_title(kb: KnowledgeBase, turn: Turn) -> str | None:
    """The intent of the one topic of the previous answer's document whose title best matches a
    follow-up the NLU could not place; None when none or several match equally."""
    previous, documents = turn.previous_topic, set(turn.previous_documents)
    if previous is None or not documents:  # no previous topic, or the message does not follow it up
        return None
    question = turn.text.casefold()
    phrase = next((p for p in _TITLE_PHRASES if re.search(rf"\b{p}\b", question)), None)
    related = set(previous.get("related") or [])
    scores: dict[str, float] = {}
    for candidate in kb.all("topics"):
        if candidate.get("history") or candidate["id"] == previous["id"] or not candidate.get("intent"):
            continue
        if not documents & set(kb.documents_citing("topics", candidate["id"])):
            continue
        title = candidate["title"].casefold()
        score = len(held(turn.asked, title)) + (1.0 if phrase and re.search(rf"\b{phrase}\b", title) else 0.0)
        if score and candidate["id"] in related:
            score += 0.5
        scores[candidate["intent"]] = max(score, scores.get(candidate["intent"], 0.0))
    ranked = sorted(scores.values(), reverse=True)
    if not ranked or ranked[0] < CONFIG.follow_up_title_min_score or len(ranked) > 1 and ranked[1] == ranked[0]:
        return None
    return max(scores, key=scores.__getitem__)
