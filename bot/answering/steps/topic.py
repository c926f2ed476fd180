"""Step 6, topic: the recognised topic, cut to the sentences that answer (fact extraction, `focus`)."""
from __future__ import annotations

import math
import re
from typing import Any

from bot import answers, messages
from bot.answering.config import CONFIG
from bot.answering.focus import STRICT, carries_kind, counts_asked, focus, overlap, units, weight
from bot.answering.passage import background_documents_asked, best_passage
from bot.answering.question import stems
from bot.answering.steps.decline import decline
from bot.answering.steps.passage import citation_of, passage, quoted
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase, Record


def topic(kb: KnowledgeBase, turn: Turn) -> Answer | None:
    intent = turn.intent_in_context or (reread(kb, turn) if turn.action == "answer" else fallback_reading(kb, turn))
    if not intent:
        return None
    if turn.intent_in_context is None and turn.elsewhere(intent):
        # a follow-up the NLU reads in another document: the documents of the answer it follows say it, or none
        return passage(kb, turn, documents=turn.previous_documents, background_only=False)
    answer = answers.answer_intent(kb, intent, turn.concepts, turn.text)
    if answer is None or answer.buttons:  # no topic, or a clarifying question of the topic
        return answer
    # a question about today answered from a report or an advice, or for a fact of a year no text mentions
    of_a_later_year = turn.asked.kind in _ONE_FACT and turn.asked.kind != "ja_nee" \
        and bool(answers.years_no_document_mentions(kb, turn.text))
    today = answers.asks_about_today_from_background(kb, turn.text, answer.record_ids) or of_a_later_year
    short = None if today or answers.asks_for_missing_fact(turn.text, answer.text) else shorten(kb, turn, answer)
    # the fact asked stands in the topic, but not in what answers the question (the topic's title says
    # what the whole answer is about: "fase 2" of the proeftuinen)
    title = (kb.get("topics", answer.record_ids[0]) or {}).get("title", "") if answer.record_ids else ""
    if short is not None and turn.asked.kind != "ja_nee" and answers.asks_for_missing_fact(turn.text, f"{title}\n{short.text}"):
        short = _with_the_fact(kb, turn, answer, title)
    documents = [c["document"] for c in kb.citations(answer.record_ids)]
    named = background_documents_asked(kb, turn.text, by_name=True)
    if named and not set(named) & set(documents):
        # "hoelang duurt gemeenschapsdienst volgens de serv?": the advice says it, not the GLOW topic the NLU chose
        found = passage(kb, turn, documents=named, background_only=False)
        if found is not None:
            return found
    if short is not None:
        return _better_passage(kb, turn, short, documents + _related_documents(kb, answer.record_ids)) or short
    if today:
        return decline(kb, turn, documents)  # a 2013 report or an advice says nothing about today
    # the topic lacks the kind of fact asked, or none of its sentences gives it about what is asked:
    # a passage of its documents, or a decline
    return passage(kb, turn, documents=documents, background_only=False) or decline(kb, turn, documents)


def reread(kb: KnowledgeBase, turn: Turn) -> str:
    """The NLU's intent; when it is unsure, the one of its next intents whose topic holds clearly more of
    what the question asks ("wat moeten we als LP bijhouden …" between two LP topics)."""
    top = turn.ranking[0] if turn.ranking else None
    if top is None or top.get("name") != turn.intent or top.get("confidence", 1.0) >= CONFIG.reread_max_confidence:
        return turn.intent
    covered = _covered_by_candidates(kb, turn)
    if turn.intent not in covered:
        return turn.intent
    best = max(covered, key=lambda name: covered[name])
    return best if covered[best] >= covered[turn.intent] + CONFIG.reread_better_by else turn.intent


