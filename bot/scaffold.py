"""Scaffold a new topic: a cited knowledge-record stub plus the NLU, domain, rule, story and question skeletons.

`python -m bot scaffold lp-nieuw-onderwerp --intent lp_nieuw_onderwerp --document lp --section 3.4.2`
adds, to the files of a project:

- a topic record citing the section, its passage the first sentence(s) of that section, verbatim
  from the source text (so the passage check passes), in the knowledge file that already holds the
  topics of that document (closest section first);
- an intent block with commented placeholders in the NLU file of those topics;
- the intent under `intents:` in domain.yml, a one-turn rule, a test story and a question-set item.

Every file is changed by inserting text, never by dumping YAML, so comments and order stay. Whatever
the editor still has to write carries the marker `TODO`; `unfinished_stubs` finds those markers so
that the checks fail until they are filled in.

Error codes: G001–G009.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import click
import yaml

from bot import settings
from bot.errors import DraaiboekError
from bot.knowledge.load import Knowledge, load_knowledge
from bot.knowledge.sources import contains_passage, cut_sections, normalise, normalise_with_offsets, read_source

__all__ = [
    "Addition",
    "ScaffoldError",
    "ScaffoldResult",
    "Stub",
    "scaffold",
    "scaffold_topic",
    "section_passages",
    "unfinished_stubs",
]

MARKER = "TODO"
INTENT_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
TOPIC_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Intents Rasa defines itself; a topic cannot take them.
RASA_DEFAULT_INTENTS = frozenset({"nlu_fallback", "out_of_scope", "restart", "back", "session_start"})
#: Question kinds a topic answers (bot.quality.KINDS without out_of_scope and multi_turn).
TOPIC_KINDS = ("fact", "yes_no", "procedure", "eligibility", "comparison")
#: A passage should say something; shorter first sentences take the next one along.
PASSAGE_MIN_CHARS = 40
PASSAGE_MAX_CHARS = 450
#: An anchor this long that does not start the section title is the section's first words.
ANCHOR_IS_TEXT_CHARS = 40
ANSWER_STUB = f"{MARKER}: schrijf het antwoord voor de maatschappelijk werker (je-vorm), met enkel wat de passage zegt."
STATUS_NOTE_STUB = f"{MARKER}: zeg wat de bron is (een advies, een onderzoeksrapport) en wat dat vandaag betekent."
#: Files where scaffolded stubs live (relative to the project, glob patterns).
STUB_FILES = (
    "knowledge/*.yml",
    "data/**/*.yml",
    "domain.yml",
    "tests/test_stories.yml",
    "tests/quality/questions.yml",
)

_MARKER_RE = re.compile(rf"\b{MARKER}\b")
_QUESTION_ID = re.compile(r"^\s*- id: (\S+)", re.MULTILINE)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
#: Numbering before a heading's words: "3.4.2.", "2 |", "A.", "DEEL III".
_NUMBERING = re.compile(r"^(?:deel [ivxlc]+|[a-z]?\d*(?:\.\d+)*\.?)\s*\|?\s*")


class ScaffoldError(DraaiboekError):
    """The topic cannot be scaffolded; the message says why and what is registered instead."""


@dataclass(frozen=True)
class Addition:
    """Text added to one file: where (project-relative path, 1-based first line) and what."""

    path: Path
    line: int
    what: str
    text: str

    def __str__(self) -> str:
        return f"{self.path.as_posix()}:{self.line}: {self.what}"


@dataclass
class ScaffoldResult:
    """What `scaffold_topic` added (or would add, with `dry_run`); iterates as (path, what)."""

    topic_id: str
    intent: str
    document: str
    section: str
    question_id: str
    dry_run: bool
    additions: list[Addition] = field(default_factory=list)
    #: extra things the editor has to do, in Dutch
    notes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple[Path, str]]:
        return iter([(a.path, a.what) for a in self.additions])

    def __len__(self) -> int:
        return len(self.additions)

    def file(self, prefix: str) -> Addition:
        """The addition to the file whose path starts with `prefix` (e.g. "knowledge/")."""
        return next(a for a in self.additions if a.path.as_posix().startswith(prefix))


@dataclass(frozen=True)
class Stub:
    """A `TODO` marker still in a project file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


# --- the public API ---------------------------------------------------------------------------------


