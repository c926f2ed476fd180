"""Step 2a, restated: "en een TWE-traject?" after "hoelang kan een GLOW-traject max duren?" is the question
before it, asked again about what the follow-up names.

The follow-up's glossary terms take the place of the previous question's terms of the same kind (a
trajectory for a trajectory, an instrument for an instrument): "hoelang kan een twe ocmw max duren?". Only
when nothing else answers it (the pipeline's last try before a decline), a follow-up that narrows the
question or asks one of its own ("en max?", "en als de klant leefloon heeft?", "en op welk moment?") adds
what it says to the question before it, asked about the previous answer's topic. The restated question is
answered by the whole pipeline as a question of its own; when that declines, the follow-up goes on as typed.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from bot.answering.config import CONFIG
from bot.answering.turn import Turn
from bot.answers import Answer
from bot.knowledge.query import KnowledgeBase
from bot.knowledge.sources import normalise

#: "en voor …", "en een …", "maar als …": the previous question about something else …
_AND_ABOUT = re.compile(r"^\W*(?:en|maar)\s", re.IGNORECASE)
#: … not a question of its own that happens to start with "en" ("en voor wie is da bedoeld?", "en kan die
#: daarna …?", "en stuur ik dat attest zelf door?"): those are asked again only when nothing else answers them
_OWN_QUESTION = re.compile(
    r"^\W*(?:en|maar)\s+(?:kan|kunnen|mag|mogen|moet|moeten|is|zijn|heeft|hebben|wordt|worden|krijgt|krijgen|geldt|"
    r"gelden|stuur|doe|ga|bel|vul)\b|\b(?:wat|wie|hoe|waar|wanneer|welke?|hoeveel|hoelang|waarom)\b"
    # … or a condition that narrows it rather than another thing it is about ("en als er geen vacature is?")
    r"|\b(?:als|indien|zonder|geen|niet|nie|ni)\b", re.IGNORECASE)
_LEADING = re.compile(r"^\W*(?:en|maar)\s+", re.IGNORECASE)
_TRAILING = re.compile(r"[\s,]*\b(?:dan|da|dat|eigenlijk|ook)?\W*$", re.IGNORECASE)


def restated(kb: KnowledgeBase, turn: Turn, *, own_question: bool = False) -> Answer | None:
    """The answer to the previous question asked again about what the follow-up names; `own_question`: also
    for a follow-up that narrows it or asks a question of its own ("en als hij nie ingeschreven is?", "en op
    welk moment moet da gebeuren?"), which the pipeline tries only when nothing else answers it."""
    question = restatement(kb, turn, own_question=own_question)
    if question is None:
        return None
    from bot.answering.pipeline import answer  # the restated question goes through every step

    found = answer(kb, question)
    return None if found.declined else found


def restatement(kb: KnowledgeBase, turn: Turn, *, own_question: bool = False) -> Turn | None:
    """The previous question about what the follow-up names, as a turn of its own; None when the message
    is no such follow-up or nothing was answered before it."""
    previous = turn.previous.question.strip()
    if not previous or not turn.previous.cited or previous.casefold() == turn.text.casefold():
        return None
    if len(turn.text.split()) > CONFIG.restated_max_words or not _AND_ABOUT.search(turn.text) \
            or _OWN_QUESTION.search(turn.text) and not own_question:
        return None
    said = _TRAILING.sub("", _LEADING.sub("", turn.text)).strip()
    if not said:
        return None
    asked_before, named = normalise(previous).rstrip(" ?!."), normalise(said)
    replaced, mentioned = asked_before, _mentions(kb, named)
    for mention in mentioned:
        # every mention of the term it replaces goes ("tijdelijk werkloze (cat 92)"), the first for its words
        other = [m for m in _mentions(kb, replaced) if m.label == mention.label and m.term != mention.term]
        old = [m for m in other if m.term == other[0].term]
        for m in reversed(old):
            replaced = replaced[:m.start] + (mention.words if m is old[0] else "") + replaced[m.end:]
    replaced = re.sub(r"\s+", " ", re.sub(r"\(\s*\)", " ", replaced)).strip()
    if replaced != asked_before:
        # about another trajectory, instrument …: the NLU's reading of the follow-up names its topic
        return Turn(text=replaced + "?", intent=turn.intent, ranking=turn.ranking, entities=turn.entities,
                    action=turn.action)
    if not own_question:
        return None  # the same question narrowed ("en als hij nog geen 25 is?") is first read as it stands
    topic = turn.previous_topic
    earlier = {m.term for m in _mentions(kb, asked_before)}
    if any(m.term not in earlier for m in mentioned) or topic is None or not topic.get("intent"):
        return None  # what the follow-up names takes the place of nothing asked before: a question of its own
    # the same topic, narrowed or widened: the previous answer's topic, with what the follow-up adds
    return Turn(text=f"{asked_before}, {named}?", intent=topic["intent"], action="answer")


class _Mention(NamedTuple):
    term: str
    label: str
    words: str
    start: int
    end: int


def _mentions(kb: KnowledgeBase, text: str) -> list[_Mention]:
    """The glossary terms the text names, in order; a term inside a longer one does not count ("ocmw" in
    "twe ocmw")."""
    variants = _variants_by_length(kb)
    tokens = list(re.finditer(r"[\w'-]+", text))
    found: list[_Mention] = []
    taken: set[int] = set()
    for size in sorted(variants, reverse=True):
        for start in range(len(tokens) - size + 1):
            span = range(start, start + size)
            if taken.intersection(span):
                continue
            term = variants[size].get(" ".join(t.group(0) for t in tokens[start:start + size]))
            if term is None:
                continue
            taken.update(span)
            begin, end = tokens[start].start(), tokens[start + size - 1].end()
            found.append(_Mention(term, kb.label_of(term), text[begin:end], begin, end))
    return sorted(found, key=lambda m: m.start)


@lru_cache(maxsize=4)
def _variants_by_length(kb: KnowledgeBase) -> dict[int, dict[str, str]]:
    by_length: dict[int, dict[str, str]] = {}
    for variant, term in kb.db.execute("select variant, term from term_variants").fetchall():
        by_length.setdefault(len(variant.split()), {})[variant] = term
    return by_length
