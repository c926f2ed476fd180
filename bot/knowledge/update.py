"""Draft the knowledge change for a new version of a document, from its new text.

`python -m bot kb update lp --text nieuw.txt --version 7 --date "maart 2026"` registers the new
version (`supersedes: lp`), finds the sections of the new text by their headings (also when a
section was renumbered or moved) and, for every citation of the old version, looks for its passage
in the new text:

- *unchanged*: the passage stands word for word in the new text (normalised as the validator does):
  the record gets a citation of the new version, in the section where the passage now stands;
- *changed*: a close but different passage is found: a new record is drafted that cites it, the old
  one gets `superseded_by`; in the draft's answer every fact (number, code, address) and every
  sentence that states something the old passage said and the new one no longer says is marked
  `TODO`, so that `python -m bot check` fails until an editor has looked at it;
- *gone*: nothing close is found: the record is left as it is and becomes history.

A record is kept when all its passages are unchanged, removed when all are gone, and changed
otherwise; a changed glossary concept is not drafted again but cites the new passage ("recited").
Sections of the new text that no record cites and no `not_covered` reason covers are
listed with a ready `scaffold` command. Without `write` nothing changes; `write_update` inserts
text into the knowledge files (never rewriting them), after checking that each file then holds
exactly the planned records.

Error codes: K070–K078.
"""
from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError
from bot.knowledge.diff import Place, RecordChange, VersionDiff, touched_places
from bot.knowledge.load import Knowledge, knowledge_files
from bot.knowledge.schema import KINDS
from bot.knowledge.sources import Section, contains_passage, cut_sections, normalise, normalise_with_offsets, read_source
from bot.knowledge.validate import fact_tokens, field_name, stated_texts

MARKER = "TODO"
#: A passage this similar (difflib ratio over its words) to a stretch of the new text is "changed".
CLOSE = 0.6
#: A numbered heading, a part ("DEEL III …") or an annex ("BIJLAGE 1: …"), on a line of its own.
_HEADING = re.compile(
    r"^\s*((?:\d{1,2}\.){0,3}\d{1,2}\.?|deel [ivxlc]+|bijlage \d+:?)\s+([^\W\d_].{0,110}?)\s*$", re.IGNORECASE
)
_NUMBERED = re.compile(r"^((?:\d{1,2}\.){0,3}\d{1,2}\.?|deel [ivxlc]+|bijlage \d+:?)\s+(.*)$")
_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?:[^\n.!?]|[.!?](?=\S))+(?:[.!?]+|$)", re.MULTILINE)
#: Words that carry no statement of their own; a change in them alone is a change of wording.
_FILLER = frozenset(
    "aan als bij dan dat de deze die dit door een en haar het hem hen hier hij hun in is je jij kan kunnen maar"
    " met na naar nog of om ook op over te tot uit van voor wat we wel wie wij wordt worden zal ze zich zij zijn"
    " zoals".split()
)
#: Words that turn a rule around; one stands for all ("niet" -> "nooit" keeps the statement).
_NEGATIONS = frozenset({"niet", "nooit", "geen", "niets", "nergens", "geenszins"})
#: Kinds whose records name a concept rather than state a rule: a changed passage is cited anew on
#: the same record (a second record would name the concept twice).
_CONCEPT_KINDS = frozenset({"glossary"})


@dataclass
class NewSection:
    """A section of the new text: the old section it continues (if any) and where it starts."""

    id: str
    title: str
    anchor: str
    start: int
    old: str | None = None
    not_covered: str | None = None

    def entry(self) -> dict[str, str]:
        entry = {"id": self.id, "title": self.title, "anchor": self.anchor}
        return entry | ({"not_covered": self.not_covered} if self.not_covered else {})


@dataclass
class PassageMatch:
    """One citation of the old version and what became of its passage."""

    position: int  # index in the record's sources
    old_section: str
    old_passage: str
    status: str  # unchanged | changed | gone
    section: str | None = None
    passage: str | None = None
    ratio: float = 0.0


@dataclass
class RecordPlan:
    kind: str
    file: str
    record: dict[str, Any]
    matches: list[PassageMatch]
    status: str = "kept"  # kept | changed | recited (a concept's changed passage) | removed
    draft: dict[str, Any] | None = None
    #: where the draft says TODO, as "field: what"
    todos: list[str] = field(default_factory=list)
    #: a TODO comment for the draft when what changed is in no text the draft states
    note: str | None = None

    @property
    def id(self) -> str:
        return self.record["id"]