def scaffold_topic(
    project_dir: Path,
    *,
    topic_id: str,
    intent: str,
    document: str,
    section: str,
    title: str | None = None,
    dry_run: bool = False,
) -> ScaffoldResult:
    """Add the stubs of a new topic to the project; with `dry_run`, only say what would be added.

    Raises ScaffoldError (nothing written) when the document or section is not registered, the topic
    id or intent exists already, the intent is not snake_case, or a file cannot be extended safely.
    """
    root = Path(project_dir)
    section = str(section)
    knowledge = load_knowledge(root / "knowledge")
    doc = _registered_document(knowledge, document)
    registered = _registered_section(doc, section)
    _check_names(root, knowledge, topic_id, intent)
    if title is not None and not title.strip():
        raise ScaffoldError("G009", "de titel is leeg; laat --title weg om de sectietitel te gebruiken")
    title = (title or registered.get("title") or "").strip() or f"{MARKER}: titel"
    passages = section_passages(root / "knowledge" / "sources", doc)
    if section not in passages:
        raise ScaffoldError(
            "G007", f"de kop van §{section} ('{registered.get('anchor') or registered.get('title')}') staat niet in "
            f"knowledge/sources/{doc.get('file')}; los eerst `python -m bot kb validate` op",
        )
    passage = passages[section]

    edits = _Edits(root)
    result = ScaffoldResult(topic_id, intent, document, section, "", dry_run)
    related = _related_records(knowledge, document, section)

    knowledge_file = _knowledge_file(related, document)
    record = _topic_stub(topic_id, intent, title, doc, section, passage)
    line = edits.insert_item(
        knowledge_file, "topics", record,
        new_file=f"# {doc.get('title')}, versie {doc.get('version')}.\n\n",
        added=lambda item: isinstance(item, dict) and item.get("id") == topic_id,
    )
    what = f"topic {topic_id} met bronvermelding (§{section})"
    result.additions.append(Addition(knowledge_file, line, what, record))

    nlu_file = _nlu_file(root, related, intent, document)
    block = _nlu_stub(intent)
    line = edits.insert_item(
        nlu_file, "nlu", block, new_file='version: "3.1"\n\n',
        added=lambda item: isinstance(item, dict) and item.get("intent") == intent,
    )
    result.additions.append(Addition(nlu_file, line, f"intent {intent} met plaats voor voorbeelden", block))

    line = edits.insert_domain_intent(intent, knowledge, related)
    result.additions.append(Addition(Path("domain.yml"), line, f"intent {intent} onder intents", f"- {intent}\n"))

    rule = _rule_stub(intent)
    line = edits.insert_item(
        Path("data/rules.yml"), "rules", rule, new_file='version: "3.1"\n\n',
        added=lambda item: isinstance(item, dict) and _first_intent(item) == intent,
        after=lambda item_text: "action_answer" in item_text,
    )
    result.additions.append(Addition(Path("data/rules.yml"), line, f"regel {intent} -> action_answer", rule))

    flow = _follow_up_story(intent)
    line = edits.insert_item(
        FOLLOW_UP_STORIES, "stories", flow, new_file='version: "3.1"\n\n',
        added=lambda item: isinstance(item, dict) and _first_intent(item) == intent,
    )
    result.additions.append(Addition(FOLLOW_UP_STORIES, line, f"verhaal {intent} -> Meer uitleg", flow))

    story = _story_stub(intent)
    line = edits.insert_item(
        Path("tests/test_stories.yml"), "stories", story, new_file='version: "3.1"\n\n',
        added=lambda item: isinstance(item, dict) and any(
            isinstance(s, dict) and s.get("intent") == intent for s in item.get("steps") or []
        ),
    )
    result.additions.append(Addition(Path("tests/test_stories.yml"), line, f"testverhaal voor {intent}", story))

    result.question_id, question, line = edits.append_question(document, section)
    questions_file = Path("tests/quality/questions.yml")
    result.additions.append(Addition(questions_file, line, f"vraag {result.question_id}", question))

    if registered.get("not_covered"):
        result.notes.append(
            f"§{section} van {document} heeft in knowledge/documents.yml een not_covered-reden; "
            "haal die weg zodra het topic klaar is"
        )
    if not dry_run:
        edits.write()
    return result


