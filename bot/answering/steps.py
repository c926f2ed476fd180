"""The steps of the answering pipeline (see `bot.answering`), each a function of (kb, turn)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

from bot import answers, eligibility, follow_ups, messages
from bot.answering.config import CONFIG
from bot.answering.focus import concepts, focus
from bot.answering.passage import best_passage, expansion, names_document, passage_intro
from bot.answering.question import Asked, held, read_question, stems
from bot.answers import Answer, Concepts
from bot.knowledge.query import KnowledgeBase, Record


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

    @cached_property
    def asked(self) -> Asked:
        return read_question(self.text)

    @cached_property
    def concepts(self) -> Concepts:
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
    def elliptical(self) -> bool:
        """A few words that name nothing of their own ("hoeveel uren per maand?"): about the previous answer."""
        assert self.kb is not None
        return len(self.text.split()) <= CONFIG.elliptical_max_words and not concepts(self.kb, self.text)

    @cached_property
    def intent_in_context(self) -> str | None:
        """The topic intent of a follow-up, read with the previous answer's records: by the NLU's
        ranking, else by the titles of its document's topics."""
        assert self.kb is not None
        return answers.intent_in_context(
            self.kb, self.text, self.ranking, self.previous.record_ids, self.elliptical
        ) or topic_by_title(self.kb, self)


#: Question phrases a topic's title may share with a follow-up ("en voor wie is da bedoeld?" and
#: "Voor wie is GLOW en voor wie niet?"), longest first.
_TITLE_PHRASES = ("voor wie", "bij wie", "hoeveel", "wanneer", "waarom", "wie", "hoe")


def topic_by_title(kb: KnowledgeBase, turn: Turn) -> str | None:
    """The intent of the one topic of the previous answer's document whose title best matches a
    follow-up the NLU could not place; None when none or several match equally."""
    previous = answers.previous_topic(kb, turn.previous.record_ids)
    if previous is None or not (turn.elliptical or answers.is_follow_up(turn.text)):
        return None
    documents = set(kb.documents_citing("topics", previous["id"]))
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


Step = Callable[[KnowledgeBase, Turn], "Answer | None"]


