"""Read the YAML knowledge files into plain records, remembering where each came from."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError
from bot.knowledge.schema import KINDS


@dataclass
class Knowledge:
    """All records by kind; `origin[(kind, id)]` is the file a record came from."""

    directory: Path
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in KINDS})
    origin: dict[tuple[str, str], str] = field(default_factory=dict)
    #: records in file order, with their file, including duplicates (for validation)
    all_records: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    #: (file, record id) -> line of the record in its file, so that messages can say where to look
    lines: dict[tuple[str, str], int] = field(default_factory=dict)

    def by_id(self, kind: str) -> dict[str, dict[str, Any]]:
        return {r["id"]: r for r in self.records[kind] if isinstance(r.get("id"), str)}

    def file_of(self, kind: str, record_id: str) -> str:
        return self.origin.get((kind, record_id), "?")


def knowledge_files(directory: Path) -> list[Path]:
    """The knowledge YAML files, in a stable order (sources/ holds the documents, not records)."""
    return sorted(p for p in Path(directory).glob("*.yml") if p.is_file())


def load_knowledge(directory: str | Path) -> Knowledge:
    """Load every `*.yml` in `directory`; top-level keys are record kinds (see schema.KINDS).

    Raises KnowledgeError on unreadable YAML or an unknown kind.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise KnowledgeError("K001", f"kennismap niet gevonden: {directory}")
    knowledge = Knowledge(directory=directory)
    for path in knowledge_files(directory):
        rel = path.name
        try:
            text = path.read_text(encoding="utf-8")
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            raise KnowledgeError("K002", f"{rel}: geen geldige YAML: {e}") from e
        knowledge.lines.update({(rel, record_id): line for record_id, line in _record_lines(text)})
        if not isinstance(data, dict):
            raise KnowledgeError("K003", f"{rel}: verwacht sleutels per soort record ({', '.join(KINDS)})")
        for kind, records in data.items():
            if kind not in KINDS:
                raise KnowledgeError("K004", f"{rel}: onbekende soort '{kind}' (bekend: {', '.join(KINDS)})")
            if not isinstance(records, list):
                raise KnowledgeError("K005", f"{rel}: '{kind}' moet een lijst van records zijn")
            for record in records:
                if not isinstance(record, dict):
                    raise KnowledgeError("K006", f"{rel}: elk record onder '{kind}' moet een mapping zijn")
                knowledge.all_records.append((kind, rel, record))
                knowledge.records[kind].append(record)
                if isinstance(record.get("id"), str):
                    knowledge.origin.setdefault((kind, record["id"]), rel)
    return knowledge


def _record_lines(text: str) -> list[tuple[str, int]]:
    """(id, 1-based line) of every record in a knowledge file, from YAML's node marks."""
    root = yaml.compose(text)
    found: list[tuple[str, int]] = []
    if not isinstance(root, yaml.MappingNode):
        return found
    for _, records in root.value:
        for node in records.value if isinstance(records, yaml.SequenceNode) else []:
            if not isinstance(node, yaml.MappingNode):
                continue
            for key, value in node.value:
                if key.value == "id" and isinstance(value, yaml.ScalarNode):
                    found.append((value.value, node.start_mark.line + 1))
    return found