@dataclass
class UpdatePlan:
    old: dict[str, Any]
    new: dict[str, Any]
    text: str
    source_name: str
    sections: list[NewSection]
    records: list[RecordPlan]
    #: sections without records and without a reason, with their scaffold command
    uncovered: list[tuple[NewSection, str]] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    def of(self, status: str) -> list[RecordPlan]:
        return [r for r in self.records if r.status == status]


# --- the plan ---------------------------------------------------------------------------------------


def plan_update(
    knowledge: Knowledge,
    sources_dir: Path,
    document_id: str,
    text: str,
    *,
    version: str,
    date: str,
    new_id: str | None = None,
    source_name: str | None = None,
    project: Path | None = None,
) -> UpdatePlan:
    """What registering `text` as version `version` of `document_id` changes in `knowledge`."""
    documents = knowledge.by_id("documents")
    old = documents.get(document_id)
    if old is None:
        raise KnowledgeError("K070", f"onbekend document '{document_id}' (geregistreerd: {', '.join(documents)})")
    successor = next((d["id"] for d in documents.values() if d.get("supersedes") == document_id), None)
    if successor:
        raise KnowledgeError("K071", f"'{document_id}' wordt al vervangen door '{successor}'; werk vanaf dat document")
    new_id = new_id or f"{re.sub(r'-v[0-9]+$', '', document_id)}-v{_slug(version)}"
    if new_id in documents:
        raise KnowledgeError("K072", f"document '{new_id}' bestaat al; kies een andere id (--id)")
    old_text = read_source(sources_dir, old)
    if old_text is None:
        raise KnowledgeError("K073", f"brondocument niet gevonden: {Path(sources_dir) / str(old.get('file'))}")

    sections = find_sections(old, old_text, text)
    new = {
        "id": new_id, "title": old["title"], "short_title": old["short_title"], "version": str(version),
        "date": date, "file": source_name or f"{new_id}.txt", "weight": old["weight"], "supersedes": document_id,
        "contacts": list(old.get("contacts") or []), "sections": [s.entry() for s in sections],
    } | {name: list(old[name]) for name in ("named_by", "own_terms") if old.get(name)}
    located, missing = cut_sections(new, text)
    if missing:
        raise KnowledgeError("K074", f"koppen niet terug te vinden in de nieuwe tekst: {', '.join(missing)}")
    finder = _PassageFinder(text, located, sections)

    plans = [
        RecordPlan(kind, file, record, [finder.match(i, c) for i, c in citations])
        for kind, file, record in knowledge.all_records
        if (citations := _old_citations(kind, record, document_id))
    ]
    for plan in plans:
        statuses = {m.status for m in plan.matches}
        plan.status = "kept" if statuses == {"unchanged"} else "removed" if statuses == {"gone"} else "changed"
        if plan.status == "changed" and plan.kind in _CONCEPT_KINDS:
            plan.status = "recited"
    successors = {(p.kind, p.id): _successor_id(p.id, version) for p in plans if p.status == "changed"}
    for (kind, old_record), successor_id in successors.items():
        if successor_id in knowledge.by_id(kind):
            raise KnowledgeError("K075", f"{kind}/{successor_id} bestaat al; het nieuwe record van {old_record} krijgt die id")
    references = successors | {("documents", document_id): new_id}
    for plan in plans:
        if plan.status == "changed":
            _draft(plan, new, references)
    new["contacts"] = [successors.get(("contacts", c), c) for c in new["contacts"]]

    update = UpdatePlan(old, new, text, new["file"], sections, plans)
    cited = {c["section"] for p in plans for c in new_citations(p, new)}
    update.uncovered = [
        (s, _scaffold_command(s, new_id)) for s in sections if s.id not in cited and not s.not_covered
    ]
    if project is not None:
        update.places = _places(project, knowledge, update, successors)
    return update


def _old_citations(kind: str, record: dict[str, Any], document_id: str) -> list[tuple[int, dict[str, Any]]]:
    """The citations of `document_id` in a current (not superseded) cited record."""
    if not KINDS[kind].cited or record.get("superseded_by") or not isinstance(record.get("id"), str):
        return []
    sources = record.get("sources")
    return [
        (i, c) for i, c in enumerate(sources if isinstance(sources, list) else [])
        if isinstance(c, dict) and c.get("document") == document_id
    ]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise(text)).strip("-")


def _successor_id(record_id: str, version: str) -> str:
    return f"{re.sub(r'-v[0-9]+$', '', record_id)}-v{_slug(version)}"