def _covered_by_candidates(kb: KnowledgeBase, turn: Turn, min_confidence: float = 0.0) -> dict[str, float]:
    """For each of the NLU's first intents (with at least `min_confidence`) that has a topic: the share of the
    question's content weight its best topic holds, in its title and answer."""
    total = math.fsum(weight(kb, s) for s in turn.asked.content)
    covered: dict[str, float] = {}
    for candidate in turn.ranking[: CONFIG.reread_candidates] if total else []:
        if candidate["name"] == answers.COMBINATION_INTENT or candidate.get("confidence", 0.0) < min_confidence:
            continue  # what the rule table does not settle is no reading of a question about something else
        topics = kb.topics_for_intent(candidate["name"])
        if topics:
            covered[candidate["name"]] = max(
                overlap(kb, turn.asked, f"{t['title']} {answers.topic_text(t, {})}") for t in topics
            ) / total
    return covered


def _with_the_fact(kb: KnowledgeBase, turn: Turn, answer: Answer, title: str) -> Answer | None:
    """For a contact detail asked: the sentences that answer, of those that give it, when the best ones do
    not ("bij wie kan ik terecht …? heb je een mailadres?": the line with the address, not the FAQ); None
    when no sentence of the topic gives it. (A date or a number in another sentence is about something
    else: "tot wanneer loopt de oproep?" is not answered by when it started.)"""
    record = kb.get("topics", answer.record_ids[0])
    if record is None or not answers.asks_for_contact_detail(turn.text):
        return None
    lines = units(answers.topic_text(record, turn.concepts))
    giving = [line for line in lines if not answers.asks_for_missing_fact(turn.text, f"{title}\n{line}")]
    if not giving or len(giving) == len(lines):
        return None
    found = shorten(kb, turn, answer, "\n".join(giving))
    return found if found is not None and not answers.asks_for_missing_fact(turn.text, f"{title}\n{found.text}") else None


def fallback_reading(kb: KnowledgeBase, turn: Turn) -> str | None:
    """When the NLU is sure of no intent (not when it is sure the question is out of scope): the one of
    its next intents whose topic holds most of what the question asks, when that is most of it. Not for a
    ja/nee question: a verdict from a topic the NLU was not sure of is a guess."""
    if turn.intent != "nlu_fallback" or turn.asked.kind == "ja_nee":
        return None
    covered = _covered_by_candidates(kb, turn, CONFIG.fallback_min_confidence)
    best = max(covered, key=lambda name: covered[name], default=None)
    return best if best is not None and covered[best] >= CONFIG.fallback_min_coverage else None


def shorten(kb: KnowledgeBase, turn: Turn, answer: Answer, only: str | None = None) -> Answer | None:
    """The sentences of a topic answer (or of `only`, some of its lines) that answer the question,
    verdict first where one is carried; None when no sentence gives the number or duration asked."""
    record = kb.get("topics", answer.record_ids[0])
    if record is None:
        return answer
    text = answers.topic_text(record, turn.concepts)
    prefix = answer.text[: answer.text.find(text)] if text in answer.text else ""  # e.g. "not settled" intro
    text = only or text
    if turn.asked.kind == "ja_nee" and (turn.asked.no_verdict or turn.asked.negative):
        # a topic text written for "kan X?" opens with its "Ja,": to "valt X buiten …?", "de vrouw van
        # mijne klant …" or "mag X niet …?" that word reads as the opposite, the sentence does not
        text = without_verdict(text)
    sections = list(dict.fromkeys((c["document"], str(c["section"])) for c in answers.current_citations(kb, record["sources"])))
    passages = {row["text"]: row for document, section in sections for row in kb.passages_in(document, section)}
    focused = focus(
        kb, turn.asked, turn.text, text, record.get("title") or "", list(passages),
        {passage: row["section_title"] for passage, row in passages.items()},
    )
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
    said = prefix + body
    return Answer(
        text=answers.with_brief_status(kb, said, record) if focused.shortened else answers.with_status(said, record),
        source_line=answers.source_line(kb, cited),
        record_ids=answer.record_ids,
        shortened=focused.shortened,
        verdict=focused.verdict,
    )


#: The verdict a topic text opens with ("Ja, leefloners horen bij …", "Nee. Deeltijdse werkzoekenden …").
_OPENING_VERDICT = re.compile(r"^(ja|nee)\s*[,.:]\s*(?=\S)", re.IGNORECASE)


