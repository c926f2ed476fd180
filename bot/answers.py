"""Compose answers from knowledge records: pick the record, render the Dutch text, add the source.

Actions call these functions and only dispatch the result; every fact in an answer comes
from a record, and every substantive answer carries its source line.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from bot import messages
from bot.knowledge.passages import split_sentences
from bot.knowledge.query import YEAR, KnowledgeBase, Record

#: The trajectory a combination question is about when it names only one service:
#: "combinatietraject" in the draaiboeken means combining with a lokaal partnerschap.
DEFAULT_COMBINATION_PARTNER = "lp"
COMBINATION_INTENT = "combinatie_check"
#: the intent that opens the eligibility guide (data/rules.yml)
ELIGIBILITY_INTENT = "eligibility_check"
#: the intents of a message no topic answers (data/rules.yml: action_no_answer)
NO_TOPIC_INTENTS = ("nlu_fallback", "out_of_scope")
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
    #: an event for the channel when a human should take over (see `handover`)
    handover: dict[str, Any] | None = None
    #: a clarifying question's readings: [{title, intent, concepts}], so a typed reply can pick one
    readings: list[dict[str, Any]] = field(default_factory=list)
    #: conversation slots the answer sets besides the standard ones (the guide's client facts)
    slots: dict[str, Any] = field(default_factory=dict)
    #: part of a topic's answer: the rest is one click ("Meer uitleg") away
    shortened: bool = False
    #: the verdict a sentence of the topic carries and the answer opens with (ja / nee / hangt af)
    verdict: str | None = None
    #: the source passage quoted when no record answers ({document, version, section, passage})
    passage: dict[str, Any] | None = None

    @property
    def substantive(self) -> bool:
        """An answer from the knowledge base (not a decline or a clarifying question): it can be rated."""
        return bool(self.record_ids or self.passage) and not self.declined

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
    """'Bron: <document>, versie <v> (<date>), §a <title>; §b <title>' for the documents a record cites.

    A record kept from an earlier version and also cited in the newer one shows the newer only.
    """
    parts = []
    by_document: dict[tuple[str, str], list[str]] = {}
    for citation in current_citations(kb, sources):
        sections = by_document.setdefault((citation["document"], str(citation["version"])), [])
        if str(citation["section"]) not in sections:
            sections.append(str(citation["section"]))
    for (document_id, version), sections in by_document.items():
        document = kb.document(document_id) or {"short_title": document_id, "date": "", "version": version}
        template = messages.M001_SOURCE if version != document["date"] else messages.M001_SOURCE_UNDATED
        titled = [f"{s} {kb.section_title(document_id, s) or ''}".strip() for s in sections]
        line = template.format(
            title=document["short_title"], version=version, date=document["date"], section="; §".join(titled)
        )
        parts.append(line)
    return "\n".join(parts)


def current_citations(kb: KnowledgeBase, citations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The citations of documents in force; all of them for a record that cites only superseded versions."""
    superseded = kb.superseded_documents()
    return [c for c in citations if c["document"] not in superseded] or list(citations)


def documents_with_contacts(kb: KnowledgeBase) -> list[str]:
    """Every document in force that names contacts (when a question is about no document in particular)."""
    superseded = kb.superseded_documents()
    return [d["id"] for d in kb.all("documents") if d.get("contacts") and d["id"] not in superseded]


