"""Which records cite each section of each document, and why a section has none.

A section of a core document must be cited by a record or carry a written reason in
documents.yml (`not_covered: "…"`); background documents are covered where useful.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge.load import Knowledge
from bot.knowledge.schema import KINDS


@dataclass
class SectionCoverage:
    document: str
    weight: str
    section: str
    title: str
    records: list[str]
    reason: str | None

    @property
    def covered(self) -> bool:
        return bool(self.records) or bool(self.reason)


def section_coverage(knowledge: Knowledge) -> list[SectionCoverage]:
    """Every registered section, in document order, with the ids of the records citing it."""
    citing: dict[tuple[str, str], list[str]] = {}
    for kind_name, kind in KINDS.items():
        if not kind.cited:
            continue
        for record in knowledge.records[kind_name]:
            for citation in record.get("sources") or []:
                key = (citation.get("document"), str(citation.get("section")))
                if record["id"] not in citing.setdefault(key, []):
                    citing[key].append(record["id"])
    rows = []
    for document in knowledge.records["documents"]:
        for section in document.get("sections") or []:
            rows.append(
                SectionCoverage(
                    document=document["id"], weight=document.get("weight", ""), section=str(section["id"]),
                    title=section.get("title", ""), records=citing.get((document["id"], str(section["id"])), []),
                    reason=section.get("not_covered"),
                )
            )
    return rows


def uncovered_sections(knowledge: Knowledge) -> list[SectionCoverage]:
    """Sections with neither records nor a reason: what the coverage check fails on.

    Background documents count too: leaving out a section of an advice or a report is fine,
    leaving it out silently is not.
    """
    return [row for row in section_coverage(knowledge) if not row.covered]


def format_coverage(rows: list[SectionCoverage]) -> str:
    lines = []
    current = None
    for row in rows:
        if row.document != current:
            current = row.document
            lines.append(f"{row.document} ({row.weight})")
        if row.records:
            status = f"{len(row.records):2d}  {', '.join(row.records)}"
        elif row.reason:
            status = f" -  reden: {row.reason}"
        else:
            status = " !  GEEN RECORDS EN GEEN REDEN"
        lines.append(f"  §{row.section:<10} {status}")
    total = len(rows)
    covered = sum(1 for r in rows if r.records)
    reasoned = sum(1 for r in rows if not r.records and r.reason)
    lines.append(f"{covered}/{total} secties met records, {reasoned} met een reden, {total - covered - reasoned} zonder")
    return "\n".join(lines)