def unfinished_stubs(project_dir: Path) -> list[Stub]:
    """Every `TODO` marker in the files scaffolding writes to, with file and line."""
    root = Path(project_dir)
    paths = sorted({p for pattern in STUB_FILES for p in root.glob(pattern) if p.is_file()})
    stubs = []
    for path in paths:
        relative = path.relative_to(root).as_posix()
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _MARKER_RE.search(text):
                shown = " ".join(text.split())
                shown = shown if len(shown) <= 100 else shown[:99] + "…"
                stubs.append(Stub(relative, number, f"nog in te vullen ({MARKER}): {shown}"))
    return stubs


def section_passages(sources_dir: Path, document: dict[str, Any]) -> dict[str, str]:
    """section id -> its first sentence(s), verbatim from the source text (whitespace collapsed).

    The heading is left out: the anchor, the rest of the title when the text goes on with it, or
    else the rest of the heading's line. An anchor that is running text rather than a heading
    (longer than a title and unlike it) starts the passage. Sections not found are left out.
    """
    text = read_source(sources_dir, document)
    if text is None:
        raise ScaffoldError("G007", f"brondocument niet gevonden: {Path(sources_dir) / str(document.get('file'))}")
    found, _ = cut_sections(document, text)
    raw_text, normalised, offsets = normalise_with_offsets(text)
    if normalised != normalise(text):  # cannot map back to the source: cite the normalised text instead
        return {located.id: _first_sentences(located.text) for located in found}
    registered = {str(s.get("id")): s for s in document.get("sections") or []}
    passages = {}
    for located in found:
        section = registered[located.id]
        anchor = normalise(section.get("anchor") or section.get("title") or "")
        heading_start = offsets[located.start]
        body_end = offsets[located.end - 1] + 1
        remainder = _title_remainder(anchor, normalise(section.get("title") or ""))
        if remainder is None and len(anchor) > ANCHOR_IS_TEXT_CHARS:
            body_start, skip_line = heading_start, False
        else:
            end = located.start + len(anchor)
            skipped = _skip_words(normalised, end, remainder) if remainder else None
            body_start = offsets[(skipped or end) - 1] + 1
            skip_line = remainder is None or (bool(remainder) and skipped is None)
        line_end = raw_text.find("\n", body_start, body_end)
        rest_of_line = raw_text[body_start:line_end].strip() if line_end >= 0 else ""
        if skip_line and line_end >= 0 and len(rest_of_line) <= 80 and not rest_of_line.endswith((".", "!", "?")):
            body_start = line_end
        heading = " ".join(raw_text[heading_start:body_start].split())
        body = " ".join(raw_text[body_start:body_end].split()).lstrip(":;,- ")
        passage = _first_sentences(body) if body else heading
        passages[located.id] = passage if contains_passage(located.text, passage) else heading
    return passages


# --- where the stubs go -----------------------------------------------------------------------------


def _registered_document(knowledge: Knowledge, document: str) -> dict[str, Any]:
    documents = knowledge.by_id("documents")
    if document not in documents:
        raise ScaffoldError(
            "G001", f"document '{document}' is niet geregistreerd in knowledge/documents.yml; "
            f"geregistreerd: {', '.join(documents) or '(geen)'}",
        )
    return documents[document]


def _registered_section(document: dict[str, Any], section: str) -> dict[str, Any]:
    sections = {str(s.get("id")): s for s in document.get("sections") or []}
    if section not in sections:
        raise ScaffoldError(
            "G002", f"sectie '{section}' is niet geregistreerd voor document {document['id']} in "
            f"knowledge/documents.yml; geregistreerde secties: {', '.join(sections) or '(geen)'}",
        )
    return sections[section]