def new_citations(plan: RecordPlan, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The citations of the new version that a kept or recited record gets, or that a changed record's draft has."""
    if plan.status in ("kept", "recited"):
        return [_citation(document, m) for m in plan.matches if m.status != "gone"]
    return [c for c in (plan.draft or {}).get("sources", []) if c.get("document") == document["id"]]


def _citation(document: dict[str, Any], match: PassageMatch) -> dict[str, Any]:
    return {"document": document["id"], "version": document["version"], "section": match.section, "passage": match.passage}


# --- sections ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Heading:
    number: str
    words: str  # normalised, without the number
    line: str  # as it stands, whitespace collapsed
    start: int  # in the normalised text


def _headings(text: str) -> list[_Heading]:
    body, position, headings = normalise(text), 0, []
    for line in text.splitlines():
        match = _HEADING.match(line)
        if not match:
            continue
        shown = " ".join(line.split())
        start = body.find(normalise(shown), position)
        if start >= 0:
            headings.append(_Heading(normalise(match.group(1)), normalise(match.group(2)), shown, start))
            position = start + 1
    return headings


def _section_id(number: str) -> str:
    return number.rstrip(".:")


def find_sections(old: dict[str, Any], old_text: str, text: str) -> list[NewSection]:
    """The sections of `text`, in text order: each registered section of `old` found again by its
    heading (with its new number when renumbered), then each heading the old text did not have."""
    body = normalise(text)
    headings = _headings(text)
    claimed: set[int] = set()
    sections: list[NewSection] = []
    for registered in old.get("sections") or []:
        section = _find_again(registered, headings, claimed, body)
        if section is not None:
            sections.append(section)
    # headings the old text had too but did not register (a chapter above its sections) stay unregistered
    old_headings = {h.words for h in _headings(old_text)}
    taken = {s.id for s in sections}
    for i, heading in enumerate(headings):
        section_id = _section_id(heading.number)
        if i in claimed or section_id in taken or heading.words in old_headings:
            continue
        taken.add(section_id)
        title = heading.line[len(heading.line) - len(heading.words):]
        title = title[0] + title[1:].lower() if title.isupper() else title
        sections.append(NewSection(section_id, title, heading.line, heading.start))
    return sorted(sections, key=lambda s: s.start)


def _anchor(section: dict[str, Any]) -> str:
    return normalise(section.get("anchor") or section.get("title") or "")


def _words(anchor: str) -> str:
    """A normalised heading without its number ("3.4.2. wat doen …" -> "wat doen …")."""
    numbered = _NUMBERED.match(anchor)
    return numbered.group(2) if numbered else anchor


def _find_again(registered: dict[str, Any], headings: list[_Heading], claimed: set[int], body: str) -> NewSection | None:
    """A registered section in the new text: by a heading with the same words (the same number
    first), or, for an anchor without a number, by the anchor itself. None when it is gone."""
    anchor, section_id = _anchor(registered), str(registered["id"])
    numbered = _NUMBERED.match(anchor)
    words = _words(anchor)
    candidates = [
        (i, h) for i, h in enumerate(headings)
        if i not in claimed and (h.words.startswith(words) or (len(h.words) > 20 and words.startswith(h.words)))
    ]
    keep = dict(title=registered.get("title", ""), old=section_id, not_covered=registered.get("not_covered"))
    if numbered and candidates:
        i, heading = next(((i, h) for i, h in candidates if h.number == numbered.group(1)), candidates[0])
        claimed.add(i)
        if heading.number == numbered.group(1):
            return NewSection(section_id, anchor=registered.get("anchor") or registered.get("title"), start=heading.start, **keep)
        # renumbered: a numeric id follows the number, another id ("bijlage-1") stays
        new_id = _section_id(heading.number) if section_id == _section_id(numbered.group(1)) else section_id
        return NewSection(new_id, anchor=heading.line, start=heading.start, **keep)
    if body.find(anchor) >= 0:  # an anchor that is running text, or a heading without a number
        return NewSection(section_id, anchor=registered.get("anchor") or registered.get("title"), start=body.find(anchor), **keep)
    return None


# --- passages ---------------------------------------------------------------------------------------


class _PassageFinder:
    """Finds an old passage in the new text: word for word, or the closest stretch of words."""

    def __init__(self, text: str, located: list[Section], sections: list[NewSection]):
        self.raw, self.body, self.offsets = normalise_with_offsets(text)
        self.sections = {s.id: s for s in located}
        self.renamed = {s.old: s.id for s in sections if s.old}
        #: where each section's text begins, after its heading
        self.text_starts = {s.id: s.start + len(normalise(s.anchor)) for s in sections}
        self.words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(self.body)]

    def match(self, position: int, citation: dict[str, Any]) -> PassageMatch:
        old_section, passage = str(citation.get("section")), str(citation.get("passage") or "")
        match = PassageMatch(position, old_section, passage, "gone")
        preferred = self.renamed.get(old_section)
        for section_id in [preferred] + [s for s in self.sections if s != preferred]:
            if section_id in self.sections and contains_passage(self.sections[section_id].text, passage):
                match.status, match.section, match.passage, match.ratio = "unchanged", section_id, passage, 1.0
                return match
        found = self._closest(passage)
        section = self._section_at(found[1]) if found else None
        if found and section:  # (text before the first section cannot be cited)
            match.ratio, start, end = found
            end = min(end, section.end)
            match.status, match.section = "changed", section.id
            match.passage = " ".join(self.raw[self.offsets[start]: self.offsets[end - 1] + 1].split())
        return match

    def _section_at(self, position: int) -> Section | None:
        return next((s for s in self.sections.values() if s.start <= position < s.end), None)

    def _closest(self, passage: str) -> tuple[float, int, int] | None:
        """(similarity, start, end in the normalised text) of the most similar stretch, if close enough.

        Candidates are the windows sharing most words with the passage, narrowed to the words that
        line up with it; similarity counts shared words regardless of order (a reworded sentence
        often puts the same words in another order)."""
        wanted = _WORD.findall(normalise(passage))
        if not wanted or not self.words:
            return None
        best: tuple[float, int, int] | None = None
        for i in self._windows(wanted):
            region = self.words[max(0, i - len(wanted)): i + 2 * len(wanted)]
            words = [w for w, _, _ in region]
            blocks = [b for b in difflib.SequenceMatcher(None, wanted, words, autojunk=False).get_matching_blocks() if b.size]
            while len(blocks) > 1 and blocks[0].size <= 2 and blocks[1].b - blocks[0].b > 3:
                blocks.pop(0)
            while len(blocks) > 1 and blocks[-1].size <= 2 and blocks[-1].b - (blocks[-2].b + blocks[-2].size) > 3:
                blocks.pop()
            if not blocks:
                continue
            # a word or two replaced at either end still belongs to the passage; more is a deletion
            lead, trail = blocks[0].a, len(wanted) - blocks[-1].a - blocks[-1].size
            first = blocks[0].b - (lead if lead <= 2 else 0)
            last = blocks[-1].b + blocks[-1].size + (trail if trail <= 2 else 0)
            first, last = max(0, first), min(len(region), last)
            similarity = _shared(wanted, words[first:last])
            if similarity >= CLOSE and (best is None or similarity > best[0]):
                best = (similarity, *self._sentence_span(passage, region[first][1], region[last - 1][2]))
        return best

    def _windows(self, wanted: list[str], keep: int = 3) -> list[int]:
        """Start positions of the `keep` text windows sharing most words with the passage."""
        need, have, shared = Counter(wanted), Counter(), 0
        scores = []
        for i, (word, _, _) in enumerate(self.words):
            if have[word] < need[word]:
                shared += 1
            have[word] += 1
            if i >= len(wanted):
                gone = self.words[i - len(wanted)][0]
                have[gone] -= 1
                if have[gone] < need[gone]:
                    shared -= 1
            scores.append((shared, max(0, i - len(wanted) + 1)))
        starts: list[int] = []
        for _, start in sorted(scores, reverse=True):
            if all(abs(start - s) >= len(wanted) for s in starts):
                starts.append(start)
            if len(starts) == keep:
                break
        return starts

    def _sentence_span(self, passage: str, start: int, end: int) -> tuple[int, int]:
        """Widen a stretch to whole sentences where the old passage was whole sentences."""
        passage = passage.strip()
        if passage[:1].isupper():
            stop = max(self.body.rfind(". ", 0, start), self.body.rfind("? ", 0, start), self.body.rfind(": ", 0, start))
            section = self._section_at(start)
            if section and stop >= 0 and len(self.body[stop + 2: start].split()) <= 6:
                start = min(start, max(stop + 2, self.text_starts[section.id] + 1))  # never into the heading
        if passage[-1:] in ".?!":
            stop = re.search(r"[.?!](?=\s|$)", self.body[end - 1:])
            if stop and len(self.body[end: end - 1 + stop.end()].split()) <= 6:
                end = end - 1 + stop.end()
        return start, end


