"""What changed between two versions of a document, and what in the project that touches.

`python -m bot kb diff lp lp-v7` pairs the records of the older document version with those of
the newer one (see `bot.knowledge.history`):

- *changed*: an older record whose `superseded_by` names a record citing the newer version;
- *removed*: an older record with no successor that does not cite the newer version;
- *added*: a record citing the newer version that replaces nothing and did not cite the older one;
- *kept*: a record citing both versions (the editor added the new citation).

For changed, removed and added records it then lists the intents, training data, rules, test
stories, tests and question-set items that an editor has to look at, with file and line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from bot.errors import KnowledgeError
from bot.knowledge.history import cited_documents
from bot.knowledge.load import Knowledge
from bot.knowledge.schema import KINDS

#: Fields that say what a record states (not where it comes from or what replaces it).
_BOOKKEEPING = frozenset({"id", "sources", "superseded_by"})
#: The intent that answers a kind's records, when it is not a field of the record.
_KIND_INTENT = {"combinations": "combinatie_check"}


@dataclass
class RecordChange:
    kind: str
    status: str  # added | removed | changed | kept
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    fields: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.old and self.new and self.old["id"] != self.new["id"]:
            return f"{self.kind}/{self.old['id']} → {self.new['id']}"
        return f"{self.kind}/{(self.new or self.old)['id']}"

    @property
    def records(self) -> list[dict[str, Any]]:
        return [r for r in (self.old, self.new) if r]


@dataclass(frozen=True)
class Place:
    """A line in the project that an editor should look at for a change."""

    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


@dataclass
class VersionDiff:
    old: dict[str, Any]
    new: dict[str, Any]
    changes: list[RecordChange]
    places: list[Place] = field(default_factory=list)

    def of(self, status: str) -> list[RecordChange]:
        return [c for c in self.changes if c.status == status]


def diff_versions(knowledge: Knowledge, old_id: str, new_id: str, project: Path | None = None) -> VersionDiff:
    """The record changes from document `old_id` to `new_id` (which must supersede it, directly or
    through intermediate versions), and, with `project`, the places in it they touch."""
    documents = knowledge.by_id("documents")
    for document_id in (old_id, new_id):
        if document_id not in documents:
            raise KnowledgeError("K060", f"onbekend document '{document_id}' (geregistreerd: {', '.join(documents)})")
    chain, current = [], new_id
    while current and current != old_id and current not in chain:
        chain.append(current)
        current = documents.get(current, {}).get("supersedes")
    if current != old_id:
        raise KnowledgeError(
            "K061", f"'{new_id}' vervangt '{old_id}' niet; zet `supersedes: {old_id}` bij het nieuwe document in documents.yml"
        )
    changes: list[RecordChange] = []
    for kind_name, kind in KINDS.items():
        if kind.cited:
            changes += _kind_changes(kind_name, knowledge.records[kind_name], old_id, new_id)
    diff = VersionDiff(documents[old_id], documents[new_id], changes)
    if project is not None:
        diff.places = touched_places(project, diff)
    return diff


def _kind_changes(kind: str, records: list[dict[str, Any]], old_id: str, new_id: str) -> Iterator[RecordChange]:
    by_id = {r["id"]: r for r in records if isinstance(r.get("id"), str)}
    cites = {r["id"]: set(cited_documents(r)) for r in by_id.values()}
    replaced: set[str] = set()
    for record in by_id.values():
        documents = cites[record["id"]]
        if old_id not in documents:
            continue
        if new_id in documents:
            yield RecordChange(kind, "kept", old=record, new=record)
            continue
        successor = by_id.get(record.get("superseded_by") or "")
        # follow intermediate versions to the record that cites the newer document
        while successor and new_id not in cites[successor["id"]] and successor.get("superseded_by") in by_id:
            successor = by_id[successor["superseded_by"]]
        if successor and new_id in cites[successor["id"]]:
            replaced.add(successor["id"])
            fields = sorted(
                name for name in set(record) | set(successor)
                if name not in _BOOKKEEPING and record.get(name) != successor.get(name)
            )
            yield RecordChange(kind, "changed", old=record, new=successor, fields=fields)
        else:
            yield RecordChange(kind, "removed", old=record)
    for record in by_id.values():
        documents = cites[record["id"]]
        if new_id in documents and old_id not in documents and record["id"] not in replaced:
            yield RecordChange(kind, "added", new=record)


# --- what a change touches ------------------------------------------------------------------


def touched_places(project: Path, diff: VersionDiff) -> list[Place]:
    """The lines in `project` an editor looks at for the changed, added and removed records, in file order."""
    return sorted(set(_places(project, diff)), key=lambda p: (p.path, p.line))


def _places(project: Path, diff: VersionDiff) -> Iterator[Place]:
    touched = [c for c in diff.changes if c.status != "kept"]
    intents = {_intent(c.kind, r) for c in touched for r in c.records} - {None}
    record_ids = {r["id"] for c in touched for r in c.records}
    sections = {
        (s["document"], str(s["section"]))
        for c in touched for r in c.records for s in r.get("sources") or []
        if s.get("document") in (diff.old["id"], diff.new["id"])
    }
    # facts an earlier answer stated that its replacement no longer states
    dropped_facts = {
        token
        for c in touched if c.old
        for token in _fact_words(_stated(c.old)) - _fact_words(_stated(c.new) if c.new else "")
    }
    intent_line = re.compile(r"\b(" + "|".join(map(re.escape, sorted(intents))) + r")\b") if intents else None
    id_line = re.compile(r"\b(" + "|".join(map(re.escape, sorted(record_ids))) + r")\b") if record_ids else None
    for path in _project_files(project):
        relative = path.relative_to(project).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        if relative == "tests/quality/questions.yml":
            yield from _question_places(relative, lines, diff, sections, dropped_facts)
            continue
        for number, line in enumerate(lines, start=1):
            for pattern, what in ((intent_line, "intent"), (id_line, "record")):
                match = pattern.search(line) if pattern else None
                if match:
                    yield Place(relative, number, f"{what} {match.group(1)}")


def _project_files(project: Path) -> list[Path]:
    candidates = [project / "domain.yml", project / "data", project / "tests"]
    files: list[Path] = []
    for candidate in candidates:
        if candidate.is_file():
            files.append(candidate)
        elif candidate.is_dir():
            files += sorted(
                p for p in candidate.rglob("*")
                if p.suffix in (".yml", ".yaml", ".py") and "fixtures" not in p.relative_to(project).parts
            )
    return files


def _question_places(
    relative: str, lines: list[str], diff: VersionDiff, sections: set[tuple[str, str]], dropped_facts: set[str]
) -> Iterator[Place]:
    """Question-set items about a touched section, or expecting a fact an old answer stated."""
    documents = {diff.old["id"], diff.new["id"]}
    for start, item in _question_items(lines):
        reasons = []
        document, section = item.get("document"), str(item.get("section") or "")
        if document in documents and any((d, section) in sections for d in documents):
            reasons.append(f"§{section}")
        expected = " ".join(item.get("expect_text", []))
        facts = sorted(f for f in dropped_facts if f in _fact_words(expected))
        if facts:
            reasons.append("verwacht " + ", ".join(facts) + ", dat het nieuwe antwoord niet meer noemt")
        if reasons:
            yield Place(relative, start, f"vraag {item.get('id')} ({'; '.join(reasons)})")


def _question_items(lines: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, {id, document, section, expect_text}) of each item, read line by line to keep line numbers."""
    item: dict[str, Any] | None = None
    start = 0
    for number, line in enumerate(lines, start=1):
        match = re.match(r"\s*- id:\s*(\S+)", line)
        if match:
            if item:
                yield start, item
            item, start = {"id": match.group(1).strip("'\""), "expect_text": []}, number
            continue
        if item is None:
            continue
        field_match = re.match(r"\s*(document|section|expect):\s*(.*)", line)
        if field_match:
            name, value = field_match.groups()
            if name == "expect":
                item["expect_text"].append(value)
            else:
                item[name] = value.strip().strip("'\"")
    if item:
        yield start, item