def without_verdict(text: str) -> str:
    """The text without the ja or nee it opens with, its first word capitalised."""
    found = _OPENING_VERDICT.match(text)
    if not found:
        return text
    rest = text[found.end():]
    return rest[:1].upper() + rest[1:]


def join(sentences: list[str]) -> str:
    return "\n".join(sentences) if any("\n" in s for s in sentences) else " ".join(sentences)


def cited_for(record: Record, sentences: list[str]) -> list[dict[str, Any]]:
    """The record's citations each sentence used paraphrases: the one that shares most words with it,
    and those that share nearly as many (a sentence that sums up two passages cites both); all of
    them when a sentence matches none clearly. A list is cited item by item."""
    chosen: list[dict[str, Any]] = []
    # a list kept whole is cited item by item: its steps may come from several sections
    lines = [line.strip().removeprefix("- ") for sentence in sentences for line in sentence.split("\n") if line.strip()]
    for sentence in lines:
        said = stems(sentence)
        # how much of each passage the sentence says (a long passage shares many words with anything)
        covered = []
        for citation in record["sources"]:
            passage = stems(citation["passage"])
            shared = len(said & passage)
            covered.append(shared / len(passage) if shared >= CONFIG.citation_min_shared_words else 0.0)
        best = max(covered, default=0.0)
        if not best and len(said) < CONFIG.citation_min_shared_words:
            continue  # a list's short lead ("Wat moet je doen?") says nothing to cite
        if not best:
            return record["sources"]
        near = sorted(((c, i) for i, c in enumerate(covered) if c >= CONFIG.citation_also_share * best), reverse=True)
        chosen += [record["sources"][i] for _, i in near[:CONFIG.citation_max_per_sentence] if record["sources"][i] not in chosen]
    return chosen or record["sources"]


#: Kinds of question that ask one fact (not a list, a definition or a summary).
_ONE_FACT = ("ja_nee", "hoeveel", "hoelang", "wanneer")


def _related_documents(kb: KnowledgeBase, record_ids: list[str]) -> list[str]:
    """The documents the topics a topic lists as `related` cite ("gemeenschapsdienst" in GLOW: the SERV
    advice describes it too)."""
    related = (kb.get("topics", record_ids[0]) or {}).get("related") or [] if record_ids else []
    return list(dict.fromkeys(c["document"] for c in kb.citations(related)))


def _better_passage(kb: KnowledgeBase, turn: Turn, short: Answer, documents: list[str]) -> Answer | None:
    """For one fact of a background document (a report or an advice that a topic only sums up): a
    sentence elsewhere in it that holds clearly more of the question than the topic's own sentences
    ("mogen samenlevingsjobs bij particulieren?" and the summary of the advice)."""
    if short.verdict:
        return None  # a verdict carried by the topic's own sentence stands
    background = [d for d in documents if (kb.document(d) or {}).get("weight") == "background"]
    if turn.asked.kind not in _ONE_FACT or not background:
        return None
    total = math.fsum(weight(kb, s) for s in turn.asked.content)
    if not total:
        return None
    found = best_passage(kb, turn.text, turn.asked, background, neighbours=turn.neighbours)
    # what the topic's sentences say, not its status note ("Let op: …")
    said = short.text.split("\n" + messages.M014_STATUS.format(note=""))[0]
    if turn.asked.kind in STRICT:
        # "hoeveel": what the number's sentences say; the others only lead up to it
        said = " ".join(u for u in units(said) if carries_kind(turn.asked.kind, u))
    if found is None:
        return None
    held = overlap(kb, turn.asked, said) / total
    # clearly more of the question, or all of a question of some words where the topic's sentences lack some
    whole = found.coverage >= CONFIG.passage_whole > held and len(turn.asked.content) >= CONFIG.passage_whole_min_words
    if found.coverage < held + CONFIG.passage_better_by and not whole:
        return None
    if turn.asked.counted and counts_asked(turn.asked, said) and not found.counts:
        return None  # the topic's sentence counts what is asked ("zes knipperlichten"), the passage does not
    return quoted(kb, found.row, text=found.text)