# --- drafts -----------------------------------------------------------------------------------------


def _draft(plan: RecordPlan, document: dict[str, Any], successors: dict[tuple[str, str], str]) -> None:
    """The new record of a changed one: the new passages, references to the new document and to other
    new records (`successors`: (kind, old id) -> new id), TODOs."""
    record = plan.record
    by_position = {m.position: m for m in plan.matches}
    sources = []
    for i, citation in enumerate(record.get("sources") or []):
        match = by_position.get(i)
        if match is None:
            sources.append(citation)
        elif match.status != "gone":
            sources.append(_citation(document, match))
    draft = {"id": successors[(plan.kind, plan.id)]}
    for name, value in record.items():
        if name in ("id", "sources", "superseded_by"):
            continue
        target = KINDS[plan.kind].references.get(name)
        if target and isinstance(value, list):
            value = [successors.get((target, v), v) for v in value]
        elif target and isinstance(value, str):
            value = successors.get((target, value), value)
        draft[name] = value
    draft["sources"] = sources
    old_text = " ".join(m.old_passage for m in plan.matches)
    new_text = " ".join(m.passage for m in plan.matches if m.passage)
    replaced = _replaced_facts(plan.matches)
    facts = {token: replaced.get(token, "?") for token in fact_tokens(old_text) - fact_tokens(new_text)}
    # per sentence of a changed or gone passage: its words, and those its new version (or, when the
    # passage is gone, the record's new passages) no longer says
    dropped = [
        (said, said - _statement_words(m.passage if m.status == "changed" else new_text))
        for m in plan.matches if m.status != "unchanged"
        for sentence in _SENTENCE.findall(m.old_passage) if (said := _statement_words(sentence))
    ]
    reworded = False
    for path, text in list(stated_texts(plan.kind, draft)):
        marked, what = _mark(text, facts, dropped)
        if what:
            _set(draft, path, marked)
            plan.todos.append(f"{field_name(path)}: {'; '.join(what)}")
            reworded = reworded or any(w.startswith(_SENTENCE_CHANGED) for w in what)
    if plan.kind == "rulings" and reworded:
        # a ruling whose rule is worded anew may now say the opposite: its verdict is looked at too
        draft["verdict"] = f"[{MARKER}: {draft['verdict']}]"
        plan.todos.append(f"verdict: {record['verdict']}, bij de nieuwe tekst")
    changes = sorted(facts) + sorted({w.strip("<>") for _, gone in dropped for w in gone})
    if changes and not plan.todos and not list(stated_texts(plan.kind, draft)):
        plan.note = f"versie {document['version']} zegt niet meer: {', '.join(changes)}; pas dit record aan"
    plan.draft = draft