def _intent(kind: str, record: dict[str, Any]) -> str | None:
    return record.get("intent") or _KIND_INTENT.get(kind)


def _stated(record: dict[str, Any]) -> str:
    return " ".join(
        str(value) for name, value in record.items() if name not in _BOOKKEEPING and isinstance(value, (str, int))
    )


def _fact_words(text: str) -> set[str]:
    """Numbers and codes: the facts whose change breaks an expected answer."""
    return set(re.findall(r"\b\w*\d\w*\b", text))


# --- report ---------------------------------------------------------------------------------


_STATUS_WORDS = {"changed": "gewijzigd", "added": "toegevoegd", "removed": "verwijderd", "kept": "behouden"}


def format_diff(diff: VersionDiff) -> str:
    old, new = diff.old, diff.new
    lines = [f"{old['short_title']} versie {old['version']} → {new['short_title']} versie {new['version']}", ""]
    for status in ("changed", "added", "removed", "kept"):
        for change in diff.of(status):
            line = f"{_STATUS_WORDS[status]:<11} {change.label}"
            if status == "changed":
                line += f" ({', '.join(change.fields) or 'enkel bronvermelding'})"
            lines.append(line)
            for name in change.fields:
                lines.append(f"{'':<11}   - {name}: {_short(change.old.get(name))}")
                lines.append(f"{'':<11}   + {name}: {_short(change.new.get(name))}")
    counts = ", ".join(f"{len(diff.of(s))} {_STATUS_WORDS[s]}" for s in ("changed", "added", "removed", "kept"))
    lines += ["", f"Records: {counts}"]
    if diff.places:
        lines += ["", "Na te kijken (intents, trainingsdata, regels, verhalen, tests, vragenset):"]
        lines += [f"  {place}" for place in diff.places]
    return "\n".join(lines)


def _short(value: Any, limit: int = 100) -> str:
    text = " ".join(str(value).split()) if value is not None else "—"
    return text if len(text) <= limit else text[: limit - 1] + "…"
