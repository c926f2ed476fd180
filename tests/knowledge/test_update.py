"""`python -m bot kb update`: a new draaiboek version drafts its own knowledge change.

Run on "Draaiboek Lokale Partnerschappen versie 7" (tests/fixtures/lp-v7/): versie 6's real text with
the edits of a revision, and the classification every record must get (expected.yml).
"""
from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot import answers, settings
from bot.cli import cli
from bot.knowledge import KnowledgeBase, build_db, load_knowledge
from bot.knowledge.update import find_sections, plan_update
from bot.knowledge.validate import stated_texts, validate
from tests.conftest import edit_yaml

FIXTURE = Path(__file__).parent.parent / "fixtures" / "lp-v7"
TEXT = FIXTURE / "lp-v7.txt"
EXPECTED = yaml.safe_load((FIXTURE / "expected.yml").read_text(encoding="utf-8"))
UPDATE = ["kb", "update", "lp", "--text", str(TEXT), "--version", "7", "--date", "maart 2026"]
#: What the project's checks and the assistant read; the rest (virtualenv, models, builds) is not copied.
NOT_COPIED = shutil.ignore_patterns(".venv", ".git", "build", "models", "results", "__pycache__", "*.db", ".pytest_cache")


@pytest.fixture(scope="module")
def update():
    knowledge = load_knowledge(settings.knowledge_dir())
    return plan_update(
        knowledge, settings.sources_dir(), "lp", TEXT.read_text(encoding="utf-8"), version="7", date="maart 2026",
        project=settings.PROJECT_DIR,
    )


def key(plan) -> str:
    return f"{plan.kind}/{plan.id}"


def todo_marks(plan) -> list[str]:
    # a ruling's verdict is marked with its reworded rule
    texts = [str(plan.draft.get("verdict", ""))] + [text for _, text in stated_texts(plan.kind, plan.draft)]
    return [m for text in texts for m in re.findall(r"\[TODO: [^\]]*\]", text)]


# --- the classification ---------------------------------------------------------------------------


def test_every_record_citing_versie_6_gets_the_intended_classification(update):
    got = {key(p): p.status for p in update.records}
    intended = {k: "changed" for k in EXPECTED["changed"]} | {k: "removed" for k in EXPECTED["removed"]}
    wrong = {k: (status, intended.get(k, "kept")) for k, status in got.items() if status != intended.get(k, "kept")}
    assert not wrong, f"record: (gekregen, bedoeld): {wrong}"
    assert set(intended) <= set(got)
    # every unchanged passage is settled without the editor: all of them
    kept = update.of("kept")
    assert len(kept) == len(got) - len(intended) and len(kept) > 100
    assert all(m.status == "unchanged" for p in kept for m in p.matches)


def test_sections_are_found_by_their_headings_also_renumbered_and_new(update):
    renumbered = {s.old: s.id for s in update.sections if s.old and s.old != s.id}
    new = {s.id: s.title for s in update.sections if s.old is None}
    assert renumbered == EXPECTED["sections"]["renumbered"]
    assert new == EXPECTED["sections"]["new"]
    registered = [str(s["id"]) for s in update.old["sections"]]
    assert [s.old for s in update.sections if s.old] == registered  # every section of versie 6, in order
    # the not_covered reasons go along with their section
    assert next(s for s in update.new["sections"] if s["id"] == "1.3")["not_covered"]


def test_headings_renumbered_new_and_unregistered():
    old = {"id": "doc", "sections": [
        {"id": "1", "title": "Inleiding", "anchor": "1. Inleiding"},
        {"id": "2", "title": "Contact", "anchor": "2. Contact"},
        {"id": "bijlage-1", "title": "Bijlage", "anchor": "BIJLAGE 1: FORMULIEREN"},
    ]}
    old_text = "1. Inleiding\nTekst.\n2. Contact\nMail ons.\n3. CONTACTPERSONEN\nLijst.\nBIJLAGE 1: FORMULIEREN\nA.\n"
    text = ("1. Inleiding\nTekst.\n2. Nieuw deel\nNieuw.\n3. Contact\nMail ons.\n4. CONTACTPERSONEN\nLijst.\n"
            "4.1. Contactpersonen bij de gemeente\nBel.\nBIJLAGE 2: FORMULIEREN\nA.\n")
    found = [(s.id, s.old, s.title) for s in find_sections(old, old_text, text)]
    assert found == [
        ("1", "1", "Inleiding"), ("2", None, "Nieuw deel"), ("3", "2", "Contact"),
        ("4.1", None, "Contactpersonen bij de gemeente"), ("bijlage-1", "bijlage-1", "Bijlage"),
    ]


