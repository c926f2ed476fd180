"""Passage answers: the sentence of a source text that answers a question no record answers.

The passage index (``passages`` in knowledge.db) holds every sentence of the five texts. A
passage answers only when it holds most of what the question asks about (weighted by how rare
each word is) and, for "hoeveel", "hoelang", "wanneer" and "wie", the kind of information asked: a near
miss is declined, never quoted as if it answered.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot import messages
from bot.answering.config import CONFIG
from bot.answers import asks_for_missing_fact
from bot.answering.focus import CARRIERS, carries_kind, concepts, counts_asked, is_variant, overlap, stray, weight
from bot.answering.question import SAME_WORD, STEM_LENGTH, Asked, held, negated, stems
from bot.knowledge.query import KnowledgeBase, Record

_ASKS_CODE = re.compile(r"\b(\w*nummer|\w*code|fin\.?\s?nr|nr)\b")
_CODE = re.compile(r"\b[A-Z]{1,4}[-/ ]?\d{2,}[A-Z0-9]*\b|\b\d{2,}[-/. ]\d{2,}")
#: Kinds of question a passage answers only when it carries that kind of information.
_NEEDS_CARRIER = ("hoeveel", "hoelang", "wanneer", "wie")


@dataclass
class Passage:
    row: Record
    coverage: float
    #: it names a glossary concept the question names
    about: bool = False
    #: it counts what a "hoeveel" question counts ("zes knipperlichten")
    counts: bool = False
    #: the sentences before it that it refers back to ("Er is de groep 'aanbod uitgeput'. … Het gaat om 2.530 personen")
    context: tuple[str, ...] = ()
    #: its cosine similarity to the question, when it is one of the question's nearest sentences in meaning
    similarity: float = 0.0

    @property
    def text(self) -> str:
        return " ".join((*self.context, self.row["text"]))


#: A sentence that opens by pointing back ("Het gaat om 2.530 personen", "Deze groep …"): it says
#: nothing by itself, its subject is in the sentence before.
_POINTS_BACK = re.compile(
    r"^\W*(het gaat (hier )?om|dit|deze|dat|die|zij|ze|hij|hun|hierbij|daarbij|hiervan|daarvan|hiervoor|daarvoor|"
    r"hierin|daarin)\b", re.IGNORECASE)
#: How many sentences back a passage's subject is looked for.
_CONTEXT_SENTENCES = 2


def context_of(kb: KnowledgeBase, row: Record) -> tuple[str, ...]:
    """The sentences before `row` in its section that it refers back to, nearest last."""
    if not _POINTS_BACK.search(row["text"]):
        return ()
    section = kb.passages_in(row["document"], str(row["section"]))
    before = [p for p in section if p["position"] < row["position"]][-_CONTEXT_SENTENCES:]
    context: list[str] = []
    for previous in reversed(before):
        context.insert(0, previous["text"])
        if not _POINTS_BACK.search(previous["text"]):
            break
    return tuple(context)


def carried_on(kb: KnowledgeBase, row: Record, kind: str) -> tuple[Record, tuple[str, ...]] | None:
    """The sentence after `row` that gives the kind of information asked about what `row` names, when it
    points back to it ("Er is de groep 'aanbod uitgeput'. … Het gaat om 2.530 personen"): that sentence
    with the ones from `row` on as its context; None when no such sentence follows."""
    section = kb.passages_in(row["document"], str(row["section"]))
    after = [p for p in section if p["position"] > row["position"]][:_CONTEXT_SENTENCES]
    context = [row["text"]]
    for following in after:
        if not _POINTS_BACK.search(following["text"]):
            return None
        if carries_kind(kind, following["text"]):
            return following, tuple(context)
        context.append(following["text"])
    return None


def best_passage(
    kb: KnowledgeBase, question: str, asked: Asked, documents: list[str] | None = None, rows: list[Record] | None = None,
    *, min_coverage: float = CONFIG.passage_min_coverage, min_shared_words: int = CONFIG.passage_min_shared_words,
    neighbours: Neighbours | None = None,
) -> Passage | None:
    """The passage that best answers the question (of these documents only, if given; of these `rows`
    of the index, if given, instead of what the full-text search finds), or None. `neighbours`: the
    sentences nearest to the question in meaning (the NLU's `passage_neighbours`), with their similarity."""
    if not asked.content:
        return None
    total = math.fsum(weight(kb, s) for s in asked.content)
    naming = {d["id"]: names_document(question, d) for d in kb.all("documents")}
    named = concepts(kb, question)
    similar = neighbours or {}
    if rows is None:
        rows = kb.search_passages(searched_prefixes(asked), limit=CONFIG.passage_candidates)
        found = {key_of(row) for row in rows}
        rows = rows + [row for row in kb.passages_at(list(similar)) if key_of(row) not in found]
    best: Passage | None = None
    for row in rows:
        if documents and row["document"] not in documents:
            continue
        if stray(row["text"]):
            continue
        context = context_of(kb, row)
        own = _own_text(row, context)
        if len(held(asked, own)) < min_shared_words or asked.excluded & (stems(own) - negated(own)):
            continue
        if asked.kind in _NEEDS_CARRIER and asked.kind in CARRIERS and not carries_kind(asked.kind, row["text"]):
            # the figure or the date may stand in the next sentence, about what this one names
            following = None if context else carried_on(kb, row, asked.kind)
            if following is None:
                continue
            row, context = following
            own = _own_text(row, context)
        # "volgens de SERV": a word naming the document counts towards the coverage, not as a match
        searched = f"{' '.join(naming.get(row['document'], ()))} {own}"
        if asks_for_missing_fact(question, row["text"]):  # "hoeveel euro": a count of hours is no amount
            continue
        if _ASKS_CODE.search(question.casefold()) and not _CODE.search(row["text"]):
            continue  # "welk financieringsnummer": a passage without a number or code does not give it
        coverage = overlap(kb, asked, searched) / total
        similarity = similar.get(key_of(row), 0.0)
        # a passage about the service the question names beats one about another ("samenlevingsjob",
        # not the gemeenschapsdienst of the next annex), however many other words they share
        about = bool(named & concepts(kb, own))
        counts = bool(asked.counted) and counts_asked(asked, row["text"])
        # a sentence that says what is asked in other words holds fewer of its words
        enough = coverage >= min_coverage or (
            similarity >= CONFIG.neighbour_min_similarity and coverage >= CONFIG.neighbour_min_coverage)
        found = Passage(row, coverage, about, counts, context, similarity)
        if enough and (best is None or _rank(found) > _rank(best)):
            best = found
    return best


#: The parse-data key under which the NLU lists a message's nearest passages (bot/nlp/passage_neighbours.py).
NEIGHBOURS = "passage_neighbours"
#: A passage's key in the index, and the similarity of the question's nearest passages by key.
Key = tuple[str, str, int]
Neighbours = dict[Key, float]


def key_of(row: Record) -> Key:
    return row["document"], str(row["section"]), int(row["position"])


def _rank(passage: Passage) -> tuple[bool, bool, float]:
    """Which passage answers best: about what is asked, counting what is asked, then its words and — only
    above the similarity that says "the same in other words" — its meaning (below it, the encoder's
    ranking of two sentences that share the question's words is no better than a coin)."""
    meaning = max(0.0, passage.similarity - CONFIG.neighbour_min_similarity)
    return passage.about, passage.counts, passage.coverage + CONFIG.neighbour_weight * meaning


def passages_cited(kb: KnowledgeBase, sources: list[dict]) -> list[Record]:
    """The passages of the sections that `sources` ([{document, section}]) cite, each section once, in order."""
    sections = dict.fromkeys(
        (s["document"], str(s["section"])) for s in sources if s.get("document") and s.get("section"))
    return [row for document, section in sections for row in kb.passages_in(document, section)]


def _own_text(row: Record, context: tuple[str, ...]) -> str:
    """What a passage says, read with its section's title and the sentences it points back to."""
    return f"{row['section_title']} {' '.join(context)} {row['text']}"


def searched_prefixes(asked: Asked) -> list[str]:
    """The word beginnings the full-text search looks for: the question's stems, and the forms a stem
    stands for that begin otherwise ("duren": "duurtijd", "looptijd")."""
    others = {word[:STEM_LENGTH] for word, same in SAME_WORD.items() if same[:STEM_LENGTH] in asked.content}
    return sorted(asked.content | others)


def background_documents_asked(kb: KnowledgeBase, question: str, *, by_name: bool = False) -> list[str]:
    """The background documents the question names (see `names_document`) or uses the own words of
    (`own_terms`: "knipperlichten" only the HIVA report uses)."""
    return [
        d["id"] for d in kb.all("documents")
        if d.get("weight") == "background"
        and (names_document(question, d, by_name=by_name) or _whole(question.casefold(), d.get("own_terms") or []))
    ]


def _whole(asked: str, phrases: list[str]) -> list[str]:
    """The phrases that stand whole in the (casefolded) question; "a + b": both words, anywhere."""
    return [n for n in phrases if all(
        re.search(rf"(?<!\w){re.escape(part.strip().casefold())}(?!\w)", asked) for part in n.split("+"))]


def names_document(question: str, document: Record, *, by_name: bool = False) -> list[str]:
    """The words of the question that name the document ("volgens de SERV", "in de proeftuinen"): its
    `named_by` words and phrases, whole ("samenwonende" does not name the "samenlevingsjobs" advice), "a + b"
    both; without them, the long words of its title. `by_name`: no "a + b" (the report on VDAB and OCMW is
    one place to look when nothing else answers, not what every question about the two is about)."""
    asked = question.casefold()
    if document.get("named_by"):
        return _whole(asked, [n for n in document["named_by"] if not (by_name and "+" in n)])
    title = set(re.findall(r"\w{4,}", f"{document['short_title']} {document['title']}".casefold()))
    return [w for w in re.findall(r"\w{4,}", asked) if w in title or w.rstrip("s") in title]


def passage_intro(kb: KnowledgeBase, document_id: str) -> str:
    """What the document is, for the two background documents (a plan or a 2013 study, not a rule)."""
    document = kb.document(document_id) or {}
    if document.get("weight") != "background":
        return messages.M050_PASSAGE_INTRO.format(title=document.get("short_title", document_id))
    return messages.M051_PASSAGE_INTRO_BACKGROUND.format(
        title=document.get("short_title", document_id), note=(document.get("note") or "").strip().rstrip(".")
    )


# --- what an abbreviation stands for -----------------------------------------------------------
#: "MEA, waar staat da voor?", "wat betekent MPSA voluit?", "afkorting BTOM?"
_ASKS_EXPANSION = re.compile(r"\b(waar\s+staat\b.*\bvoor|voluit|afkorting|staat\s+(\w+\s+)?voor)\b")
#: "wat is TAZ?", "UKW wat is da", "wat betekent MEA": a short question what a word in capitals is …
_ASKS_MEANING = re.compile(r"\bwat?\s+(is|zijn|betekent|betekenen|bedoelt?\s+\w+\s+met|wil\s+\S+\s+zeggen)\b")
_MEANING_MAX_WORDS = 6
#: … that word: two to six capitals as the user typed them
_CAPITALS = re.compile(r"(?<![\w-])[A-Z]{2,6}(?![\w-])")
#: Words left out of an abbreviation's letters ("Meetinstrument voor Professionele en Sociale Activering")
_SMALL_WORDS = frozenset("van voor en de het der in op tot met of".split())


@dataclass
class Expansion:
    abbreviation: str
    expansion: str
    row: Record


def expansion(kb: KnowledgeBase, question: str) -> Expansion | None:
    """What an abbreviation the question asks about stands for, as a source text writes it out
    ("Multi-Elementen-Advies (MEA)"); None when the question asks no such thing or no text says it."""
    if _ASKS_EXPANSION.search(question.casefold()):
        words = re.findall(r"[\w-]{2,8}", question)
    elif _ASKS_MEANING.search(question.casefold()) and len(question.split()) <= _MEANING_MAX_WORDS:
        # an abbreviation the glossary knows ("wat is GLOW?") has its own topic
        words = [w for w in _CAPITALS.findall(question) if not is_variant(kb, w)]
    else:
        return None
    for word in words:
        letters = word.upper()
        if word.casefold() in _SMALL_WORDS or not letters.isalpha() or word.casefold() in ("waar", "staat", "voluit", "afkorting"):
            continue
        found = [
            Expansion(letters, written, row)
            for row in kb.passages_containing(f"({letters})")
            for match in re.finditer(rf"\(\s*{re.escape(letters)}\s*\)", row["text"])
            if (written := written_out(row["text"][: match.start()], letters))
        ]
        if found:
            # quoted from the section about it (that names it most), not from an introduction listing it
            return max(found, key=lambda e: _mentions(kb, e.row, letters))
    return None


def _mentions(kb: KnowledgeBase, row: Record, word: str) -> int:
    """How often the passages of `row`'s section name `word`."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
    return sum(len(pattern.findall(p["text"])) for p in kb.passages_in(row["document"], str(row["section"])))


def _compound_end(parts: list[str], initials: str, letters: str) -> bool:
    """Whether the last word is a compound that gives the abbreviation's last letters, in order
    ("Tender Activeringszorg (TAZ)": T, A and the z of "-zorg")."""
    rest = letters[len(initials):]
    if not parts or not rest or not letters.startswith(initials):
        return False
    last = parts[-1].upper()
    return bool(re.fullmatch(r".+" + "".join(f"{re.escape(c)}.*" for c in rest), last))


def written_out(before: str, letters: str) -> str | None:
    """The words just before "(ABC)" whose initials (parts of a hyphenated word each count, small
    words none) spell the abbreviation; None when they do not."""
    words = before.rstrip().split(" ")
    for start in range(len(words) - 1, max(-1, len(words) - 2 * len(letters) - 2), -1):
        # quotes around the written-out name ("'Meetinstrument … Activering' (MPSA)") are no initial
        parts = [p for w in words[start:] for p in re.split(r"-", w.strip("'‘’\"")) if p and p.casefold() not in _SMALL_WORDS]
        initials = "".join(p[0] for p in parts).upper()
        if initials == letters or _compound_end(parts, initials, letters):
            return " ".join(words[start:]).strip(" ,;:('‘’\"")
        if len(initials) > len(letters):
            return None
    return None