def _check_names(root: Path, knowledge: Knowledge, topic_id: str, intent: str) -> None:
    if not TOPIC_ID_PATTERN.match(topic_id or ""):
        raise ScaffoldError(
            "G004", f"topic-id '{topic_id}' moet bestaan uit kleine letters, cijfers en koppeltekens "
            "(bv. lp-nieuw-onderwerp)",
        )
    if not INTENT_PATTERN.match(intent or ""):
        raise ScaffoldError(
            "G003", f"intent '{intent}' is geen snake_case: gebruik kleine letters, cijfers en _ "
            "(bv. lp_nieuw_onderwerp)",
        )
    if topic_id in knowledge.by_id("topics"):
        raise ScaffoldError(
            "G005", f"topic-id '{topic_id}' bestaat al in knowledge/{knowledge.file_of('topics', topic_id)}; "
            "kies een nieuwe id",
        )
    for topic in knowledge.records["topics"]:
        if topic.get("intent") == intent:
            raise ScaffoldError(
                "G006", f"intent '{intent}' bestaat al: topic {topic.get('id')} in "
                f"knowledge/{knowledge.file_of('topics', str(topic.get('id')))}; kies een nieuwe intent",
            )
    if intent in RASA_DEFAULT_INTENTS:
        raise ScaffoldError("G006", f"intent '{intent}' is een intent van Rasa zelf; kies een nieuwe intent")
    if intent in _domain_intents(root):
        raise ScaffoldError("G006", f"intent '{intent}' staat al in domain.yml; kies een nieuwe intent")
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        if intent in _nlu_intents(path.read_text(encoding="utf-8")):
            raise ScaffoldError(
                "G006", f"intent '{intent}' heeft al trainingsdata in data/nlu/{path.name}; kies een nieuwe intent",
            )


def _domain_intents(root: Path) -> set[str]:
    path = root / "domain.yml"
    if not path.is_file():
        return set()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {next(iter(i)) if isinstance(i, dict) else str(i) for i in data.get("intents") or []}


def _nlu_intents(text: str) -> list[str]:
    return re.findall(r"^\s*-\s+intent:\s*([\w-]+)", text, re.MULTILINE)


def _closeness(a: str, b: str) -> int:
    """How near two section ids are: equal beats any shared leading part ("3.4.1" ~ "3.4.2": 2)."""
    if a == b:
        return 1000
    shared = 0
    for x, y in zip(a.split("."), b.split(".")):
        if x != y:
            break
        shared += 1
    return shared


@dataclass(frozen=True)
class _Related:
    """A record citing the document: its kind, intent (topics), file and nearness to the section."""

    kind: str
    intent: str | None
    file: str
    closeness: int


def _related_records(knowledge: Knowledge, document: str, section: str) -> list[_Related]:
    """Every record citing `document`, with how near its nearest citation is to `section`."""
    related = []
    for kind, file, record in knowledge.all_records:
        sources = record.get("sources") if kind != "documents" else None
        sections = [
            str(c.get("section")) for c in sources if isinstance(c, dict) and c.get("document") == document
        ] if isinstance(sources, list) else []
        if sections:
            nearest = max(_closeness(section, s) for s in sections)
            related.append(_Related(kind, record.get("intent") if kind == "topics" else None, file, nearest))
    return related


def _best(groups: dict[Any, list[_Related]]) -> Any:
    """The key whose records are nearest to the section, then most numerous."""
    return max(groups, key=lambda k: (max(r.closeness for r in groups[k]), len(groups[k]))) if groups else None


def _knowledge_file(related: list[_Related], document: str) -> Path:
    # Topics first; a document without topics yet goes where its other cited records are.
    for kinds in ({"topics"}, None):
        groups: dict[str, list[_Related]] = {}
        for r in related:
            if (kinds is None or r.kind in kinds) and r.file != "glossary.yml":
                groups.setdefault(r.file, []).append(r)
        if groups:
            return Path("knowledge") / _best(groups)
    return Path("knowledge") / f"{document.replace('-', '_')}.yml"


def _nlu_file(root: Path, related: list[_Related], intent: str, document: str) -> Path:
    nlu_files = sorted((root / "data" / "nlu").glob("*.yml"))
    intents_of = {p.name: set(_nlu_intents(p.read_text(encoding="utf-8"))) for p in nlu_files}
    groups: dict[str, list[_Related]] = {}
    for r in related:
        for name, intents in intents_of.items():
            if r.intent and r.intent in intents:
                groups.setdefault(name, []).append(r)
    if groups:
        return Path("data/nlu") / _best(groups)
    prefix = intent.split("_")[0] + "_"
    by_prefix = {name: sum(i.startswith(prefix) for i in intents) for name, intents in intents_of.items()}
    name = max(by_prefix, key=by_prefix.get, default=None)
    if name and by_prefix[name]:
        return Path("data/nlu") / name
    return Path("data/nlu") / f"{document.replace('-', '_')}.yml"


def _first_intent(rule: dict[str, Any]) -> Any:
    steps = rule.get("steps") or []
    return steps[0].get("intent") if steps and isinstance(steps[0], dict) else None


