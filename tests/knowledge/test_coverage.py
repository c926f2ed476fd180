"""Coverage: every section of a core document is cited by a record or has a written reason."""
from __future__ import annotations

from bot import settings
from bot.knowledge import load_knowledge
from bot.knowledge.coverage import format_coverage, section_coverage, uncovered_sections
from tests.conftest import edit_yaml, record


def test_coverage_lists_records_per_section():
    rows = {(r.document, r.section): r for r in section_coverage(load_knowledge(settings.knowledge_dir()))}
    assert "lp-bvs-financieringsnummer" in rows[("lp", "3.4.1")].records
    assert "lp-wes-los" in rows[("lp", "3.3")].records


def test_a_section_without_records_or_reason_is_uncovered_and_a_reason_covers_it(knowledge_copy):
    def drop_reason(data):
        section = next(s for s in record(data, "documents", "proeftuinen")["sections"] if s["id"] == "6.3.4")
        del section["not_covered"]

    def give_reason(data):
        section = next(s for s in record(data, "documents", "proeftuinen")["sections"] if s["id"] == "6.3.4")
        section["not_covered"] = "vervolgonderzoek: geen vraag van een maatschappelijk werker"

    edit_yaml(knowledge_copy / "documents.yml", drop_reason)
    knowledge = load_knowledge(knowledge_copy)
    assert ("proeftuinen", "6.3.4") in {(r.document, r.section) for r in uncovered_sections(knowledge)}
    assert "GEEN RECORDS EN GEEN REDEN" in format_coverage(section_coverage(knowledge))

    edit_yaml(knowledge_copy / "documents.yml", give_reason)
    knowledge = load_knowledge(knowledge_copy)
    assert ("proeftuinen", "6.3.4") not in {(r.document, r.section) for r in uncovered_sections(knowledge)}
    assert "reden: vervolgonderzoek" in format_coverage(section_coverage(knowledge))


def test_coverage_every_section_has_records_or_a_reason():
    missing = uncovered_sections(load_knowledge(settings.knowledge_dir()))
    assert not missing, "add records or `not_covered` in documents.yml: " + ", ".join(
        f"{m.document} §{m.section}" for m in missing
    )