# --- 1 unusable --------------------------------------------------------------------------------
def unusable(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    return answers.unusable_message(turn.text)


# --- 2 follow-up -------------------------------------------------------------------------------
_MORE = re.compile(r"^\W*(/meer_uitleg\b|(vertel|zeg|geef)\s+(me\s+|mij\s+)?(eens\s+)?(wat\s+)?meer|meer\s+(uitleg|info|informatie|details)|"
                   r"kan\s+je\s+(dat|da|het)\s+(wat\s+)?(uitgebreider|meer)\s+uitleggen|de\s+volledige\s+uitleg)\b", re.IGNORECASE)


def follow_up(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    if turn.intent == "meer_uitleg" or _MORE.search(turn.text):
        return more(kb, turn.previous.record_ids)
    return follow_ups.answer(kb, turn.text, turn.concepts, turn.previous)


def more(kb: KnowledgeBase, record_ids: list[str]) -> Answer:
    """The whole of the previous answer's topic ("Meer uitleg"); its cited passages for other records."""
    topics = [t for t in (kb.get("topics", rid) for rid in record_ids) if t]
    if topics:
        full = [answers.answer_topic(kb, topic, {}) for topic in topics]
        return Answer(
            text="\n".join(a.text for a in full),
            source_line="\n".join(dict.fromkeys(a.source_line for a in full if a.source_line)),
            record_ids=[t["id"] for t in topics],
        )
    quoted = answers.quote_sources(kb, record_ids, messages.M041_WHY_INTRO)
    return quoted or Answer(text=messages.M052_NOTHING_TO_EXPLAIN)


# --- 2b what an abbreviation stands for ------------------------------------------------------------
def abbreviation(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    """"MEA, waar staat da voor?": the abbreviation written out, from the source text that does it."""
    found = expansion(kb, turn.text)
    if found is None:
        return None
    lead = messages.M056_STANDS_FOR.format(abbreviation=found.abbreviation, expansion=found.expansion)
    return quoted(kb, found.row, lead=lead)


# --- 3 clarifying question -------------------------------------------------------------------
def clarifying(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    if turn.action == "combination" or (turn.action == "no_answer" and turn.intent_in_context):
        return None
    return answers.clarify_trajectory(kb, turn.text, turn.concepts, turn.ranking, eligibility.targets(kb))


# --- 4 described client ------------------------------------------------------------------------
#: A question whether the client can get into a trajectory: "kan/mag/past die in …", "komt hij in
#: aanmerking", "hoort ze bij de doelgroep" — not "moet ik …", "bouwt hij …" (no eligibility question).
_ASKS_ACCESS = re.compile(
    r"\b(kan|mag|kunnen|mogen|past|passen|komt|komen|valt|vallen|hoort|behoort)\s+"
    r"(die|dat|da|hij|ze|zij|mijn\w*|ne|een|de|iemand|klant|cliënt\w*|client)\b[^?]*\b(in|bij|naar|voor|binnen)\b"
    r"|\bin aanmerking\b|\bdoelgroep\b|\bgeschikt\b|\binstromen\b"
)


def described_client(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    """Whether a described client can go into one named trajectory: the eligibility rules decide."""
    if turn.asked.kind != "ja_nee" or not _ASKS_ACCESS.search(turn.text.casefold()):
        return None
    return eligibility.answer_described_client(kb, turn.text)


# --- 5 rule ------------------------------------------------------------------------------------
def rule(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    if turn.action != "combination":
        return None
    answer = answers.answer_combination(kb, turn.concepts, turn.ranking, turn.text)
    topic_ = kb.get("topics", answer.record_ids[0]) if answer.record_ids and not answer.declined else None
    if topic_ is not None and topic_["intent"] != answers.COMBINATION_INTENT:
        return shorten(kb, turn, answer) or answer  # the next topic answered a "combination" question
    # a verdict and its reason; an unsettled pair with who decides (a combination topic), whole
    return answer


# --- 6 topic -----------------------------------------------------------------------------------
def topic(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    intent = turn.intent_in_context or (turn.intent if turn.action == "answer" else None)
    if not intent:
        return None
    answer = answers.answer_intent(kb, intent, turn.concepts, turn.text)
    if answer is None or answer.buttons:  # no topic, or a clarifying question of the topic
        return answer
    today = answers.asks_about_today_from_background(kb, turn.text, answer.record_ids)
    short = None if today or answers.asks_for_missing_fact(turn.text, answer.text) else shorten(kb, turn, answer)
    if short is not None:
        return short
    documents = [c["document"] for c in kb.citations(answer.record_ids)]
    if today:
        return decline(kb, turn, documents)  # a 2013 report or an advice says nothing about today
    # the topic lacks the kind of fact asked, or none of its sentences gives it about what is asked:
    # a passage of its documents, or a decline
    return passage(kb, turn, documents=documents, background_only=False) or decline(kb, turn, documents)


def shorten(kb: KnowledgeBase, turn: Turn, answer: Answer) -> Answer | None:
    """The sentences of a topic answer that answer the question, verdict first where one is carried;
    None when no sentence gives the number or duration asked."""
    record = kb.get("topics", answer.record_ids[0])
    if record is None:
        return answer
    text = answers.topic_text(record, turn.concepts)
    prefix = answer.text[: answer.text.find(text)] if text in answer.text else ""  # e.g. "not settled" intro
    sections = list(dict.fromkeys((c["document"], str(c["section"])) for c in answers.current_citations(kb, record["sources"])))
    passages = {row["text"]: row for document, section in sections for row in kb.passages_in(document, section)}
    focused = focus(kb, turn.asked, turn.text, text, record.get("title") or "", list(passages))
    if not focused.sentences:
        return None
    body = join(focused.sentences)
    if focused.verdict:
        body = messages.M049_VERDICT[focused.verdict].format(reason=body)
    cited = record["sources"]
    if focused.shortened:
        own = [s for s in focused.sentences if s not in focused.quoted]
        cited = (cited_for(record, own) if own else []) + [
            citation_of(kb, passages[q]) for q in focused.quoted
        ]
    return Answer(
        text=answers.with_status(prefix + body, record),
        source_line=answers.source_line(kb, cited),
        record_ids=answer.record_ids,
        shortened=focused.shortened,
    )


def join(sentences: list[str]) -> str:
    return "\n".join(sentences) if any("\n" in s for s in sentences) else " ".join(sentences)


def cited_for(record: Record, sentences: list[str]) -> list[dict[str, Any]]:
    """The record's citations each sentence used paraphrases: the one that shares most words with it,
    and those that share nearly as many (a sentence that sums up two passages cites both); all of
    them when a sentence matches none clearly."""
    chosen: list[dict[str, Any]] = []
    for sentence in sentences:
        said = stems(sentence)
        # how much of each passage the sentence says (a long passage shares many words with anything)
        covered = []
        for citation in record["sources"]:
            passage = stems(citation["passage"])
            shared = len(said & passage)
            covered.append(shared / len(passage) if shared >= MIN_SHARED_WITH_CITATION else 0.0)
        best = max(covered, default=0.0)
        if not best:
            return record["sources"]
        near = sorted(((c, i) for i, c in enumerate(covered) if c >= ALSO_CITED_SHARE * best), reverse=True)
        chosen += [record["sources"][i] for _, i in near[:MAX_CITED_PER_SENTENCE] if record["sources"][i] not in chosen]
    return chosen or record["sources"]


#: Words a sentence must share with a citation's passage to be that passage's paraphrase.
MIN_SHARED_WITH_CITATION = 3
#: A passage the sentence says nearly as much of as of the best one is cited as well.
ALSO_CITED_SHARE = 0.75
#: … up to this many passages for one sentence
MAX_CITED_PER_SENTENCE = 2


def citation_of(kb: KnowledgeBase, row: Record) -> dict[str, Any]:
    """A passage of the index as a citation: document, its version in force, section, the text."""
    version = (kb.document(row["document"]) or {}).get("version", "")
    return {"document": row["document"], "version": version, "section": row["section"], "passage": row["text"]}


# --- 7 passage ---------------------------------------------------------------------------------
def passage(
    kb: KnowledgeBase, turn: Turn, documents: list[str] | None = None, background_only: bool = True
) -> Answer | None:
    """The passage that answers, quoted word for word; without a topic only from background documents
    (a near-domain question about the core rules is better declined than answered from a stray sentence)."""
    if documents is None and turn.action != "no_answer":
        return None
    if background_only:
        if answers.asks_about_today(turn.text):
            return None  # a 2013 report or an advice says nothing about what can be done today
        # only a background document the question names ("volgens de SERV", "in de proeftuinen"):
        # a stray sentence of a 48,000-word report is no answer to an unrecognised question
        documents = [
            d["id"] for d in kb.all("documents") if d.get("weight") == "background" and names_document(turn.text, d)
        ]
        if not documents:
            return None
    found = best_passage(kb, turn.text, turn.asked, documents)
    return None if found is None else quoted(kb, found.row)


def quoted(kb: KnowledgeBase, row: Record, lead: str = "") -> Answer:
    """A passage of the index quoted word for word, after what its document is (and `lead`), with its citation."""
    citation = citation_of(kb, row)
    return Answer(
        text=(f"{lead}\n" if lead else "") + f"{passage_intro(kb, row['document'])}\n\"{row['text']}\"",
        source_line=answers.source_line(kb, [citation]),
        passage=citation,
    )


# --- 8 decline ---------------------------------------------------------------------------------
def decline(kb: KnowledgeBase, turn: Turn, documents: list[str] | None = None) -> Answer:
    return answers.no_answer(kb, turn.concepts, turn.text, documents=documents)


STEPS: tuple[Step, ...] = (unusable, follow_up, abbreviation, clarifying, described_client, rule, topic, passage)


def answer(kb: KnowledgeBase, turn: Turn) -> Answer:
    """The first step's answer; a decline when none answers. A question whether a described client can
    get into a named trajectory still gets the eligibility rules when it would be declined ("kan ne
    leefloner in GLOW?", whatever the NLU made of it)."""
    turn.kb = kb
    found = next((a for a in (step(kb, turn) for step in STEPS) if a is not None), None)
    if found is None or found.declined and not answers.unusable_message(turn.text):
        access = _ASKS_ACCESS.search(turn.text.casefold())
        found = (eligibility.answer_described_client(kb, turn.text) if access else None) or found or decline(kb, turn)
    if answers.asks_earlier_version(turn.text):
        # about this answer's topic, or (a follow-up without one) the previous answer's
        answered = found.record_ids if found.substantive else turn.previous.record_ids
        found = answers.answer_earlier_version(kb, turn.text, answered) or found
    return found