# --- the stubs --------------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _topic_stub(topic_id: str, intent: str, title: str, document: dict[str, Any], section: str, passage: str) -> str:
    lines = [
        f"- id: {topic_id}",
        f"  intent: {intent}",
        f"  title: {_q(title)}",
        f"  # kind: {', '.join(TOPIC_KINDS)} (de soort vraag die dit topic beantwoordt)",
        "  kind: fact",
        f"  answer: {_q(ANSWER_STUB)}",
    ]
    if document.get("weight") == "background":
        lines.append(
            f"  status_note: {_q(STATUS_NOTE_STUB)}"
        )
    lines += [
        "  sources:",
        f"    # {MARKER}: kort de passage in tot de zin(nen) die het antwoord dragen, woordelijk uit §{section}.",
        f"    - document: {document['id']}",
        f"      version: {_q(str(document.get('version')))}",
        f"      section: {_q(section)}",
        f"      passage: {_q(passage)}",
    ]
    return "\n".join(lines) + "\n"


def _nlu_stub(intent: str) -> str:
    return (
        f"- intent: {intent}\n"
        f"  # {MARKER}: minstens 15 realistische voorbeelden, in de woorden van maatschappelijk werkers;\n"
        f"  # vervang de drie regels hieronder (elk voorbeeld begint met \"- \") en neem geen vragen over uit\n"
        f"  # tests/quality/questions.yml of tests/test_stories.yml.\n"
        f"  examples: |\n"
        f"    # - {MARKER}: eerste voorbeeldvraag\n"
        f"    # - {MARKER}: tweede voorbeeldvraag\n"
        f"    # - {MARKER}: derde voorbeeldvraag\n"
    )


def _rule_stub(intent: str) -> str:
    return f"- rule: {intent.replace('_', ' ')}\n  steps: [{{intent: {intent}}}, {{action: action_answer}}]\n"


#: Where the multi-turn flows live that a new topic takes part in (data/stories/).
FOLLOW_UP_STORIES = Path("data/stories/follow_ups.yml")


def _follow_up_story(intent: str) -> str:
    """The new topic's answer followed by "Meer uitleg": the flow every short answer offers."""
    return (
        f"- story: {intent.replace('_', ' ')}, then Meer uitleg\n"
        f"  steps:\n"
        f"  - intent: {intent}\n"
        f"  - action: action_answer\n"
        f"  - intent: meer_uitleg\n"
        f"  - action: action_answer\n"
    )


def _story_stub(intent: str) -> str:
    return (
        f"- story: {intent.replace('_', ' ')}\n"
        f"  steps:\n"
        f"  - user: |\n"
        f"      {MARKER}: een vraag zoals een maatschappelijk werker ze stelt (niet uit data/nlu/)\n"
        f"    intent: {intent}\n"
        f"  - action: action_answer\n"
    )


def _question_stub(question_id: str, document: str, section: str) -> str:
    return (
        f"- id: {question_id}\n"
        f"  # {MARKER}: een vraag in de woorden van een maatschappelijk werker (niet uit data/nlu/) en in expect\n"
        f"  # de feiten die het antwoord moet noemen\n"
        f"  kind: fact\n"
        f"  document: {document}\n"
        f"  question: {_q(MARKER)}\n"
        f"  expect: [{_q(MARKER)}]\n"
        f"  section: {_q(section)}\n"
    )


# --- text insertion ---------------------------------------------------------------------------------


def _first_sentences(body: str) -> str:
    """The first sentence(s) of `body`, at least PASSAGE_MIN_CHARS long, cut at a word near the maximum."""
    for match in _SENTENCE_END.finditer(body):
        if match.end() >= PASSAGE_MIN_CHARS:
            if match.end() <= PASSAGE_MAX_CHARS:
                return body[: match.end()]
            break
    if len(body) <= PASSAGE_MAX_CHARS:
        return body
    cut = body.rfind(" ", 0, PASSAGE_MAX_CHARS)
    return body[: cut if cut > PASSAGE_MIN_CHARS else PASSAGE_MAX_CHARS].rstrip(" ,;:")


def _title_remainder(anchor: str, title: str) -> str | None:
    """What of the (normalised) title follows the anchor; None when the anchor is not the title's start."""
    for candidate in (anchor, _NUMBERING.sub("", anchor)):
        if candidate and title.startswith(candidate):
            return title[len(candidate):].strip()
        if title and candidate.startswith(title):
            return ""
    return None