def _shared(a: list[str], b: list[str]) -> float:
    """Dice similarity of two word lists as multisets: 1.0 for the same words in any order."""
    return 2 * sum((Counter(a) & Counter(b)).values()) / (len(a) + len(b)) if a or b else 1.0


def _replaced_facts(matches: list[PassageMatch]) -> dict[str, str]:
    """old fact -> the fact the new passage has in its place ("c03s350" -> "C03S355")."""
    replaced = {}
    for match in matches:
        if match.status != "changed":
            continue
        old, new = match.old_passage.split(), match.passage.split()
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, [normalise(w) for w in old], [normalise(w) for w in new], autojunk=False).get_opcodes():
            if tag == "replace":
                new_facts = [w.strip(".,;:()") for w in new[j1:j2] if fact_tokens(w)]
                for w in old[i1:i2]:
                    for token in fact_tokens(w):
                        replaced[token] = " ".join(new_facts) or "?"
    return replaced


def _statement_words(text: str) -> set[str]:
    """The words that make a statement: no filler, and every negation as one word."""
    words = set()
    for word in _WORD.findall(normalise(text)):
        if word in _NEGATIONS:
            words.add("<niet>")
        elif word not in _FILLER and len(word) > 2 and not word.isdigit():
            words.add(word)
    return words


#: How a TODO on a sentence (not only on a fact) is described.
_SENTENCE_CHANGED = "zin met "


def _mark(text: str, facts: dict[str, str], dropped: list[tuple[set[str], set[str]]]) -> tuple[str, list[str]]:
    """`text` with TODO marks on the facts that changed, and on each sentence that is about a changed
    sentence of a passage (shares three or more of its words) and states a word it no longer says."""
    what = []
    for token, replacement in sorted(facts.items()):
        pattern = re.compile(re.escape(token), re.IGNORECASE)
        found = pattern.search(text)
        if found:
            what.append(f"{found.group()} → {replacement}")
            text = pattern.sub(lambda m: f"[{MARKER}: {m.group()} → {replacement}]", text)
    pieces = []
    for sentence in _SENTENCE.finditer(text):
        content = sentence.group()
        words = _statement_words(content)
        changed = set().union(*(words & gone for said, gone in dropped if gone and len(words & said) >= 3))
        if changed and MARKER not in content:
            lead = re.match(r"\s*(?:[-●•]\s+)?", content).end()
            content = f"{content[:lead]}[{MARKER}: {content[lead:].rstrip()}]" + content[len(content.rstrip()):]
            what.append(_SENTENCE_CHANGED + ", ".join(sorted(w.strip("<>") for w in changed)))
        pieces.append((sentence.start(), sentence.end(), content))
    rebuilt, position = [], 0
    for start, end, content in pieces:
        rebuilt.append(text[position:start] + content)
        position = end
    return "".join(rebuilt) + text[position:], what