def cited_sources(kb: KnowledgeBase, record_ids: list[str], passage: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """{record, document, version, section} of every citation of the answered records, and of a quoted
    `passage` (no record), for the conversation log (the helpdesk review shows the passage next to the
    answer) and for the next message (what it may follow up)."""
    quoted = [{"record": None, **{k: passage[k] for k in ("document", "version", "section")}}] if passage else []
    return [
        {"record": row["record_id"], "document": row["document"], "version": row["version"], "section": row["section"]}
        for row in kb.citations(record_ids)
    ] + quoted


def answer_topic(kb: KnowledgeBase, topic: Record, concepts: Concepts) -> Answer:
    """The topic's answer, or the first variant whose conditions the question's concepts meet.

    A variant applies when, for every label in `when`, the question names one of its concepts,
    and for no label in `unless` it does.
    """

    return Answer(
        text=with_status(topic_text(topic, concepts), topic),
        source_line=source_line(kb, topic["sources"]),
        record_ids=[topic["id"]],
    )


def topic_text(topic: Record, concepts: Concepts) -> str:
    """The topic's answer text for these concepts (see `answer_topic`), without its status note."""

    def names_any(condition: dict[str, list[str]]) -> list[bool]:
        return [bool(set(values) & set(concepts.get(label, []))) for label, values in condition.items()]

    text = topic["answer"]
    for variant in topic.get("variants") or []:
        if all(names_any(variant["when"])) and not any(names_any(variant.get("unless") or {})):
            text = variant["answer"]
            break
    return text.strip()


def with_status(text: str, record: Record) -> str:
    """Append the status of a changing, planned or historical rule, so it is never stated as plain fact."""
    note = (record.get("status_note") or "").strip()
    return f"{text}\n{messages.M014_STATUS.format(note=note)}" if note else text


def with_brief_status(kb: KnowledgeBase, text: str, record: Record) -> str:
    """`with_status` for a short answer: the status said briefly, the whole note comes with the topic —
    what the background document is ("Onderzoeksrapport uit 2013, geen regelgeving die nu geldt."), or
    the note's first sentence, of a labelled one its label ("Regelwijziging in uitvoering: …")."""
    note = (record.get("status_note") or "").strip()
    if not note:
        return text
    brief = _background_note(kb, record) or _label(split_sentences(note)[0])
    return f"{text}\n{messages.M014_STATUS.format(note=brief)}"


def _background_note(kb: KnowledgeBase, record: Record) -> str | None:
    """What the one background document a record cites is, as the knowledge base notes it."""
    documents = {c["document"] for c in record.get("sources") or []}
    document = kb.document(documents.pop()) if len(documents) == 1 else None
    if not document or document.get("weight") != "background":
        return None
    return (document.get("note") or "").strip() or None


def _label(sentence: str) -> str:
    """"Regelwijziging in uitvoering: de programmawet …" -> "Regelwijziging in uitvoering."; a sentence
    without such a label whole."""
    label, colon, _ = sentence.partition(": ")
    return f"{label}." if colon and "(" not in label and len(label.split()) <= 5 else sentence


#: Kinds of fact a question can ask for, and how an answer that gives one looks. When a question
#: asks for an amount, a date, a duration, a count, hours, a phone number, an e-mail address,
#: insurance, a signature, a password or a layout and the topic's answer has none, the draaiboeken
#: do not answer it: the topic answers a neighbouring question ("tot wanneer loopt de ESF-oproep?"
#: is not answered by what the ESF-oproep is).
#: A contact detail asked and given: a link, a phone number, an e-mail address.
CONTACT_DETAILS = (
    (  # a link: a web address
        re.compile(r"\b(link|url|webadres|internetadres)\b"),
        re.compile(r"https?://|\bwww\."),
    ),
    (  # where to download something: a web address, or the site that has it ("downloaden op het Extranet")
        re.compile(r"\b(downloaden|download)\b"),
        re.compile(r"https?://|\bwww\.|\b(extranet|website|webpagina|intranet)\b"),
    ),
    (  # phone
        re.compile(r"\bgsm\b|\b(gsm|telefoon)[- ]?(nummer|nr)\w*"),
        re.compile(r"\b0\d{2,3}[ /.]?\d{2}[ /.]?\d{2,3}"),
    ),
    (  # e-mail
        re.compile(r"\be-?mail(adres)?\w*|\bmailadres\w*"),
        re.compile(r"[\w.+-]+@[\w.-]+\w"),
    ),
)
NUMBER_WORDS = (r"één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|vijftien|zestien|"
                r"zeventien|achttien|negentien|twintig|dertig|veertig|vijftig|zestig|honderd")
_TIME_UNITS = r"dag|dagen|week|weken|maand|maanden|jaar|jaren|uur|uren"
_MONTHS = r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
ASKED_FACTS = (
    (  # money
        # not "betaald werk" (a paid job) nor "verdient aandacht"
        re.compile(
            r"\b(bedrag\w*|bedraagt|bedroeg|euro|kost(en|t)?|\w*vergoeding\w*|premie\w*|loon|lonen|verdienste\w*|subsidie\w*|"
            r"budget\w*|financiering)\b"
            r"|\b(hoeveel|wat)\s+(verdien|betaal|krijg|ontvang)\w*|\bhoeveel\b[^?.]*\b(betaald|betaalt|verdient|verdienen)\b|\bbetaal(t|en|d)?\s+(voor|aan|de|het|hem|haar|hen)\b|€"
        ),
        re.compile(r"€|\beuro\b"),
    ),
    (  # a date
        # … or when something starts ("wanneer gaan de samenlevingsjobs van start?")
        re.compile(r"\b(vanaf|tot|sinds|tegen)\s+wanneer\b|\bwelke\s+datum\b|\bop\s+welke\s+dag\b|\bdeadline\b"
                   r"|\bwanneer\b[^?.]{0,60}\b(start\w*|gestart|begint|beginnen|van\s+start|ingevoerd|in\s+werking)\b"),
        # a day or a month with its year: "2024-2029" or "advies 2025" is no date to act on
        re.compile(rf"\b\d{{1,2}}\s+({_MONTHS})\b|\b({_MONTHS})\s+(19|20)\d\d\b|\b\d{{1,2}}/\d{{1,2}}\b"),
    ),
    (  # a share
        re.compile(r"\b(procent|percentage|welk aandeel)\b|\b(welk|hoeveel)\s*%"),
        re.compile(r"%|\bprocent\b"),
    ),
    (  # a year
        re.compile(r"\b(in|tot|vanaf|sinds|tegen)?\s*welk\s+jaar\b"),
        re.compile(r"\b(19|20)\d\d\b"),
    ),
    (  # a duration: a number with its unit of time
        re.compile(rf"\bhoe\s*lang\b|\bhoeveel\s+(kalender|werk|arbeids)?({_TIME_UNITS})\b"),
        # … or hours written short ("60u. per maand")
        re.compile(rf"(\d|\b({NUMBER_WORDS}))\s*(-\s*\d+\s*)?(kalender|werk)?({_TIME_UNITS})\b|\d\s*u\b|\bgeen\s+(maximum|limiet|termijn)\b"),
    ),
    (  # a count
        re.compile(r"\bhoeveel\b"),
        re.compile(rf"\d|\b({NUMBER_WORDS})\b|\bgeen\s+(maximum|limiet)\b"),
    ),
    (  # hours
        re.compile(r"\b(uren|uur)\s+per\b|\bhoeveel\s+uur\b|\bhoeveel\s+uren\b"),
        re.compile(r"\buur\b|\buren\b|\d\s*u\b"),
    ),
    (  # who or which one in a region: the draaiboeken name no regional partners or people, only contacts
        re.compile(r"\b(wie|welke?)\b.{0,60}\b(in|van|uit|voor)\s+(de|onze|ons|mijn|jouw|die)?\s*(regio|provincie)\b"),
        re.compile(r"[\w.+-]+@[\w.-]+\w|\b0\d{2,3}[ /.]?\d{2}|https?://|\bwww\."),
    ),
    *CONTACT_DETAILS,
    (  # insurance
        re.compile(r"\bverzeker\w*"),
        re.compile(r"verzeker"),
    ),
    (  # a signature
        re.compile(r"\bonderteken\w*|\bhandtekening\w*"),
        re.compile(r"onderteken|handtekening"),
    ),
    (  # a password or login
        re.compile(r"\b(wachtwoord|paswoord|password)\w*"),
        re.compile(r"wachtwoord|paswoord"),
    ),
    (  # a sanction
        re.compile(r"\b(sanctie\w*|sanctioner\w*|boete\w*|straf|straffen|bestraft)\b"),
        re.compile(r"sanctie|sanction|boete|straf|schors"),
    ),
    (  # a layout
        re.compile(r"\b(formaat|kleur(en)?|afmeting\w*|lettertype\w*)\b"),
        re.compile(r"formaat|kleur|afmeting|lettertype"),
    ),
)
#: A specific allowance ("kilometervergoeding") is only answered by an answer that names it:
#: an hourly top-up in euro is not a mileage allowance.
_SPECIFIC_ALLOWANCE = re.compile(r"\b(\w{3,}?)(vergoeding|premie|toelage)\b")


#: A numbered part the question is about ("fase 3", "bijlage 2"): an answer about another is no answer.
_NUMBERED_PART = re.compile(r"\b(fase|bijlage|principe|hoofdstuk)\s*(\d+)\b")


#: "de eerste fase" for "fase 1"
_ORDINALS = ("eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste", "negende", "tiende")


def _ordinal_part(part: str, number: str, text: str) -> bool:
    """Whether `text` names the numbered part with an ordinal ("de eerste fase" for "fase 1")."""
    index = int(number) - 1
    return 0 <= index < len(_ORDINALS) and re.search(rf"\b{_ORDINALS[index]}\s+{part}\b", text) is not None


def asks_for_contact_detail(question: str) -> bool:
    """Whether the question asks for a link, a phone number or an e-mail address."""
    return any(asked.search(question.casefold()) for asked, _ in CONTACT_DETAILS)


def asks_for_missing_fact(question: str, answer_text: str) -> bool:
    """Whether the question asks for a kind of fact (amount, date …) that the answer does not give,
    or about a numbered part ("fase 3") that the answer does not name."""
    question, answer_text = question.casefold(), answer_text.casefold()
    if any(asked.search(question) and not given.search(answer_text) for asked, given in ASKED_FACTS):
        return True
    if any(not re.search(rf"\b{part}\s*{number}\b", answer_text) and not _ordinal_part(part, number, answer_text)
           for part, number in _NUMBERED_PART.findall(question)):
        return True
    # "uurvergoeding" is named by the allowance itself, or by its first part with an amount ("4,5 euro per uur")
    return any(
        m.group(0) not in answer_text and not (m.group(1) in answer_text and re.search(r"€|\beuro\b", answer_text))
        for m in _SPECIFIC_ALLOWANCE.finditer(question)
    )


_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


#: Longer than this is a pasted text, not a question (a question with client context is a few hundred).
MAX_QUESTION_CHARS = 1500


def unusable_message(question: str) -> Answer | None:
    """A plain reply to a message whose classification cannot be trusted: HTML tags, or a whole text."""
    if _MARKUP.search(question):
        return Answer(text=messages.M015_MARKUP, declined=True)
    if len(question) > MAX_QUESTION_CHARS:
        return Answer(text=messages.M027_TOO_LONG.format(limit=MAX_QUESTION_CHARS), declined=True)
    return None


#: A short message that opens with "en"/"maar"/"waarom" or points back ("die lijst", "daarvoor",
#: "dan") continues the previous answer: "en als de klant een leefloon heeft?".
_FOLLOW_UP = re.compile(
    r"^\s*(en|maar|dus|ook|waarom|wie\s+dan)\b|\b(dat|da|die|deze|dit|daar\w*|dan|ze|zo'n|hij|zij|hem|haar)\b"
)
FOLLOW_UP_MAX_WORDS = 14
#: How much more likely a follow-up is about the previous topic, a topic it lists as `related`
#: ("wat is een combitraject?" -> "wie moet dat opstarten?"), or another topic of its document.
SAME_TOPIC_WEIGHT, RELATED_TOPIC_WEIGHT, SAME_DOCUMENT_WEIGHT = 4.0, 3.0, 2.0
#: The least confidence, after weighing, to answer a follow-up (the FallbackClassifier's threshold).
FOLLOW_UP_THRESHOLD = 0.35


def is_follow_up(text: str) -> bool:
    return len(text.split()) <= FOLLOW_UP_MAX_WORDS and bool(_FOLLOW_UP.search(text.casefold()))


#: Words that carry no topic: function words, question words and what every question says.
_FILLER_WORDS = frozenset(
    """aan al als bij dan dat daar daarvoor daarmee daarbij de deze die dit doen doet door een en er
    gebeurt gebeuren gaat gaan had heb hebben heeft hem het hier hij hoe hun ik in is je kan kunnen
    krijgt krijgen maar me met mij mijn moet moeten mag mogen na naar niet nog nu of om ons ook op
    over te tot uit van voor waar wanneer wat welk welke wie worden wordt ze zelf zijn zich zo zoals
    zou zouden klant klanten cliënt cliënten mensen iemand persoon personen eigenlijk toch dus
    even precies juist vdab ocmw""".split()
)
_STEM_LENGTH = 5  # "toeleiden" and "toeleider", "begeleidt" and "begeleiding" share their stem
#: The share of a follow-up's content words the previous answer must contain to continue it.
CONTINUES_TOPIC_SHARE = 0.5


def _stems(text: str) -> set[str]:
    words = re.findall(r"[\w-]+", text.casefold())
    return {w[:_STEM_LENGTH] for w in words if len(w) > 3 and w not in _FILLER_WORDS}


def continues_topic(text: str, topic: Record) -> bool:
    """Whether a follow-up asks about what the topic's answer already says ("is die lijst limitatief?")."""
    asked = _stems(text)
    if not asked:
        return False
    said = _stems(" ".join([topic.get("answer") or ""] + [v.get("answer") or "" for v in topic.get("variants") or []]))
    return len(asked & said) / len(asked) >= CONTINUES_TOPIC_SHARE


def previous_topic(kb: KnowledgeBase, record_ids: list[str] | None) -> Record | None:
    """The first topic among the previous answer's records (a follow-up is read against it)."""
    return next(filter(None, (kb.get("topics", rid) for rid in record_ids or [])), None)


def intent_in_context(
    kb: KnowledgeBase, text: str, ranking: list[dict[str, Any]], previous_record_ids: list[str] | None,
    elliptical: bool = False,
) -> str | None:
    """The topic intent a follow-up is about, read with the previous answer's topic; None if not one.

    A follow-up that asks about what the previous answer says continues its topic. Otherwise the
    NLU's ranking decides, with the previous topic, its related topics and the intents of its document
    weighing more. An `elliptical` message (a few words naming nothing of its own) is a follow-up too.
    """
    previous = previous_topic(kb, previous_record_ids)
    if previous is None or not (elliptical or is_follow_up(text)):
        return None
    if continues_topic(text, previous):
        return previous["intent"]
    previous_documents = set(kb.documents_citing("topics", previous["id"]))
    related = set(previous.get("related") or [])
    topic_intents = kb.intents()
    weighed: dict[str, float] = {}
    for entry in ranking:
        name, confidence = entry.get("name"), float(entry.get("confidence") or 0.0)
        if name == "nlu_fallback" or name in weighed:
            continue
        weight, topics = 1.0, kb.topics_for_intent(name)
        if name == previous["intent"]:
            weight = SAME_TOPIC_WEIGHT
        elif any(t["id"] in related for t in topics):
            weight = RELATED_TOPIC_WEIGHT
        elif any(previous_documents & set(kb.documents_citing("topics", t["id"])) for t in topics):
            weight = SAME_DOCUMENT_WEIGHT
        weighed[name] = confidence * weight
    total = sum(weighed.values())
    if not total:
        return None
    best = max(weighed, key=weighed.__getitem__)
    if best in topic_intents and weighed[best] / total >= FOLLOW_UP_THRESHOLD:
        return best
    return None


#: A question about what is possible today ("kan ons OCMW zich nu nog kandidaat stellen?").
_ABOUT_TODAY = re.compile(
    r"\b(nu nog|nu al|nog steeds|nog altijd|vandaag|tegenwoordig|momenteel|op dit moment|dit jaar|kandidaat stellen)\b"
)


def asks_about_today(question: str) -> bool:
    return bool(_ABOUT_TODAY.search(question.casefold()))


def asks_about_today_from_background(kb: KnowledgeBase, question: str, record_ids: list[str]) -> bool:
    """Whether a question about today would be answered from background documents only.

    An advice or a 2013 research report describes a plan or the past; it does not say what a
    case worker can do today, so such a question is declined rather than answered from it.
    """
    if not asks_about_today(question):
        return False
    documents = {d for rid in record_ids for d in kb.documents_citing("topics", rid)}
    return bool(documents) and all((kb.document(d) or {}).get("weight") == "background" for d in documents)


#: Another region's public employment service: the draaiboeken are VDAB's, for Flanders.
OTHER_REGIONS_SERVICES = frozenset({"actiris", "forem", "adg"})
#: Cities and regions a question may name ("wie is de adviseur in Mechelen?"): one no source text mentions
#: is a local detail the draaiboeken do not give.
PLACES = frozenset(
    """antwerpen gent brugge brussel leuven mechelen hasselt genk aalst kortrijk oostende turnhout sint-niklaas
    mortsel dendermonde tielt waregem roeselare ieper lokeren geel mol lier herentals vilvoorde halle asse
    zaventem dilbeek tienen diest beringen lommel maasmechelen tongeren sint-truiden ninove geraardsbergen
    oudenaarde ronse eeklo deinze wetteren zele beveren temse bornem boom kontich schoten brasschaat knokke
    blankenberge nieuwpoort veurne poperinge menen wevelgem harelbeke izegem torhout diksmuide charleroi
    doornik aarlen waver nijvel eupen wallonië henegouwen""".split()
)


def places_no_document_mentions(kb: KnowledgeBase, question: str) -> set[str]:
    """The places and other regions' employment services a question names that no source text mentions."""
    words = set(re.findall(r"[\w-]+", question.casefold()))
    return (words & (PLACES | OTHER_REGIONS_SERVICES)) - kb.words_mentioned()


def years_no_document_mentions(kb: KnowledgeBase, question: str) -> set[str]:
    """The years a question names that no source text mentions ("hoeveel wijk-werkers in 2026?"): a figure,
    a date or a person of that year is not in the draaiboeken, whatever a neighbouring sentence says."""
    asked = set(YEAR.findall(question))
    return asked - kb.years_mentioned() if asked else set()


def answer_question(kb: KnowledgeBase, intent: str, concepts: Concepts, question: str) -> Answer:
    """The topic's answer when it answers this question; otherwise an honest decline."""
    answer = answer_intent(kb, intent, concepts, question)
    if (
        answer is not None
        and not asks_for_missing_fact(question, answer.text)
        and not asks_about_today_from_background(kb, question, answer.record_ids)
    ):
        return answer
    return no_answer(kb, concepts, question)


def answer_intent(kb: KnowledgeBase, intent: str, concepts: Concepts, question: str = "") -> Answer | None:
    """Answer a topic intent; None when no topic answers it or the question is about another service."""
    topics = kb.topics_for_intent(intent)
    if not topics:
        return None
    # Of several topics for one intent, prefer the one sharing most concepts with the question.
    asked = {term for terms in concepts.values() for term in terms}
    best = max(topics, key=lambda t: len(asked & set(t.get("concepts") or [])))
    if _about_other_service(kb, best, concepts):
        return None
    whole = answer_topic(kb, best, concepts)
    clarifying = clarifying_question(best, concepts, question)
    # no clarifying question about a topic none of whose readings gives the kind of fact asked
    # ("binnen hoeveel werkdagen …"): the topic's answer, which the pipeline declines or completes
    if clarifying is None or asks_for_missing_fact(question, answer_topic(kb, best, {}).text):
        return whole
    return clarifying


def clarifying_question(topic: Record, concepts: Concepts, question: str = "") -> Answer | None:
    """The topic's clarifying question when the question has several readings (BVS inside or outside
    TWE-OCMW?) and names none of the concepts that tell them apart; each option is a button that asks
    the same intent with the option's concepts. With `asked_with`, only a question holding one of those
    words is ambiguous ("hoe draag ik over?", not "wie beslist wanneer het stopt?")."""
    clarify = topic.get("clarify")
    if not clarify:
        return None
    words = set(re.findall(r"[\w-]+", question.casefold()))
    if clarify.get("asked_with") and not words & {w.casefold() for w in clarify["asked_with"]}:
        return None
    named = {t for terms in concepts.values() for t in terms}
    if any(named & set(terms) for option in clarify["options"] for terms in option["when"].values()):
        return None
    readings = [{"title": o["title"], "intent": topic["intent"], "concepts": o["when"]} for o in clarify["options"]]
    return Answer(text=clarify["question"].strip(), buttons=reading_buttons(readings), readings=readings)


def reading_buttons(readings: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One button per reading; its payload asks the reading's intent with its concepts as entities."""
    return [
        {
            "title": r["title"],
            "payload": f"/{r['intent']}" + json.dumps({label: terms[0] for label, terms in r["concepts"].items()}),
        }
        for r in readings
    ]


_TRAJECT_WORD = re.compile(r"\b(?:traject|trajectje|tracject|trajekt)\b", re.IGNORECASE)
#: Candidates within this share of the best one's confidence count as readings of the question.
CLOSE_READING_SHARE = 0.5


def clarify_trajectory(kb: KnowledgeBase, question: str, concepts: Concepts, ranking: list[dict[str, Any]], trajectories: list[str]) -> Answer | None:
    """"het traject" without saying which, while the NLU's close candidates are topics of different
    trajectories (GLOW, TWE-OCMW …): ask which one, with each candidate as a button."""
    if not _TRAJECT_WORD.search(question) or concepts.get("traject"):
        return None
    candidates = [e for e in ranking if e.get("name") in kb.intents()]
    if not candidates:
        return None
    best = float(candidates[0].get("confidence") or 0)
    intent_of: dict[str, str] = {}  # trajectory -> the best candidate intent about it
    for entry in candidates[:3]:
        if float(entry.get("confidence") or 0) < CLOSE_READING_SHARE * best:
            break
        topic = kb.topics_for_intent(entry["name"])[0]
        trajectory = next((t for t in topic.get("concepts") or [] if t in trajectories), None)
        if trajectory and trajectory not in intent_of:
            intent_of[trajectory] = entry["name"]
    if len(intent_of) < 2:
        return None
    readings = [
        {"title": (kb.get("glossary", t) or {"name": t})["name"], "intent": intent, "concepts": {"traject": [t]}}
        for t, intent in intent_of.items()
    ]
    return Answer(text=messages.M043_CLARIFY_TRAJECT, buttons=reading_buttons(readings), readings=readings)


def _about_other_service(kb: KnowledgeBase, topic: Record, concepts: Concepts) -> bool:
    """True when the question names services, none of which the topic is about.

    "fin nr wes buiten twe?" may be classified as the BVS financing-number topic; answering
    it would state the BVS number as if it were the WES one.
    """
    named = {t for label in SERVICE_LABELS for t in concepts.get(label, [])}
    covered = set(topic.get("concepts") or [])
    topic_services = {t for t in covered if kb.label_of(t) in SERVICE_LABELS}
    return bool(named and topic_services and not named & covered)


def combination_pair(concepts: Concepts) -> tuple[str, str] | None:
    """The two services a combination question is about.

    One service named in a question about a combinatietraject means: with a lokaal partnerschap.
    One service named without that ("kan een leefloner in glow?") is no combination question.
    """
    named = [t for label in SERVICE_LABELS for t in concepts.get(label, []) if t != "combinatietraject"]
    if len(named) >= 2:
        return named[0], named[1]
    mentions_combination = "combinatietraject" in {t for terms in concepts.values() for t in terms}
    if len(named) == 1 and named[0] != DEFAULT_COMBINATION_PARTNER and mentions_combination:
        return DEFAULT_COMBINATION_PARTNER, named[0]
    return None


def _without_broader(kb: KnowledgeBase, concepts: Concepts) -> Concepts:
    """The concepts without a term that another one named narrows ("WES als losstaande stage": the
    losstaande werkervaringsstage, not also the WES): a variant of the narrower term holds one of the broader."""
    named = [t for terms in concepts.values() for t in terms]
    def narrows(narrow: str, broad: str) -> bool:
        return narrow != broad and any(
            re.search(rf"\b{re.escape(b.casefold())}\b", n.casefold()) and n.casefold() != b.casefold()
            for n in kb.variants_of(narrow) for b in kb.variants_of(broad))
    broader = {b for b in named for n in named if narrows(n, b)}
    return {label: [t for t in terms if t not in broader] for label, terms in concepts.items()}


#: Without two services, a "combination" question was probably about something else: the next
#: topic the NLU ranked answers it if, without the combination intent, it holds this share of the
#: confidence; otherwise the assistant asks which combination is meant (with the overviews as buttons).
NEXT_TOPIC_MIN_SHARE = 0.5


def _pair_overlap(topic: Record, pair: tuple[str, str]) -> tuple[int, bool]:
    covered = set(topic.get("concepts") or [])
    return len(covered & set(pair)), DEFAULT_COMBINATION_PARTNER in covered


def answer_combination(
    kb: KnowledgeBase, concepts: Concepts, ranking: list[dict[str, Any]] | None = None, question: str = ""
) -> Answer:
    """Allowed / excluded / conditional from the rule table, or say the draaiboeken don't settle it.

    A question for a kind of fact the answer lacks ("hoeveel combinatietrajecten tegelijk?") is declined.
    """
    answer = _combination_answer(kb, concepts, ranking or [], question)
    if not answer.declined and asks_for_missing_fact(question, answer.text):
        return no_answer(kb, concepts, question)
    return answer


def _combination_answer(kb: KnowledgeBase, concepts: Concepts, ranking: list[dict[str, Any]], question: str) -> Answer:
    pair = combination_pair(_without_broader(kb, concepts))
    if pair is None:
        others = [e for e in ranking if e.get("name") not in (COMBINATION_INTENT, "nlu_fallback")]
        total = sum(float(e.get("confidence") or 0) for e in others)
        if others and total and others[0]["name"] in kb.intents():
            if float(others[0].get("confidence") or 0) / total >= NEXT_TOPIC_MIN_SHARE:
                return answer_question(kb, others[0]["name"], concepts, question)
        return Answer(text=messages.M011_COMBINATION_WHICH, buttons=_overview_buttons(kb))
    a, b = (kb.get("glossary", t) for t in pair)
    rule = kb.combination(*pair)
    if rule is None:
        intro = messages.M009_COMBINATION_UNSETTLED.format(a=a["name"], b=b["name"])
        topics = kb.topics_for_intent(COMBINATION_INTENT)
        if not topics:
            return Answer(text=intro)
        # the document about one of the two services says who decides; by default the LP's
        unsettled = answer_topic(kb, max(topics, key=lambda t: _pair_overlap(t, pair)), concepts)
        return Answer(
            text=f"{intro}\n{unsettled.text}", source_line=unsettled.source_line, record_ids=unsettled.record_ids
        )
    return render_combination(kb, rule, pair)


def render_combination(kb: KnowledgeBase, rule: Record, pair: tuple[str, str] | None = None) -> Answer:
    """A combination rule's verdict and reason, with its source; the services in the order asked."""
    a, b = (kb.get("glossary", t) for t in pair or (rule["a"], rule["b"]))
    template = {
        "allowed": messages.M006_COMBINATION_ALLOWED,
        "excluded": messages.M007_COMBINATION_EXCLUDED,
        "conditional": messages.M008_COMBINATION_CONDITIONAL,
    }[rule["status"]]
    said = template.format(a=a["name"], b=b["name"])
    return Answer(
        text=with_status(f"{said}\n{rule['reason']}", rule),
        source_line=source_line(kb, rule["sources"]),
        record_ids=[rule["id"]],
        verdict=_COMBINATION_VERDICT[rule["status"]],
    )


_COMBINATION_VERDICT = {"allowed": "ja", "excluded": "nee", "conditional": "hangt af"}


#: Words that mark a question as French or English and never occur in Dutch ones (Flemish included).
_FOREIGN_WORDS = frozenset(
    "le la les des est une pour comment je vous avec chez quel quelle bonjour merci sont peut "
    "the how what does my can register which who hello please thanks with should".split()
)
_DUTCH_WORDS = frozenset(
    "de het een ik hoe wat mag kan van voor met bij wie welke niet en da moet mijn klant cliënt is zijn".split()
)


def not_dutch(question: str) -> bool:
    """A question in French or English: it gets a Dutch answer saying so, not a search for a topic."""
    words = re.findall(r"[\w']+", question.casefold())
    foreign = sum(w in _FOREIGN_WORDS for w in words)
    return foreign >= 2 and not any(w in _DUTCH_WORDS for w in words)


def contact_lines(contacts: list[Record]) -> list[str]:
    """One line per contact: name, address and what to ask them, unless the name says that already
    ("Contactpersoon voor het draaiboek LP": "vragen over zaken in het draaiboek LP")."""
    lines = []
    for c in contacts:
        value = f" ({c['value']})" if c.get("value") and c["value"] not in c["name"] else ""
        asked, named = _stems(c["for_what"]), _stems(c["name"])
        if asked and len(asked & named) >= RESTATES_NAME_SHARE * len(asked):
            lines.append(messages.M057_CONTACT_LINE_NAME_ONLY.format(name=c["name"], value=value))
        else:
            lines.append(messages.M004_CONTACT_LINE.format(name=c["name"], value=value, for_what=c["for_what"]))
    return lines


#: A contact's "for what" that shares this share of its words with the contact's name says nothing more.
RESTATES_NAME_SHARE = 0.6


def contacts_for_records(kb: KnowledgeBase, record_ids: list[str]) -> list[Record]:
    """The people for the topic of these records: the topic's own contacts first (e.g. the
    Klantendossier coaches), then those of its documents in force (all documents' without a topic)."""
    superseded = kb.superseded_documents()
    documents = list(dict.fromkeys(c["document"] for c in kb.citations(record_ids)))
    documents = [d for d in documents if d not in superseded] or documents_with_contacts(kb)
    named = [
        contact_id
        for record_id in record_ids
        for record in filter(None, (kb.get("topics", record_id),))
        for contact_id in record.get("contacts") or []
    ]
    contacts = [c for c in map(lambda i: kb.get("contacts", i), dict.fromkeys(named)) if c]
    return contacts + [c for c in kb.contacts_for_documents(documents) if c not in contacts]


def contacts_answer(kb: KnowledgeBase, intro: str, contacts: list[Record]) -> Answer:
    """The intro, a line per contact, and the source line of the contacts' citations."""
    contact_sources = [s for c in contacts for s in c["sources"]]
    return Answer(
        text="\n".join([intro] + contact_lines(contacts)),
        source_line=source_line(kb, contact_sources) if contact_sources else None,
    )


def handover(kb: KnowledgeBase, previous_record_ids: list[str], reason: str) -> Answer:
    """The people to contact about the topic of the conversation, from the knowledge base, and a
    handover event (Bot Framework's `handoff.initiate`) that a channel can pass to a human."""
    contacts = contacts_for_records(kb, previous_record_ids)
    answer = contacts_answer(kb, messages.M031_HANDOVER, contacts)
    answer.handover = {
        "type": "event", "name": "handoff.initiate",
        "value": {"reason": reason, "contacts": [c["id"] for c in contacts], "records": previous_record_ids},
    }
    return answer


def no_answer(kb: KnowledgeBase, concepts: Concepts, question: str = "", documents: list[str] | None = None) -> Answer:
    """Decline honestly, name the contacts of the document the question is about (`documents`, or the
    documents of the concepts it names), and offer close topics as buttons."""
    if not question.strip():
        return Answer(text=messages.M013_EMPTY_MESSAGE, declined=True)
    if not_dutch(question):
        return Answer(text=messages.M026_NOT_DUTCH, declined=True)
    if documents is None and off_topic(kb, concepts, question):
        # nothing of the draaiboeken in it (the weather, a recipe): a short redirect; a second
        # question in a row without an answer still gets the contacts (handover). A question read
        # with a topic's documents ("hoelang duurde da?" after an answer) is about them.
        return Answer(text=messages.M047_OFF_TOPIC, declined=True)
    suggestions = kb.search_topics(question, limit=3)
    contacts = kb.contacts_for_documents(list(dict.fromkeys(documents or documents_asked_about(kb, concepts))))
    lines = [messages.M002_NO_ANSWER]
    if contacts:
        lines.append(messages.M003_CONTACTS_INTRO)
        lines += contact_lines(contacts)
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


def documents_asked_about(kb: KnowledgeBase, concepts: Concepts) -> list[str]:
    """The one document in force whose glossary defines a service or role the question names; none when
    those belong to several documents or to none (then a decline names no unrelated contact)."""
    superseded = kb.superseded_documents()
    # a service or a role belongs to a document; a client status or a context ("leefloon") does not
    named = {t for label in (*SERVICE_LABELS, "rol") for t in concepts.get(label, [])}
    owners = {d for term_id in named for d in _owners(kb, term_id) if d not in superseded}
    return sorted(owners) if len(owners) == 1 else []


def _owners(kb: KnowledgeBase, term_id: str) -> list[str]:
    """The documents a service or role belongs to: a service belongs to the document whose title names it
    (GLOW to the draaiboek GLOW, though the LP draaiboek cites it first), anything else to those that cite it."""
    if kb.label_of(term_id) in SERVICE_LABELS:
        variants = kb.variants_of(term_id)
        titled = [
            d["id"] for d in kb.all("documents")
            if any(re.search(rf"(?<!\w){re.escape(v)}(?!\w)", f"{d['title']} {d['short_title']}".casefold()) for v in variants)
        ]
        if titled:
            return titled
    return kb.documents_citing("glossary", term_id)


def off_topic(kb: KnowledgeBase, concepts: Concepts, question: str) -> bool:
    """Names no concept of the glossary and shares no content word with a topic's title
    (the answers' texts hold too many everyday words: "weer", "beste", "vertel")."""
    if any(concepts.values()):
        return False
    titles = set().union(*(_stems(t["title"]) for t in kb.all("topics") if not t.get("history")))
    return not _stems(question) & titles


def _overview_buttons(kb: KnowledgeBase) -> list[dict[str, str]]:
    return [
        {"title": t["title"], "payload": f"/{t['intent']}"}
        for intent in ("combinaties_uitgesloten", "combinaties_mogelijk")
        for t in kb.topics_for_intent(intent)
    ]


#: Ratings a user gives an answer with the feedback buttons (payload `/feedback{"rating": …}`).
RATINGS = ("goed", "fout")


#: "welke bron?", "waar staat dat?", "bron?": a short follow-up asking where the previous answer comes from.
_SOURCE_REQUEST = re.compile(
    r"^\W*(?:(?:en\s+)?(?:welke|wat\s+is\s+de|wat\s+zijn\s+de|geef\s+(?:me\s+)?de)\s+bron(?:nen)?"
    r"|waar\s+(?:staat|vind\s+ik|lees\s+ik)\s+(?:dat|dit|da)|bron(?:nen)?|vanwaar\s+komt\s+(?:dat|dit|da))\b"
    r"(?!\s+(?:van\s+)?inkom)",  # "welke bron van inkomen?" asks about the client, not the answer
    re.IGNORECASE,
)
SOURCE_REQUEST_MAX_WORDS = 8


def asks_for_source(question: str) -> bool:
    return len(question.split()) <= SOURCE_REQUEST_MAX_WORDS and bool(_SOURCE_REQUEST.search(question))


def answer_source_request(kb: KnowledgeBase, question: str, previous_record_ids: list[str]) -> Answer | None:
    """The previous answer's sources with the cited passages word for word, or None when the question
    does not ask for them or there was no answer from the knowledge base."""
    if not asks_for_source(question):
        return None
    return quote_sources(kb, previous_record_ids, messages.M029_SOURCES_INTRO)


def quote_sources(kb: KnowledgeBase, record_ids: list[str], intro: str) -> Answer | None:
    """The cited passages of these records word for word, each with document, version and section."""
    citations = current_citations(kb, kb.citations(record_ids))
    if not citations:
        return None
    lines = [intro]
    for citation in citations:
        document = kb.document(citation["document"]) or {"short_title": citation["document"]}
        title = kb.section_title(citation["document"], citation["section"]) or ""
        version = str(citation["version"])
        edition = version if version == document.get("date") else f"versie {version}"  # GLOW's version is a date
        lines.append(messages.M030_SOURCE_PASSAGE.format(
            title=document["short_title"], edition=edition, section=citation["section"],
            section_title=title, passage=" ".join(citation["passage"].split()),
        ))
    return Answer(
        text="\n".join(lines),
        source_line=source_line(kb, [dict(c) for c in citations]),
        record_ids=list(dict.fromkeys(c["record_id"] for c in citations)),
    )


#: "wat zei de vorige versie?", "en in versie 5?": a question about an earlier document version.
_EARLIER_VERSION = re.compile(
    r"\b(?:vorige|oude|oudere|eerdere|vroegere|voorgaande)\s+(?:versie|draaiboek)|\bversie\s*(\d+)\b", re.IGNORECASE
)


def asks_earlier_version(question: str) -> bool:
    return bool(_EARLIER_VERSION.search(question))


def answer_earlier_version(kb: KnowledgeBase, question: str, record_ids: list[str]) -> Answer | None:
    """What an earlier document version said about the records just answered, or None.

    None when the question does not ask about another version, or names the version the
    current answer already cites (then the current answer stands).
    """
    match = _EARLIER_VERSION.search(question)
    if not match or not record_ids:
        return None
    asked = match.group(1)
    for record_id in record_ids:
        for kind in ("topics", "combinations"):
            current = kb.get(kind, record_id)
            if current is None:
                continue
            if asked and asked in {str(c["version"]) for c in current["sources"]}:
                return None
            earlier = kb.earlier_versions(kind, record_id)
            if asked:
                earlier = [r for r in earlier if asked in {str(c["version"]) for c in r["sources"]}]
            if not earlier:
                return Answer(text=messages.M023_NO_EARLIER_VERSION.format(source=source_line(kb, current["sources"])))
            record = earlier[0]
            body = answer_topic(kb, record, {}) if kind == "topics" else render_combination(kb, record)
            citation = record["sources"][0]
            document = kb.document(citation["document"]) or {"short_title": citation["document"]}
            intro = messages.M022_EARLIER_VERSION.format(title=document["short_title"], version=citation["version"])
            return Answer(text=f"{intro}\n{body.text}", source_line=body.source_line, record_ids=[record["id"]])
    return None


def feedback_buttons() -> list[dict[str, str]]:
    """👍 / 👎 under a substantive answer; the rating is stored with the answer's record ids."""
    return [
        {"title": messages.M016_FEEDBACK_UP, "payload": '/feedback{"rating": "goed"}'},
        {"title": messages.M017_FEEDBACK_DOWN, "payload": '/feedback{"rating": "fout"}'},
    ]