def _skip_words(text: str, start: int, words: str) -> int | None:
    """The end of `words` when `text` goes on with them at `start` (line-break hyphens allowed)."""
    i = start
    while text.startswith(" ", i):
        i += 1
    for ch in words:
        if text.startswith(ch, i):
            i += 1
        elif text.startswith("- " + ch, i):
            i += 3
        else:
            return None
    return i


def _indent(text: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(keepends=True))


#: YAML document markers.
_ENDS = ("---", "...")
_TOP_LEVEL_KEY = re.compile(r"^(?!-\s|-$|#)[^\s#][^:]*:")


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _item_end(lines: list[str], start: int, next_start: int, indent: str) -> int:
    """Where a list item's own lines end: blank lines and comments at its indent belong to the next."""
    end = next_start
    while end > start + 1 and (
        not lines[end - 1].strip()
        or (_is_comment(lines[end - 1]) and len(lines[end - 1]) - len(lines[end - 1].lstrip()) <= len(indent))
    ):
        end -= 1
    return end


class _Edits:
    """New texts of the project files, written together at the end (nothing on an error)."""

    def __init__(self, root: Path):
        self.root = root
        self.texts: dict[Path, str] = {}
        self.originals: dict[Path, str | None] = {}

    def text(self, relative: Path) -> str:
        """The current text of a file ("" when it does not exist yet)."""
        if relative not in self.texts:
            path = self.root / relative
            self.originals[relative] = path.read_bytes().decode("utf-8") if path.is_file() else None
            self.texts[relative] = self.originals[relative] or ""
        return self.texts[relative]

    def write(self) -> None:
        for relative, text in self.texts.items():
            if text != (self.originals.get(relative) or ""):
                path = self.root / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(text.encode("utf-8"))

    # A list under a top-level key: the key's line, the end of its content and its items' indent.
    def _block(self, lines: list[str], key: str) -> tuple[int, int, str] | None:
        start = next((i for i, line in enumerate(lines) if re.match(rf"^{re.escape(key)}:\s*(#.*)?$", line)), None)
        if start is None:
            if any(re.match(rf"^{re.escape(key)}:", line) for line in lines):
                raise ScaffoldError("G008", f"'{key}:' is geen lijst met '- '-items; voeg de stub met de hand toe")
            return None
        end = next(
            (i for i in range(start + 1, len(lines)) if _TOP_LEVEL_KEY.match(lines[i]) or lines[i].startswith(_ENDS)),
            len(lines),
        )
        # blank lines and top-level comments before the next key belong to that key
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        indent = next((m.group(1) for line in lines[start + 1:end] if (m := re.match(r"^(\s*)-(\s|$)", line))), None)
        return start, end, indent if indent is not None else "  "

    def insert_item(
        self,
        relative: Path,
        key: str,
        item: str,
        *,
        new_file: str,
        added: Callable[[Any], bool],
        after: Callable[[str], bool] | None = None,
    ) -> int:
        """Insert `item` (YAML text of one list item at indent 0) into the list under `key`; its first line."""
        original = self.text(relative)
        newline = "\r\n" if "\r\n" in original else "\n"
        text = original if not original or original.endswith(("\n", "\r")) else original + newline
        lines = text.splitlines(keepends=True)
        block = self._block(lines, key)
        if block is None:
            if text.strip():
                text += ("" if text.endswith(newline * 2) else newline) + f"{key}:{newline}"
            else:
                text = new_file.replace("\n", newline) + f"{key}:{newline}"
            lines = text.splitlines(keepends=True)
            insert_at, indent, separate = len(lines), "", False
        else:
            start, end, indent = block
            items = [i for i in range(start + 1, end) if re.match(rf"^{re.escape(indent)}-(\s|$)", lines[i])]
            separated = sum(1 for i in items[1:] if not lines[i - 1].strip())
            separate = bool(items) and separated * 2 > len(items) - 1 and len(items) > 1
            insert_at = end
            if after is not None:
                for n, i in reversed(list(enumerate(items))):
                    item_end = _item_end(lines, i, items[n + 1] if n + 1 < len(items) else end, indent)
                    if after("".join(lines[i:item_end])):
                        insert_at = item_end
                        break
        snippet = _indent(item, indent).replace("\n", newline)
        prefix = newline if separate else ""
        new_lines = lines[:insert_at] + ([prefix] if prefix else []) + [snippet] + lines[insert_at:]
        new_text = "".join(new_lines)
        first_line = insert_at + (1 if prefix else 0) + 1
        self._verify(relative, "".join(lines), new_text, key, added)
        self.texts[relative] = new_text
        return first_line

    def insert_domain_intent(self, intent: str, knowledge: Knowledge, related: list[_Related]) -> int:
        """Put the intent after the last topic intent with its prefix, else of its document, else of any topic."""
        relative = Path("domain.yml")
        original = self.text(relative)
        if not original.strip():
            raise ScaffoldError("G008", "domain.yml niet gevonden in de projectmap")
        newline = "\r\n" if "\r\n" in original else "\n"
        text = original if original.endswith(("\n", "\r")) else original + newline
        lines = text.splitlines(keepends=True)
        block = self._block(lines, "intents")
        if block is None:
            raise ScaffoldError("G008", "domain.yml heeft geen lijst 'intents:'; voeg de intent met de hand toe")
        start, end, indent = block
        items: list[tuple[int, str]] = []
        for i in range(start + 1, end):
            m = re.match(rf"^{re.escape(indent)}-\s+([\w-]+)", lines[i])
            if m:
                items.append((i, m.group(1)))
        # topics answered by action_answer (not the combination rules, whose topics share one intent)
        topic_intents = {t.get("intent") for t in knowledge.records["topics"]}
        answered = self._answered_intents()
        if answered:
            topic_intents &= answered
        document_intents = {r.intent for r in related if r.intent} & topic_intents
        prefix = intent.split("_")[0] + "_"
        candidates = (
            [i for i, name in items if name in topic_intents and name.startswith(prefix)],
            [i for i, name in items if name in document_intents],
            [i for i, name in items if name in topic_intents],
            [i for i, _ in items],
        )
        target = next((c[-1] for c in candidates if c), None)
        insert_at = target + 1 if target is not None else end
        new_text = "".join(lines[:insert_at] + [f"{indent}- {intent}{newline}"] + lines[insert_at:])
        self._verify(relative, original, new_text, "intents", lambda item: item == intent)
        self.texts[relative] = new_text
        return insert_at + 1

    def _answered_intents(self) -> set[str]:
        """Intents of the one-turn rules that run action_answer (empty when rules.yml says nothing)."""
        try:
            rules = (yaml.safe_load(self.text(Path("data/rules.yml"))) or {}).get("rules") or []
        except (yaml.YAMLError, AttributeError):
            return set()
        return {
            r["steps"][0].get("intent") for r in rules
            if isinstance(r, dict) and len(r.get("steps") or []) == 2
            and all(isinstance(step, dict) for step in r["steps"]) and r["steps"][1].get("action") == "action_answer"
        }

    def append_question(self, document: str, section: str) -> tuple[str, str, int]:
        """Append a question item; only the ids of the existing questions are looked at."""
        relative = Path("tests/quality/questions.yml")
        original = self.text(relative)
        newline = "\r\n" if "\r\n" in original else "\n"
        keys = [line.split(":")[0] for line in original.splitlines() if _TOP_LEVEL_KEY.match(line)]
        if keys and keys[-1] != "questions":
            raise ScaffoldError(
                "G008", f"kan {relative.as_posix()} niet veilig aanvullen: 'questions:' is niet het laatste blok; "
                "voeg de vraag met de hand toe",
            )
        ids = set(_QUESTION_ID.findall(original))
        n = 1
        while f"{document}-new-{n}" in ids:
            n += 1
        question_id = f"{document}-new-{n}"
        item = _question_stub(question_id, document, section)
        if not original.strip():
            text, indent, separate = "questions:" + newline, "  ", False
        else:
            text = original if original.endswith(("\n", "\r")) else original + newline
            indents = re.findall(r"^(\s*)- id: ", original, re.MULTILINE)
            indent = max(set(indents), key=indents.count) if indents else "  "
            separate = len(re.findall(r"\n\s*\n\s*- id: ", original)) * 2 > len(indents)
        head = newline if separate and not text.endswith(newline * 2) else ""
        first_line = len(text.splitlines()) + (1 if head else 0) + 1
        self.texts[relative] = text + head + _indent(item, indent).replace("\n", newline)
        return question_id, item, first_line

    def _verify(self, relative: Path, old: str, new: str, key: str, added: Callable[[Any], bool]) -> None:
        """The new text parses, and holds what the old one held plus exactly the one new item."""
        try:
            before = yaml.safe_load(old) if old.strip() else {}
            after = yaml.safe_load(new)
        except yaml.YAMLError as e:
            raise ScaffoldError("G008", f"kan {relative.as_posix()} niet veilig aanvullen: {e}") from e
        before, after = before or {}, after or {}
        if not isinstance(before, dict) or not isinstance(after, dict):
            raise ScaffoldError("G008", f"kan {relative.as_posix()} niet veilig aanvullen: verwacht sleutels bovenaan")
        new_items = [x for x in after.get(key) or [] if added(x)]
        kept = [x for x in after.get(key) or [] if not added(x)]
        others_same = {k: v for k, v in after.items() if k != key} == {k: v for k, v in before.items() if k != key}
        if len(new_items) != 1 or kept != (before.get(key) or []) or not others_same:
            raise ScaffoldError(
                "G008", f"kan {relative.as_posix()} niet veilig aanvullen onder '{key}:'; voeg de stub met de hand toe",
            )


