"""Compose answers from knowledge records: pick the record, render the Dutch text, add the source.

Actions call these functions and only dispatch the result; every fact in an answer comes
from a record, and every substantive answer carries its source line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from bot import messages
from bot.knowledge.query import KnowledgeBase, Record

#: The trajectory a combination question is about when it names only one service:
#: "combinatietraject" in the draaiboeken means combining with a lokaal partnerschap.
DEFAULT_COMBINATION_PARTNER = "lp"
COMBINATION_INTENT = "combinatie_check"
#: Labels of the services (trajectories, instruments) that rules and topics are about.
SERVICE_LABELS = ("traject", "instrument")


@dataclass
class Answer:
    """What the assistant says, and which records it came from (for logs and feedback)."""

    text: str
    source_line: str | None = None
    record_ids: list[str] = field(default_factory=list)
    buttons: list[dict[str, str]] = field(default_factory=list)
    declined: bool = False

    @property
    def full_text(self) -> str:
        # one newline: Rasa splits a message on blank lines, and answer and source belong together
        return f"{self.text}\n{self.source_line}" if self.source_line else self.text


Concepts = dict[str, list[str]]


def concepts_from_entities(kb: KnowledgeBase, entities: Iterable[dict[str, Any]]) -> Concepts:
    """Glossary term ids by label, from Rasa entities (raw text or synonym-mapped id)."""
    concepts: Concepts = {}
    for entity in entities:
        term = kb.resolve_term(str(entity.get("value", "")))
        if term and term["id"] not in concepts.setdefault(term["label"], []):
            concepts[term["label"]].append(term["id"])
    return concepts


def source_line(kb: KnowledgeBase, sources: list[dict[str, Any]]) -> str:
    """'Bron: <document>, versie <v> (<date>), §a, §b' for the documents a record cites."""
    parts = []
    by_document: dict[tuple[str, str], list[str]] = {}
    for citation in sources:
        sections = by_document.setdefault((citation["document"], str(citation["version"])), [])
        if str(citation["section"]) not in sections:
            sections.append(str(citation["section"]))
    for (document_id, version), sections in by_document.items():
        document = kb.document(document_id) or {"short_title": document_id, "date": "", "version": version}
        template = messages.M001_SOURCE if version != document["date"] else messages.M001_SOURCE_UNDATED
        line = template.format(
            title=document["short_title"], version=version, date=document["date"], section=", §".join(sections)
        )
        parts.append(line)
    return "\n".join(parts)


def answer_topic(kb: KnowledgeBase, topic: Record, concepts: Concepts) -> Answer:
    """The topic's answer, or the first variant whose conditions the question's concepts meet.

    A variant applies when, for every label in `when`, the question names one of its concepts,
    and for no label in `unless` it does.
    """

    def names_any(condition: dict[str, list[str]]) -> list[bool]:
        return [bool(set(values) & set(concepts.get(label, []))) for label, values in condition.items()]

    text = topic["answer"]
    for variant in topic.get("variants") or []:
        if all(names_any(variant["when"])) and not any(names_any(variant.get("unless") or {})):
            text = variant["answer"]
            break
    return Answer(
        text=with_status(text.strip(), topic), source_line=source_line(kb, topic["sources"]), record_ids=[topic["id"]]
    )


def with_status(text: str, record: Record) -> str:
    """Append the status of a changing, planned or historical rule, so it is never stated as plain fact."""
    note = (record.get("status_note") or "").strip()
    return f"{text}\n{messages.M014_STATUS.format(note=note)}" if note else text


#: Kinds of fact a question can ask for, and how an answer that gives one looks. When a question
#: asks for an amount, hours, a phone number, an e-mail address or insurance and the topic's answer
#: has none, the draaiboeken do not answer it: the topic answers a neighbouring question.
ASKED_FACTS = (
    (  # money
        re.compile(r"\b(bedrag\w*|euro|kost(en|t)?|\w*vergoeding\w*|premie\w*|loon|lonen|verdien\w*|betaal\w*|betaald|subsidie\w*)\b|€"),
        re.compile(r"€|\beuro\b"),
    ),
    (  # hours
        re.compile(r"\b(uren|uur)\s+per\b|\bhoeveel\s+uur\b|\bhoeveel\s+uren\b"),
        re.compile(r"\buur\b|\buren\b|\d\s*u\b"),
    ),
    (  # phone
        re.compile(r"\bgsm\b|\b(gsm|telefoon)[- ]?(nummer|nr)\w*"),
        re.compile(r"\b0\d{2,3}[ /.]?\d{2}[ /.]?\d{2,3}"),
    ),
    (  # e-mail
        re.compile(r"\be-?mail(adres)?\w*|\bmailadres\w*"),
        re.compile(r"[\w.+-]+@[\w.-]+\w"),
    ),
    (  # insurance
        re.compile(r"\bverzeker\w*"),
        re.compile(r"verzeker"),
    ),
)


def asks_for_missing_fact(question: str, answer_text: str) -> bool:
    """Whether the question asks for a kind of fact (amount, hours …) that the answer does not give."""
    question, answer_text = question.casefold(), answer_text.casefold()
    return any(asked.search(question) and not given.search(answer_text) for asked, given in ASKED_FACTS)


_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


def markup_answer(question: str) -> Answer | None:
    """A plain reply to a message with HTML tags: its classification cannot be trusted."""
    return Answer(text=messages.M015_MARKUP, declined=True) if _MARKUP.search(question) else None


def answer_question(kb: KnowledgeBase, intent: str, concepts: Concepts, question: str) -> Answer:
    """The topic's answer when it answers this question; otherwise an honest decline."""
    answer = answer_intent(kb, intent, concepts)
    if answer is not None and not asks_for_missing_fact(question, answer.text):
        return answer
    return no_answer(kb, concepts, question)


