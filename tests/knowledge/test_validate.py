"""Validation: the real knowledge is valid, and each rule fails with file, record and field named."""
from __future__ import annotations

import re

import pytest

from bot import settings
from bot.errors import ValidationFailed
from bot.knowledge import load_knowledge, validate, validate_or_raise
from tests.conftest import edit_yaml, record

SOURCES = settings.sources_dir()


def problems_for(knowledge_dir):
    """The messages without the line numbers (rewriting a file in a test moves its lines)."""
    return [re.sub(r":\d+#", "#", str(p)) for p in validate(load_knowledge(knowledge_dir), SOURCES)]


def test_validate_names_the_line_of_the_record(knowledge_copy):
    path = knowledge_copy / "lp_combinatietrajecten.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("passage: ", "passage: x", 1), encoding="utf-8")  # same lines, one broken passage
    [problem] = validate(load_knowledge(knowledge_copy), SOURCES)
    line = text.splitlines()[problem.line - 1]
    assert line.strip() == f"- id: {problem.record_id}" and str(problem).startswith(f"[K024] lp_combinatietrajecten.yml:{problem.line}#")


def test_validate_real_knowledge_is_valid():
    assert problems_for(settings.knowledge_dir()) == []


def _drop_sources(data):
    del record(data, "topics", "lp-bvs-wat")["sources"]


def _unknown_document(data):
    record(data, "topics", "lp-bvs-wat")["sources"][0]["document"] = "glow-2019"


def _unknown_section(data):
    record(data, "topics", "lp-bvs-wat")["sources"][0]["section"] = "3.9"


def _unknown_version(data):
    record(data, "topics", "lp-bvs-wat")["sources"][0]["version"] = "5"


def _passage_elsewhere(data):
    # a real sentence of the draaiboek, but from §3.3, cited as §3.4.1
    record(data, "topics", "lp-bvs-wat")["sources"][0]["passage"] = "Opgelet: deze lijst is niet limitatief en kan nog wijzigen."


def _dangling_reference(data):
    record(data, "topics", "lp-bvs-wat")["related"] = ["lp-bvs-bestaat-niet"]


def _dangling_glossary_reference(data):
    record(data, "combinations", "lp-bvs")["b"] = "snuffelstage"


def _duplicate_id(data):
    data["topics"].append(dict(record(data, "topics", "lp-bvs-wat")))


def _empty_answer(data):
    record(data, "topics", "lp-bvs-wat")["answer"] = "   "


def _invented_number(data):
    record(data, "topics", "lp-bvs-wat")["answer"] += "\nDe stage duurt maximaal 38 uur per week."


def _invented_code(data):
    record(data, "topics", "lp-bvs-financieringsnummer")["answer"] = "Gebruik C03S351."


def _unknown_field(data):
    record(data, "topics", "lp-bvs-wat")["antwoord"] = "typfout in de veldnaam"


