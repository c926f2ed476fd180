"""Coverage: every section of a core document is cited by a record or has a written reason."""
from __future__ import annotations

from bot import settings
from bot.knowledge import load_knowledge
from bot.knowledge.coverage import format_coverage, section_coverage, uncovered_core_sections
from tests.conftest import edit_yaml, record


def test_coverage_lists_records_per_section():
    rows = {(r.document, r.section): r for r in section_coverage(load_knowledge(settings.knowledge_dir()))}
    assert "lp-bvs-financieringsnummer" in rows[("lp", "3.4.1")].records
    assert "lp-wes-los" in rows[("lp", "3.3")].records


def test_coverage_reason_counts_as_covered(knowledge_copy):
    def reason(data):
        section = next(s for s in record(data, "documents", "lp")["sections"] if s["id"] == "9")
        section["not_covered"] = "publiciteitsverplichtingen: geen vraag van een maatschappelijk werker"

    edit_yaml(knowledge_copy / "documents.yml", reason)
    knowledge = load_knowledge(knowledge_copy)
    assert ("lp", "9") not in {(r.document, r.section) for r in uncovered_core_sections(knowledge)}
    assert "reden: publiciteitsverplichtingen" in format_coverage(section_coverage(knowledge))