# --- the command ------------------------------------------------------------------------------------


@click.command("scaffold")
@click.argument("topic_id")
@click.option("--intent", required=True, help="Nieuwe intent in snake_case, bv. lp_nieuw_onderwerp.")
@click.option("--document", required=True, help="Id van het document in knowledge/documents.yml, bv. lp.")
@click.option("--section", required=True, help="Id van de sectie in dat document, bv. 3.4.2.")
@click.option("--title", default=None, help="Titel van het topic (standaard: de titel van de sectie).")
@click.option("--dry-run", is_flag=True, help="Toon wat er zou bijkomen, zonder iets te schrijven.")
@click.option(
    "--project", type=click.Path(file_okay=False, path_type=Path), default=settings.PROJECT_DIR,
    show_default=True, help="Projectmap waarin de bestanden aangevuld worden.",
)
def scaffold(
    topic_id: str, intent: str, document: str, section: str, title: str | None, dry_run: bool, project: Path
) -> None:
    """Maak een nieuw topic TOPIC_ID aan: een kennisrecord met bronvermelding, een intent met plaats
    voor voorbeelden, een regel, een testverhaal en een testvraag, alles gemarkeerd met TODO.

    Example:

    \b
        python -m bot scaffold lp-nieuw-onderwerp --intent lp_nieuw_onderwerp --document lp --section 3.4.2
    """
    try:
        result = scaffold_topic(
            project, topic_id=topic_id, intent=intent, document=document, section=section, title=title, dry_run=dry_run,
        )
    except DraaiboekError as e:
        raise click.ClickException(str(e)) from e
    if dry_run:
        click.echo(f"Proefdraai: er is niets geschreven. Voor topic {topic_id} zou dit bijkomen:")
        for addition in result.additions:
            click.echo(f"\n{addition}")
            click.echo(_indent(addition.text, "    ").rstrip("\n"))
        return
    click.echo(f"Toegevoegd voor topic {topic_id} (intent {intent}):")
    for addition in result.additions:
        click.echo(f"  {addition}")
    knowledge_file = result.file("knowledge/").path.as_posix()
    nlu_file = result.file("data/nlu/").path.as_posix()
    steps = [
        f"Schrijf in {knowledge_file} het antwoord (answer) en kort de passage in tot de zin(nen) die het "
        f"antwoord dragen, woordelijk uit §{section}.",
        f"Schrijf in {nlu_file} minstens 15 realistische voorbeelden voor {intent}, in de woorden van "
        "maatschappelijk werkers.",
        "Vul in tests/test_stories.yml een echte vraag in, en in tests/quality/questions.yml de vraag "
        f"{result.question_id} met de feiten die het antwoord moet noemen.",
        *result.notes,
        "Haal elke TODO weg en voer `python -m bot check` uit tot er geen meldingen meer zijn.",
        "`make train` om het model opnieuw te trainen.",
        "`make test` om alle tests te draaien.",
    ]
    click.echo("\nVolgende stappen:")
    for number, step in enumerate(steps, start=1):
        click.echo(f"  {number}. {step}")