def test_unchanged_passages_are_cited_in_the_section_where_they_now_stand(update):
    moved = {
        key(p): sorted({f"§{m.old_section} → §{m.section}" for m in p.matches if m.section != m.old_section})
        for p in update.of("kept")
    }
    assert {k: v for k, v in moved.items() if v} == EXPECTED["moved"]
    sections = {s.id for s in update.sections}
    assert all(m.section in sections and m.passage == m.old_passage for p in update.of("kept") for m in p.matches)


def test_changed_records_get_a_draft_citing_the_new_passage_with_todo_where_a_fact_or_rule_changed(update):
    for plan in update.of("changed"):
        assert plan.draft["id"] == f"{plan.id}-v7"
        assert todo_marks(plan) == EXPECTED["changed"][key(plan)], key(plan)
        new_citations = [c for c in plan.draft["sources"] if c["document"] == "lp-v7"]
        assert new_citations and all(c["version"] == "7" for c in new_citations)
        assert not any(c["document"] == "lp" for c in plan.draft["sources"])
    draft = next(p.draft for p in update.of("changed") if p.id == "lp-bvs-financieringsnummer")
    assert "C03S355" in draft["sources"][0]["passage"] and "C03S350" not in draft["sources"][0]["passage"]
    # a new contact record replaces the old one in the new document and in the drafts naming it
    assert "lp-draaiboek-vragen-v7" in update.new["contacts"]
    assert "lp-draaiboek-vragen-v7" in next(p.draft for p in update.of("changed") if p.id == "lp-contactpersonen")["contacts"]


def test_the_same_text_again_keeps_every_record_and_finds_every_section():
    knowledge = load_knowledge(settings.knowledge_dir())
    documents = knowledge.by_id("documents")
    same = plan_update(
        knowledge, settings.sources_dir(), "lp", (settings.sources_dir() / documents["lp"]["file"]).read_text(encoding="utf-8"),
        version="6b", date="oktober 2025",
    )
    assert {p.status for p in same.records} == {"kept"} and len(same.records) > 100
    assert [s.old for s in same.sections] == [s.id for s in same.sections] == [str(s["id"]) for s in documents["lp"]["sections"]]
    assert not same.uncovered


def test_sections_without_records_come_with_a_scaffold_command(update):
    [(section, command)] = update.uncovered
    assert section.id == "3.4.2"
    assert command.startswith("python -m bot scaffold lp-") and command.endswith("--document lp-v7 --section 3.4.2")


# --- the command --------------------------------------------------------------------------------------


def project_copy(target: Path) -> Path:
    shutil.copytree(settings.PROJECT_DIR, target, ignore=NOT_COPIED)
    return target


def run_update(root: Path, *extra: str):
    knowledge = root / "knowledge"
    return CliRunner().invoke(
        cli, UPDATE + ["--knowledge-dir", str(knowledge), "--sources-dir", str(knowledge / "sources"), "--project", str(root), *extra]
    )


