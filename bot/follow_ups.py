"""Follow-ups that only make sense after an answer: read against what was just answered.

"welke bron?", "waarom niet?", "wie contacteer ik daarvoor?", "en voor GLOW?", "en met IBO?",
"en als hij jonger is dan 25?". Each is recognised here and answered from the records of the
previous answer (and, after the eligibility guide, the client facts it used); anything else
returns None and the question is answered on its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot import answers, eligibility, messages
from bot.answers import Answer, Concepts
from bot.knowledge.query import KnowledgeBase

#: A follow-up is short; a long message is a question of its own, even when it starts with "en".
MAX_WORDS = 12

#: A reply to a clarifying question that names a reading's concept ("buiten twe") is this short.
READING_MAX_WORDS = 4

_WHY = re.compile(r"^\W*(?:en\s+)?(?:waarom|hoezo|hoe\s+komt\s+(?:dat|da)|om\s+welke\s+reden)\b", re.IGNORECASE)
_CONTACTS = re.compile(
    r"\b(?:wie\s+(?:contacteer|bel|mail|verwittig|vraag)\s+ik|wie\s+(?:kan|moet|mag)\s+ik\s+(?:contacteren|bellen|mailen|"
    r"aanspreken)|bij\s+wie\s+(?:kan|moet)\s+ik\s+(?:terecht|aankloppen)|tot\s+wie\s+(?:kan|moet)\s+ik\s+me\s+wenden|"
    r"wie\s+is\s+(?:de|mijn|het)\s+(?:contactpersoon|aanspreekpunt)|wie\s+helpt\s+me)\b",
    re.IGNORECASE,
)
#: "en voor GLOW?", "en met IBO?", "en bij TWE?": the previous question, about another service
_OTHER_SERVICE = re.compile(r"^\W*(?:en|maar|ook)\s+(?:voor|met|bij|in|naar|tijdens|als|wat\s+met)\b", re.IGNORECASE)


@dataclass
class Context:
    """What the previous answer was about."""

    record_ids: list[str] = field(default_factory=list)
    #: the client facts of the eligibility guide's last answer
    client_facts: dict[str, str] | None = None
    #: the readings offered by a clarifying question just asked ([{title, intent, concepts}])
    readings: list[dict] = field(default_factory=list)
    #: the trajectories the guide's question was about (none named: all)
    targets: list[str] = field(default_factory=list)
    #: the passages the previous answer quoted word for word ([{document, section}]): no record to continue,
    #: so a follow-up is read in their sections
    quoted: list[dict] = field(default_factory=list)
    #: the entities of the previous question ("fin nr bvs buiten TWE?": buiten TWE), for a follow-up that
    #: names none of its own ("wie registreert da dan?")
    entities: list[dict] = field(default_factory=list)
    #: the sections the previous answer cited ([{document, section}], none when it was declined): a follow-up
    #: that would be declined is read in them ("en hoelang geldt dat label?")
    cited: list[dict] = field(default_factory=list)
    #: the question before this message, as typed: "en een TWE-traject?" asks it again about TWE-OCMW
    question: str = ""


def _short(text: str) -> bool:
    return len(text.split()) <= MAX_WORDS


def _kinds(kb: KnowledgeBase, record_ids: list[str]) -> set[str]:
    return {kind for rid in record_ids for kind in ("topics", "combinations", "eligibility") if kb.get(kind, rid)}


def _services(concepts: Concepts) -> list[str]:
    return [t for label in answers.SERVICE_LABELS for t in concepts.get(label, []) if t != "combinatietraject"]


def answer(kb: KnowledgeBase, text: str, concepts: Concepts, context: Context) -> Answer | None:
    """The answer to a follow-up of the previous answer, or None when the message is no follow-up."""
    if not _short(text):
        return None
    reading = chosen_reading(text, concepts, context.readings)
    if reading:
        asked = {label: list(dict.fromkeys(concepts.get(label, []) + terms)) for label, terms in reading["concepts"].items()}
        return answers.answer_intent(kb, reading["intent"], {**concepts, **asked})
    if not context.record_ids:
        return None
    source = answers.answer_source_request(kb, text, context.record_ids)
    if source:
        return source
    kinds = _kinds(kb, context.record_ids)
    after_guide = context.client_facts is not None and "eligibility" in kinds
    if _WHY.search(text) and not _services(concepts):
        return answer_why(kb, context)
    if _CONTACTS.search(text) and not any(concepts.values()):
        return answer_contacts(kb, context.record_ids)
    if after_guide:
        new_facts = eligibility.read_facts(text)
        if new_facts:
            facts = {**(context.client_facts or {}), **new_facts}
            return eligibility.answer_eligibility(kb, facts, only=context.targets or None)
        if _OTHER_SERVICE.search(text) and _services(concepts):
            return eligibility.answer_named_targets(kb, context.client_facts or {}, _services(concepts))
    if "combinations" in kinds and _OTHER_SERVICE.search(text) and len(_services(concepts)) == 1:
        return answer_other_combination(kb, context.record_ids, _services(concepts)[0])
    return None


def chosen_reading(text: str, concepts: Concepts, readings: list[dict]) -> dict | None:
    """The reading a reply to a clarifying question picks: its button title typed, or its concepts named."""
    typed = text.casefold().strip(" .!?")
    for reading in readings:
        if typed == reading["title"].casefold():
            return reading
    if len(text.split()) > READING_MAX_WORDS and not answers.is_follow_up(text):
        return None  # a question of its own, not a reply ("en als hij nog niet ingeschreven is?" is one)
    named = {t for terms in concepts.values() for t in terms}
    picked = [r for r in readings if named & {t for terms in r["concepts"].values() for t in terms}]
    return picked[0] if len(picked) == 1 else None


def answer_why(kb: KnowledgeBase, context: Context) -> Answer:
    """The passages behind the previous answer, word for word; after the guide, those of what it excluded."""
    record_ids = context.record_ids
    if context.client_facts is not None:
        excluded = [
            f.record["id"]
            for v in eligibility.evaluate(kb, context.client_facts)
            if v.status == "excluded"
            for f in v.findings
            if f.record["id"] in record_ids
        ]
        record_ids = excluded or record_ids
    quoted = answers.quote_sources(kb, record_ids, messages.M041_WHY_INTRO)
    return quoted or answers.no_answer(kb, {}, "waarom")


def answer_contacts(kb: KnowledgeBase, record_ids: list[str]) -> Answer:
    """The people for the previous answer's topic (its own contacts first), without a handover event."""
    contacts = answers.contacts_for_records(kb, record_ids)
    answer_ = answers.contacts_answer(kb, messages.M042_CONTACTS_FOR_TOPIC, contacts)
    answer_.record_ids = [c["id"] for c in contacts]
    return answer_


def answer_other_combination(kb: KnowledgeBase, record_ids: list[str], named: str) -> Answer:
    """"en met IBB?" after "mag een BVS in een LP?": the same question with the newly named service.

    The rule table pairs a trajectory (its `a` side: LP, GLOW, TWE-OCMW) with a service. A newly
    named trajectory replaces the trajectory ("en in GLOW?"); any other service replaces the service.
    """
    rule = next(r for r in map(lambda i: kb.get("combinations", i), record_ids) if r)
    trajectories = {r["a"] for r in kb.all("combinations")}
    kept = rule["b"] if named in trajectories and named != rule["b"] else rule["a"]
    if kept == named:
        return answers.render_combination(kb, rule)
    return answers.answer_combination(kb, {"traject": [kept, named]})