def _set(record: dict[str, Any], path: tuple[str | int, ...], value: str) -> None:
    target: Any = record
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _scaffold_command(section: NewSection, document_id: str) -> str:
    words = [w for w in _WORD.findall(normalise(section.title)) if w not in _FILLER and len(w) > 2 and not w.isdigit()]
    slug = "-".join(words[:4]) or _slug(section.id)
    prefix = re.sub(r"-v[0-9a-z-]*$", "", document_id)
    return (
        f"python -m bot scaffold {prefix}-{slug} --intent {prefix.replace('-', '_')}_{slug.replace('-', '_')} "
        f"--document {document_id} --section {section.id}"
    )


# --- what the change touches ------------------------------------------------------------------------


def _places(project: Path, knowledge: Knowledge, update: UpdatePlan, successors: dict[tuple[str, str], str]) -> list[Place]:
    changes = [
        RecordChange(p.kind, "changed" if p.draft or p.status == "recited" else p.status, old=p.record, new=p.draft or p.record)
        if p.status != "removed" else RecordChange(p.kind, "removed", old=p.record)
        for p in update.records if p.status != "kept"
    ]
    places = touched_places(project, VersionDiff(update.old, update.new, changes))
    replaced = {(p.kind, p.id): successors.get((p.kind, p.id)) for p in update.records if p.status in ("changed", "removed")}
    for kind_name, file, record in knowledge.all_records:
        if record.get("superseded_by") or (kind_name, record.get("id")) in replaced or record is update.old:
            continue
        for name, target in KINDS[kind_name].references.items():
            values = record.get(name)
            for value in values if isinstance(values, list) else [values]:
                if (target, value) in replaced:
                    successor = replaced[(target, value)]
                    what = f"vervangen door {successor}" if successor else "verwijderd"
                    line = knowledge.lines.get((file, record["id"]), 1)
                    places.append(Place(f"knowledge/{file}", line, f"record {record['id']} verwijst naar {value} ({what})"))
    return sorted(set(places), key=lambda p: (p.path, p.line))



# --- report -----------------------------------------------------------------------------------------

_STATUS_WORDS = {"kept": "behouden", "changed": "gewijzigd", "recited": "herciteerd", "removed": "verwijderd"}


def format_plan(update: UpdatePlan, lines: dict[tuple[str, str], int], knowledge_dir: str = "knowledge") -> str:
    """The plan as `kb diff` shows a diff: every record and place to look at with file and line.

    `lines` gives the line of each record ((file, id) -> line), from before or after writing."""
    old, new = update.old, update.new

    def where(plan: RecordPlan, record_id: str | None = None) -> str:
        record_id = record_id or plan.id
        line = lines.get((plan.file, record_id)) or lines.get((plan.file, plan.id))
        return f"{knowledge_dir}/{plan.file}:{line}"

    out = [
        f"{old['short_title']} versie {old['version']} → versie {new['version']} "
        f"({old['id']} → {new['id']}, {new['date']}, {knowledge_dir}/sources/{update.source_name})",
        "",
        f"Secties van versie {new['version']}: {len(update.sections)}, gevonden aan hun kop",
    ]
    for section in update.sections:
        if section.old is None:
            out.append(f"  §{section.id:<14} nieuw: {section.title}")
        elif section.old != section.id:
            out.append(f"  §{section.old + ' → §' + section.id:<14} hernummerd: {section.title}")
    lost = [s for s in old.get("sections") or [] if str(s["id"]) not in {n.old for n in update.sections}]
    out += [f"  §{s['id']:<14} niet meer gevonden: {s.get('title')}" for s in lost]
    out.append("")
    kept = update.of("kept")
    out.append(f"behouden    {len(kept)} records: elke passage staat woordelijk in versie {new['version']}; bronvermelding toegevoegd")
    for plan in kept:
        moves = sorted({f"§{m.old_section} → §{m.section}" for m in plan.matches if m.section != m.old_section})
        if moves:
            out.append(f"  {where(plan)}: {plan.kind}/{plan.id}: passage verhuisd ({', '.join(moves)})")
    for plan in update.of("changed") + update.of("recited"):
        if plan.draft:
            out.append(f"gewijzigd   {where(plan, plan.draft['id'])}: {plan.kind}/{plan.id} → {plan.draft['id']}")
        else:
            out.append(f"herciteerd  {where(plan)}: {plan.kind}/{plan.id} (een begrip: het record citeert de nieuwe passage)")
        for match in plan.matches:
            if match.status == "unchanged":
                continue
            out.append(f"              §{match.old_section} → " + (f"§{match.section} ({match.ratio:.0%} gelijk)" if match.passage else "weg"))
            old_words, new_words = _word_diff(match.old_passage, match.passage or "")
            out.append(f"              - versie {old['version']}: {old_words}")
            if match.passage:
                out.append(f"              + versie {new['version']}: {new_words}")
        if plan.draft:
            todo = "; ".join(plan.todos) or plan.note or "niets gemarkeerd: enkel anders verwoord, lees het antwoord na"
            out.append(f"              {MARKER}: {todo}")
    for plan in update.of("removed"):
        out.append(f"verwijderd  {where(plan)}: {plan.kind}/{plan.id} (blijft als geschiedenis van versie {old['version']})")
        for match in plan.matches:
            out.append(f"              §{match.old_section}: {_short(match.old_passage)}")
    for section, command in update.uncovered:
        what = "nieuwe sectie" if section.old is None else "sectie zonder records"
        out.append(f"{what:<11} §{section.id} {section.title}")
        out.append(f"              {command}")
        out.append(f"              (of een not_covered-reden bij §{section.id} van {new['id']} in {knowledge_dir}/documents.yml)")
    counts = ", ".join(f"{len(update.of(s))} {_STATUS_WORDS[s]}" for s in _STATUS_WORDS if s != "recited" or update.of(s))
    out += ["", f"Records: {counts}; secties zonder records: {len(update.uncovered)}"]
    if update.places:
        out += ["", "Na te kijken (intents, trainingsdata, regels, verhalen, tests, vragenset, verwijzingen):"]
        out += [f"  {place}" for place in update.places]
    return "\n".join(out)