def test_without_write_nothing_is_written_and_the_plan_reads_like_kb_diff(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(settings.knowledge_dir(), root / "knowledge")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    result = run_update(root)
    assert result.exit_code == 0, result.output
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    output = result.output
    assert output.startswith("Draaiboek Lokale Partnerschappen versie 6 → versie 7 (lp → lp-v7, maart 2026")
    assert re.search(r"^gewijzigd   knowledge/lp_combinatietrajecten\.yml:\d+: topics/lp-bvs-financieringsnummer → "
                     r"lp-bvs-financieringsnummer-v7$", output, re.M)
    assert "nl. [-C03S350-] - OCMW" in output and "nl. {+C03S355+} - OCMW" in output
    assert re.search(r"^verwijderd  knowledge/lp\.yml:\d+: eligibility/lp-doelgroep-langdurig-ziek-met-contract", output, re.M)
    assert "python -m bot scaffold lp-" in output
    assert "Records: 207 behouden, 12 gewijzigd, 2 verwijderd; secties zonder records: 1" in output
    assert output.rstrip().endswith("Voeg --write toe om dit ontwerp te schrijven.")


def test_write_adds_only_the_new_version_and_the_drafts(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(settings.knowledge_dir(), root / "knowledge")
    before = {p.name: p.read_text(encoding="utf-8") for p in (root / "knowledge").glob("*.yml")}
    result = run_update(root, "--write")
    assert result.exit_code == 0, result.output
    assert (root / "knowledge" / "sources" / "lp-v7.txt").read_text(encoding="utf-8") == TEXT.read_text(encoding="utf-8")
    for name, text in before.items():  # only insertions: every line that was there stays, in order
        after = (root / "knowledge" / name).read_text(encoding="utf-8").splitlines()
        lines = iter(after)
        assert all(any(line == a for a in lines) for line in text.splitlines()), name
    knowledge = load_knowledge(root / "knowledge")
    problems = validate(knowledge, root / "knowledge" / "sources")
    # what is left are the TODOs: the facts that changed are not in the new sections
    assert {(p.code, p.record_id) for p in problems} == {
        ("K050", "lp-contactpersonen-v7"), ("K050", "lp-draaiboek-vragen-v7"),
        ("K050", "instrument-bvs-v7"), ("K050", "lp-bvs-financieringsnummer-v7"),
        ("K050", "lp-bvs-financieringsnummer-twe-buiten-twe-v7"),
        # a ruling whose rule is reworded: its verdict waits for the editor too
        ("K015", "lp-attest-niet-rechtstreeks-bemiddelaar-v7"), ("K015", "lp-logos-verplicht-v7"),
    }
    # the report names the new records where they now stand
    line = knowledge.lines[("lp_combinatietrajecten.yml", "lp-bvs-financieringsnummer-v7")]
    assert f"knowledge/lp_combinatietrajecten.yml:{line}: topics/lp-bvs-financieringsnummer → " in result.output
    assert run_update(root).exit_code != 0  # lp is superseded now: a second run says so


def test_a_concept_cites_its_new_passage_and_a_record_without_answer_text_gets_a_todo_comment(tmp_path):
    """Two more edits on top of versie 7: a reworded glossary passage, and a role that may now act."""
    text = TEXT.read_text(encoding="utf-8")
    text = text.replace("De registratie is verschillend binnen", "De registratie verschilt binnen")
    text = text.replace("hierin geen rol opnemen.", "hierin voortaan wel een rol opnemen.")
    (tmp_path / "lp-v7b.txt").write_text(text, encoding="utf-8")
    root = tmp_path / "project"
    shutil.copytree(settings.knowledge_dir(), root / "knowledge")
    knowledge = root / "knowledge"
    result = CliRunner().invoke(cli, [
        "kb", "update", "lp", "--text", str(tmp_path / "lp-v7b.txt"), "--version", "7", "--date", "maart 2026", "--write",
        "--knowledge-dir", str(knowledge), "--sources-dir", str(knowledge / "sources"), "--project", str(root),
    ])
    assert result.exit_code == 0, result.output
    assert re.search(r"^herciteerd  knowledge/glossary\.yml:\d+: glossary/binnen-twe ", result.output, re.M)
    glossary = {r["id"]: r for r in yaml.safe_load((knowledge / "glossary.yml").read_text(encoding="utf-8"))["glossary"]}
    assert "binnen-twe-v7" not in glossary  # one concept, citing the new passage
    assert {"document": "lp-v7", "version": "7", "section": "3.4.1",
            "passage": "De registratie verschilt binnen en buiten TWE-OCMW."} in glossary["binnen-twe"]["sources"]
    combinations = (knowledge / "lp_combinatietrajecten.yml").read_text(encoding="utf-8")
    assert "  - id: rol-vdab-adviseur-combinatietraject-v7\n    # TODO: versie 7 zegt niet meer: niet; pas dit record aan\n" in combinations


def fill_in_as_an_editor(root: Path) -> None:
    """Replace every TODO as the editor decides (expected.yml: editor) and give the new section a reason."""
    replacements = {k: v for k, v in EXPECTED["editor"].items() if k != "not_covered"}

    def fill(value):
        if isinstance(value, str):
            for old, new in replacements.items():
                value = value.replace(old, new)
            return value
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    for path in (root / "knowledge").glob("*.yml"):
        if "TODO" in path.read_text(encoding="utf-8"):
            edit_yaml(path, lambda data: data.update(fill(data)))

    def reason(data):
        document = next(d for d in data["documents"] if d["id"] == "lp-v7")
        for section in document["sections"]:
            if section["id"] in EXPECTED["editor"]["not_covered"]:
                section["not_covered"] = EXPECTED["editor"]["not_covered"][section["id"]]

    edit_yaml(root / "knowledge" / "documents.yml", reason)


def python_m_bot_check(root: Path, *options: str) -> subprocess.CompletedProcess:
    """`python -m bot check` run in the project copy, on its own files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAAIBOEK_")}
    env["GIT_CEILING_DIRECTORIES"] = str(root)
    return subprocess.run(
        [sys.executable, "-m", "bot", "check", *options], cwd=root, env=env, capture_output=True, text=True, timeout=900,
    )


@pytest.fixture(scope="module")
def updated_project(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of the project after `kb update --write` and the editor's work, and what
    `python -m bot check` said in between."""
    root = project_copy(tmp_path_factory.mktemp("lp-v7") / "project")
    result = run_update(root, "--write")
    assert result.exit_code == 0, result.output
    before = python_m_bot_check(root, "--no-rasa")
    fill_in_as_an_editor(root)
    return root, before


def test_check_fails_on_the_draft_until_the_editor_fills_the_todos_then_passes(updated_project):
    root, before = updated_project
    assert before.returncode != 0
    todos = {line.split(": ")[0] for line in before.stdout.splitlines() if line.startswith("[C009]")}
    assert len(todos) == sum(len(marks) for marks in EXPECTED["changed"].values())  # file:line of every TODO
    assert "[C010] knowledge/documents.yml: lp-v7 §3.4.2: geen records en geen not_covered-reden" in before.stdout
    after = python_m_bot_check(root)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "OK: kennisbank, dekking, samenhang en Rasa-data in orde" in after.stdout


@pytest.fixture(scope="module")
def updated_kb(updated_project, tmp_path_factory) -> KnowledgeBase:
    knowledge = updated_project[0] / "knowledge"
    path = build_db(knowledge, tmp_path_factory.mktemp("kb-v7") / "knowledge.db", sources_dir=knowledge / "sources")
    return KnowledgeBase(path)


SOURCE_V7 = "Bron: Draaiboek Lokale Partnerschappen, versie 7 (maart 2026), §3.4.1 Heeft de klant nood aan een stage?"
SOURCE_V6 = "Bron: Draaiboek Lokale Partnerschappen, versie 6 (oktober 2025), §3.4.1 Heeft de klant nood aan een stage?"


def test_the_assistant_answers_the_new_rule_from_versie_7_and_the_old_one_on_request(updated_kb, monkeypatch):
    """Through the action server's actions, on the knowledge base built from the updated project."""
    from rasa_sdk import Tracker
    from rasa_sdk.events import SlotSet
    from rasa_sdk.executor import CollectingDispatcher

    monkeypatch.setenv("DRAAIBOEK_DB", str(updated_kb.path))
    module = importlib.import_module("actions.actions")
    module.knowledge_base.cache_clear()
    try:
        latest = {
            "text": "fin nr bvs buiten twe?", "intent": {"name": "bvs_financieringsnummer", "confidence": 0.95},
            "entities": [{"entity": "instrument", "value": "bvs"}, {"entity": "context", "value": "buiten TWE"}],
        }
        dispatcher = CollectingDispatcher()
        events = module.ActionAnswer().run(dispatcher, Tracker("editor", {}, latest, [], False, None, {}, "action_listen"), {})
        text = dispatcher.messages[0]["text"]
        assert "C03S355" in text and "C03S350" not in text
        assert text.rstrip().endswith(SOURCE_V7)
        assert SlotSet("answer_records", ["lp-bvs-financieringsnummer-v7"]) in events

        latest = {"text": "wat zei de vorige versie?", "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
        tracker = Tracker("editor", {"answer_records": ["lp-bvs-financieringsnummer-v7"]}, latest, [], False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        events = module.ActionNoAnswer().run(dispatcher, tracker, {})
    finally:
        module.knowledge_base.cache_clear()
    text = dispatcher.messages[0]["text"]
    assert "C03S350" in text and "C03S355" not in text and text.rstrip().endswith(SOURCE_V6)
    sources = {"record": "lp-bvs-financieringsnummer", "document": "lp", "version": "6", "section": "3.4.1"}
    assert SlotSet("answer_sources", [sources]) in events


def test_kept_rules_answer_from_versie_7_and_the_removed_rule_is_history(updated_kb):
    answer = answers.answer_question(updated_kb, "indicering_adviesbepaling", {}, "hoe vraag ik een indicering aan?")
    assert "versie 7 (maart 2026), §3.4.3" in answer.source_line
    history = {row[0] for row in updated_kb.db.execute("select id from eligibility where history")}
    assert "lp-doelgroep-langdurig-ziek-met-contract" in history
    answer = answers.answer_question(updated_kb, "lp_doelgroep", {}, "wie valt buiten de doelgroep van een lokaal partnerschap?")
    assert "langdurig zieken" not in answer.text and "versie 7" in answer.source_line