def answer_intent(kb: KnowledgeBase, intent: str, concepts: Concepts) -> Answer | None:
    """Answer a topic intent; None when no topic answers it or the question is about another service."""
    topics = kb.topics_for_intent(intent)
    if not topics:
        return None
    # Of several topics for one intent, prefer the one sharing most concepts with the question.
    asked = {term for terms in concepts.values() for term in terms}
    best = max(topics, key=lambda t: len(asked & set(t.get("concepts") or [])))
    if _about_other_service(kb, best, concepts):
        return None
    return answer_topic(kb, best, concepts)


def _about_other_service(kb: KnowledgeBase, topic: Record, concepts: Concepts) -> bool:
    """True when the question names services, none of which the topic is about.

    "fin nr wes buiten twe?" may be classified as the BVS financing-number topic; answering
    it would state the BVS number as if it were the WES one.
    """
    named = {t for label in SERVICE_LABELS for t in concepts.get(label, [])}
    covered = set(topic.get("concepts") or [])
    topic_services = {t for t in covered if (kb.get("glossary", t) or {}).get("label") in SERVICE_LABELS}
    return bool(named and topic_services and not named & covered)


def combination_pair(concepts: Concepts) -> tuple[str, str] | None:
    """The two services a combination question is about (one named: with a lokaal partnerschap)."""
    named = [t for label in SERVICE_LABELS for t in concepts.get(label, []) if t != "combinatietraject"]
    if len(named) >= 2:
        return named[0], named[1]
    if len(named) == 1 and named[0] != DEFAULT_COMBINATION_PARTNER:
        return DEFAULT_COMBINATION_PARTNER, named[0]
    return None


def answer_combination(kb: KnowledgeBase, concepts: Concepts) -> Answer:
    """Allowed / excluded / conditional from the rule table, or say the draaiboeken don't settle it."""
    pair = combination_pair(concepts)
    if pair is None:
        return Answer(text=messages.M011_COMBINATION_WHICH, buttons=_overview_buttons(kb))
    a, b = (kb.get("glossary", t) for t in pair)
    rule = kb.combination(*pair)
    if rule is None:
        intro = messages.M009_COMBINATION_UNSETTLED.format(a=a["name"], b=b["name"])
        topics = kb.topics_for_intent(COMBINATION_INTENT)
        if not topics:
            return Answer(text=intro)
        unsettled = answer_topic(kb, topics[0], concepts)
        return Answer(
            text=f"{intro}\n{unsettled.text}", source_line=unsettled.source_line, record_ids=unsettled.record_ids
        )
    template = {
        "allowed": messages.M006_COMBINATION_ALLOWED,
        "excluded": messages.M007_COMBINATION_EXCLUDED,
        "conditional": messages.M008_COMBINATION_CONDITIONAL,
    }[rule["status"]]
    verdict = template.format(a=a["name"], b=b["name"])
    return Answer(
        text=with_status(f"{verdict}\n{rule['reason']}", rule),
        source_line=source_line(kb, rule["sources"]),
        record_ids=[rule["id"]],
    )


def no_answer(kb: KnowledgeBase, concepts: Concepts, question: str = "") -> Answer:
    """Decline honestly, name the right contacts, and offer close topics as buttons."""
    if not question.strip():
        return Answer(text=messages.M013_EMPTY_MESSAGE, declined=True)
    documents: list[str] = []
    for term_id in (t for terms in concepts.values() for t in terms):
        for document_id in kb.documents_citing("glossary", term_id):
            if document_id not in documents:
                documents.append(document_id)
    if not documents:
        documents = [d["id"] for d in kb.all("documents") if d.get("contacts")]
    contacts = kb.contacts_for_documents(documents)
    lines = [messages.M002_NO_ANSWER]
    if contacts:
        lines.append(messages.M003_CONTACTS_INTRO)
        lines += [
            messages.M004_CONTACT_LINE.format(
                name=c["name"], value=f" ({c['value']})" if c.get("value") else "", for_what=c["for_what"]
            )
            for c in contacts
        ]
    suggestions = kb.search_topics(question, limit=3) if question else []
    buttons = [{"title": t["title"], "payload": f"/{t['intent']}"} for t in suggestions if t["intent"] != COMBINATION_INTENT]
    if buttons:
        lines.append(messages.M005_SUGGESTIONS)
    contact_sources = [s for c in contacts for s in c["sources"]]
    return Answer(
        text="\n".join(lines),
        source_line=source_line(kb, contact_sources) if contact_sources else None,
        record_ids=[c["id"] for c in contacts],
        buttons=buttons,
        declined=True,
    )


def _overview_buttons(kb: KnowledgeBase) -> list[dict[str, str]]:
    return [
        {"title": t["title"], "payload": f"/{t['intent']}"}
        for intent in ("combinaties_uitgesloten", "combinaties_mogelijk")
        for t in kb.topics_for_intent(intent)
    ]