def _word_diff(old: str, new: str) -> tuple[str, str]:
    """Both passages with the words that differ marked: [-weg-] in the old one, {+nieuw+} in the new one."""
    a, b = old.split(), new.split()
    old_out, new_out = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, [normalise(w) for w in a], [normalise(w) for w in b], autojunk=False).get_opcodes():
        if tag == "equal":
            old_out += a[i1:i2]
            new_out += b[j1:j2]
            continue
        if i2 > i1:
            old_out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            new_out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(old_out), " ".join(new_out)


def _short(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- writing ----------------------------------------------------------------------------------------


def write_update(update: UpdatePlan, knowledge_dir: Path, sources_dir: Path, text_path: Path | None = None) -> list[str]:
    """Write the plan: the new text into `sources_dir`, the document and the citations and drafts into
    the knowledge files. Every file is checked to hold exactly the planned records before anything is
    written. Returns the files written (relative to the knowledge folder's parent)."""
    knowledge_dir, sources_dir = Path(knowledge_dir), Path(sources_dir)
    files = {path.name: _FileEdit(path) for path in knowledge_files(knowledge_dir)}
    documents = next((f for f in files.values() if f.has("documents", update.old["id"])), None)
    if documents is None:
        raise KnowledgeError("K076", f"document {update.old['id']} niet gevonden in {knowledge_dir}")
    documents.add_after("documents", update.old["id"], update.new, _document_text(update.new))
    for plan in update.records:
        edit = files[plan.file]
        if plan.status in ("kept", "recited"):
            for citation in new_citations(plan, update.new):
                edit.add_citation(plan.kind, plan.id, citation)
        elif plan.status == "changed":
            edit.set_superseded_by(plan.kind, plan.id, plan.draft["id"])
            edit.add_after(plan.kind, plan.id, plan.draft, note=plan.note)
    changed = {name: edit.result() for name, edit in files.items() if edit.insertions}
    target = sources_dir / update.source_name
    if target.exists() and target.read_text(encoding="utf-8") != update.text:
        raise KnowledgeError("K077", f"{target} bestaat al met een andere tekst; kies een andere id (--id)")
    if text_path is None or Path(text_path).resolve() != target.resolve():
        target.write_text(update.text, encoding="utf-8")
    for name, text in changed.items():
        files[name].path.write_text(text, encoding="utf-8")
    written = [f"{knowledge_dir.name}/{name}" for name in changed]
    return [f"{knowledge_dir.name}/{sources_dir.name}/{target.name}"] + written


def _document_text(document: dict[str, Any]) -> str:
    """A document record in the style of documents.yml: one line per section."""
    q = lambda value: json.dumps(value, ensure_ascii=False)  # noqa: E731  (a JSON string is a YAML string)
    lines = [f"- id: {document['id']}"]
    for name in ("title", "short_title", "version", "date", "file", "weight", "supersedes"):
        lines.append(f"  {name}: {q(document[name])}")
    if document.get("contacts"):
        lines.append(f"  contacts: [{', '.join(document['contacts'])}]")
    for name in ("named_by", "own_terms"):
        if document.get(name):
            lines.append(f"  {name}: [{', '.join(q(n) for n in document[name])}]")
    lines.append("  sections:")
    for section in document["sections"]:
        lines.append("    - {" + ", ".join(f"{k}: {q(v)}" for k, v in section.items()) + "}")
    return "\n".join(lines) + "\n"


class _FileEdit:
    """Insertions into one knowledge file, planned against its text and checked before writing."""

    def __init__(self, path: Path):
        self.path = path
        self.text = path.read_text(encoding="utf-8")
        self.lines = self.text.splitlines(keepends=True)
        self.expected = yaml.safe_load(self.text) or {}
        self.insertions: list[tuple[int, int, str]] = []  # (line index, order, text)
        self.nodes: dict[tuple[str, str], yaml.MappingNode] = {}
        root = yaml.compose(self.text)
        for key, items in root.value if isinstance(root, yaml.MappingNode) else []:
            for node in items.value if isinstance(items, yaml.SequenceNode) else []:
                if isinstance(node, yaml.MappingNode):
                    for k, v in node.value:
                        if k.value == "id" and isinstance(v, yaml.ScalarNode):
                            self.nodes[(key.value, v.value)] = node

    def has(self, kind: str, record_id: str) -> bool:
        return (kind, record_id) in self.nodes

    def _record(self, kind: str, record_id: str) -> dict[str, Any]:
        return next(r for r in self.expected[kind] if r.get("id") == record_id)

    def _insert(self, index: int, text: str) -> None:
        self.insertions.append((index, len(self.insertions), text))

    def _end(self, node: yaml.Node) -> int:
        """Index of the line after the node's last line of content."""
        mark = node.end_mark
        on_its_line = mark.line < len(self.lines) and self.lines[mark.line][: mark.column].strip()
        end = mark.line + 1 if on_its_line else mark.line
        while end > node.start_mark.line + 1 and (not self.lines[end - 1].strip() or self.lines[end - 1].lstrip().startswith("#")):
            end -= 1
        return end

    def _dash(self, node: yaml.Node) -> str:
        """The indent of the '- ' that starts a list item."""
        return " " * self.lines[node.start_mark.line].rindex("-", 0, node.start_mark.column)

    def _value(self, node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node]:
        return next((k, v) for k, v in node.value if k.value == key)

    def add_citation(self, kind: str, record_id: str, citation: dict[str, Any]) -> None:
        _, sources = self._value(self.nodes[(kind, record_id)], "sources")
        last = sources.value[-1]
        indent = self._dash(last)
        q = lambda value: json.dumps(str(value), ensure_ascii=False)  # noqa: E731
        if getattr(last, "flow_style", False):
            text = indent + "- {" + ", ".join(f"{k}: {q(v)}" for k, v in citation.items()) + "}\n"
        else:
            text = "".join(f"{indent}{'- ' if i == 0 else '  '}{k}: {q(v)}\n" for i, (k, v) in enumerate(citation.items()))
        self._insert(self._end(last), text)
        self._record(kind, record_id)["sources"].append(citation)

    def set_superseded_by(self, kind: str, record_id: str, successor: str) -> None:
        key, _ = self._value(self.nodes[(kind, record_id)], "sources")
        self._insert(key.start_mark.line, " " * key.start_mark.column + f"superseded_by: {successor}\n")
        self._record(kind, record_id)["superseded_by"] = successor

    def add_after(self, kind: str, record_id: str, record: dict[str, Any], text: str | None = None, note: str | None = None) -> None:
        node = self.nodes[(kind, record_id)]
        end = self._end(node)
        text = text or yaml.safe_dump([record], allow_unicode=True, sort_keys=False, width=120)
        if note:  # after the record's first line
            first, _, rest = text.partition("\n")
            text = f"{first}\n  # {MARKER}: {note}\n{rest}"
        indent = self._dash(node)
        separate = end < len(self.lines) and not self.lines[end].strip()
        self._insert(end, ("\n" if separate else "") + "".join(indent + line if line.strip() else line for line in text.splitlines(keepends=True)))
        records = self.expected[kind]
        records.insert(records.index(self._record(kind, record_id)) + 1, record)

    def result(self) -> str:
        """The new text; raises when it would not hold exactly the planned records."""
        lines = list(self.lines)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        for index, _, text in sorted(self.insertions, reverse=True):
            lines.insert(index, text)
        text = "".join(lines)
        try:
            same = yaml.safe_load(text) == self.expected
        except yaml.YAMLError:
            same = False
        if not same:
            raise KnowledgeError("K078", f"kan {self.path.name} niet veilig aanvullen; voeg de wijziging met de hand toe")
        return text