@pytest.mark.parametrize(
    "change, expected",
    [
        (_drop_sources, "[K020] lp_combinatietrajecten.yml#lp-bvs-wat.sources: bronvermelding ontbreekt"),
        (_unknown_document, "[K021] lp_combinatietrajecten.yml#lp-bvs-wat.sources[0].document: onbekend document 'glow-2019'"),
        (_unknown_section, "[K023] lp_combinatietrajecten.yml#lp-bvs-wat.sources[0].section: onbekende sectie '3.9' in document lp"),
        (_unknown_version, "[K022] lp_combinatietrajecten.yml#lp-bvs-wat.sources[0].version: versie '5' van lp is niet geregistreerd"),
        (_passage_elsewhere, "[K024] lp_combinatietrajecten.yml#lp-bvs-wat.sources[0].passage: passage niet gevonden in §3.4.1"),
        (_dangling_reference, "[K030] lp_combinatietrajecten.yml#lp-bvs-wat.related: verwijst naar onbekend(e) topics 'lp-bvs-bestaat-niet'"),
        (_dangling_glossary_reference, "[K030] lp_combinatietrajecten.yml#lp-bvs.b: verwijst naar onbekend(e) glossary 'snuffelstage'"),
        (_duplicate_id, "[K011] lp_combinatietrajecten.yml#lp-bvs-wat.id: dubbele id"),
        (_empty_answer, "[K014] lp_combinatietrajecten.yml#lp-bvs-wat.answer: lege Nederlandse tekst"),
        (_invented_number, "[K050] lp_combinatietrajecten.yml#lp-bvs-wat.answer: '38' staat niet in de geciteerde secties"),
        (_invented_code, "[K050] lp_combinatietrajecten.yml#lp-bvs-financieringsnummer.answer: 'c03s351' staat niet in de geciteerde secties"),
        (_unknown_field, "[K013] lp_combinatietrajecten.yml#lp-bvs-wat.antwoord: onbekend veld"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else "",
)
def test_validate_reports_problem_with_location(knowledge_copy, change, expected):
    edit_yaml(knowledge_copy / "lp_combinatietrajecten.yml", change)
    problems = problems_for(knowledge_copy)
    assert any(p.startswith(expected) for p in problems), problems


def test_validate_unknown_section_anchor_in_document(knowledge_copy):
    def add_section(data):
        record(data, "documents", "lp")["sections"].append({"id": "10", "title": "Een hoofdstuk dat niet bestaat"})

    edit_yaml(knowledge_copy / "documents.yml", add_section)
    assert any(p.startswith("[K041] documents.yml#lp.sections: kop 'Een hoofdstuk dat niet bestaat' niet gevonden") for p in problems_for(knowledge_copy))


def test_validate_or_raise_lists_every_problem(knowledge_copy):
    edit_yaml(knowledge_copy / "lp_combinatietrajecten.yml", lambda d: (_empty_answer(d), _unknown_section(d)))
    with pytest.raises(ValidationFailed) as excinfo:
        validate_or_raise(load_knowledge(knowledge_copy), SOURCES)
    assert len(excinfo.value.problems) == 2
    assert "K014" in str(excinfo.value) and "K023" in str(excinfo.value)


def test_validate_grounding_accepts_numbers_from_the_cited_section(knowledge_copy):
    # "5 kalenderdagen" and "30 kalenderdagen" stand in §3.4.1, which lp-bvs-wat cites
    edit_yaml(knowledge_copy / "lp_combinatietrajecten.yml", lambda d: record(d, "topics", "lp-bvs-wat").update(answer="Fase 1: 5 dagen, alles samen 30."))
    assert problems_for(knowledge_copy) == []


def test_validate_background_topic_without_status_note(knowledge_copy):
    def drop_status(data):
        del record(data, "topics", "proeftuin-wat")["status_note"]

    edit_yaml(knowledge_copy / "proeftuinen.yml", drop_status)
    problems = problems_for(knowledge_copy)
    assert any(p.startswith("[K051] proeftuinen.yml#proeftuin-wat.status_note") for p in problems), problems


def test_validate_a_ruling_says_only_what_its_passage_holds_and_names_a_real_topic(knowledge_copy):
    def break_ruling(data):
        ruling = record(data, "rulings", "glow-regel-sociale-rechten")
        ruling.update(says="Na 12 maanden bouwt de klant wel sociale rechten op.", topic="glow-bestaat-niet", verdict="misschien")

    edit_yaml(knowledge_copy / "glow.yml", break_ruling)
    problems = problems_for(knowledge_copy)
    where = "glow.yml#glow-regel-sociale-rechten"
    assert any(p.startswith(f"[K050] {where}.says: '12' staat niet in de geciteerde secties") for p in problems), problems
    assert any(p.startswith(f"[K030] {where}.topic: verwijst naar onbekend(e) topics") for p in problems), problems
    assert any(p.startswith(f"[K015] {where}.verdict: 'misschien' is geen van") for p in problems), problems
