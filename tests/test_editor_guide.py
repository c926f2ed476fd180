"""The worked example of docs/editor-guide.md, run on its fixture (tests/fixtures/versions/):
a new document version, answered by default, its predecessor on request, and the diff the
guide shows."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot import answers, messages
from bot.cli import cli
from bot.errors import ValidationFailed
from bot.knowledge import KnowledgeBase, build_db, load_knowledge
from bot.knowledge.diff import diff_versions, format_diff
from bot.knowledge.validate import validate
from tests.conftest import edit_yaml, record

FIXTURE = Path(__file__).parent / "fixtures" / "versions"
GUIDE = Path(__file__).parent.parent / "docs" / "editor-guide.md"
SOURCE_V2 = "Bron: Draaiboek Voorbeeldtraject, versie 2 (juni 2026), §1 Aanmelding"


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> KnowledgeBase:
    path = tmp_path_factory.mktemp("versions") / "knowledge.db"
    build_db(FIXTURE / "knowledge", path, sources_dir=FIXTURE / "knowledge" / "sources")
    return KnowledgeBase(path)


@pytest.fixture
def fixture_copy(tmp_path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "project")
    return tmp_path / "project"


def guide_blocks() -> list[str]:
    return re.findall(r"```(?:yaml)?\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


# --- answers ---------------------------------------------------------------------------------


def test_the_new_version_answers_by_default(kb):
    answer = answers.answer_question(kb, "vb_aanmelding", {}, "binnen hoeveel werkdagen bevestigt vdab de aanmelding?")
    assert "15 werkdagen" in answer.text and "10 werkdagen" not in answer.text
    assert answer.source_line == SOURCE_V2
    assert answer.record_ids == ["vb-aanmelding-v2"]


def test_the_new_versions_ruling_answers_ja_nee_verdict_first(kb):
    from bot import answering

    turn = answering.Turn(text="mag ik het dossier van mijne klant nog op papier bezorgen?", intent="vb_dossier")
    answer = answering.answer(kb, turn)
    assert answer.text.startswith("Nee: Het dossier van de klant wordt enkel nog digitaal gedeeld")
    assert answer.source_line == "Bron: Draaiboek Voorbeeldtraject, versie 2 (juni 2026), §3 Digitaal dossier"
    turn = answering.Turn(text="mag ik het dossier via een ander kanaal op papier bezorgen?", intent="vb_dossier")
    assert answering.answer(kb, turn).verdict is None  # `unless`: the ruling does not say


def test_a_kept_rule_cites_only_the_new_version(kb):
    answer = answers.answer_question(kb, "vb_opvolging", {}, "hoe vaak bespreek ik de voortgang?")
    assert answer.source_line == "Bron: Draaiboek Voorbeeldtraject, versie 2 (juni 2026), §2 Opvolging"


def test_a_removed_rule_is_not_answered_and_not_suggested(kb):
    answer = answers.answer_question(kb, "vb_dossier", {}, "hoe bezorg ik het dossier?")
    assert "digitaal" in answer.text and "papier" not in answer.text
    assert [t["id"] for t in kb.search_topics("papier regiokantoor dossier")] == ["vb-digitaal-dossier"]


@pytest.mark.parametrize("follow_up", ["en wat zei de vorige versie?", "wat stond er in versie 1?", "oude versie?"])
def test_an_earlier_version_is_answered_on_request_and_labelled(kb, follow_up):
    answer = answers.answer_earlier_version(kb, follow_up, ["vb-aanmelding-v2"])
    assert "10 werkdagen" in answer.text
    assert answer.text.startswith(messages.M022_EARLIER_VERSION.format(title="Draaiboek Voorbeeldtraject", version="1"))
    assert answer.source_line == "Bron: Draaiboek Voorbeeldtraject, versie 1 (januari 2026), §1 Aanmelding"
    assert answer.record_ids == ["vb-aanmelding"]


def test_asking_for_the_current_version_keeps_the_current_answer(kb):
    assert answers.answer_earlier_version(kb, "en volgens versie 2?", ["vb-aanmelding-v2"]) is None
    assert answers.answer_earlier_version(kb, "hoe vaak bespreek ik de voortgang?", ["vb-opvolging"]) is None


def test_no_earlier_version_is_said_honestly(kb):
    answer = answers.answer_earlier_version(kb, "en in de vorige versie?", ["vb-opvolging"])
    assert "geen eerdere versie" in answer.text and "versie 2 (juni 2026), §2 Opvolging" in answer.text
    assert not answer.substantive


def test_history_is_marked_in_the_database(kb):
    history = {row[0] for row in kb.db.execute("select id from topics where history")}
    assert history == {"vb-aanmelding", "vb-papieren-dossier"}
    assert kb.intents() == {"vb_aanmelding", "vb_opvolging", "vb_dossier"}


# --- the diff ---------------------------------------------------------------------------------


def test_diff_lists_changed_added_removed_and_kept_records():
    diff = diff_versions(load_knowledge(FIXTURE / "knowledge"), "voorbeeld", "voorbeeld-v2", FIXTURE)
    assert [(c.status, c.label) for c in diff.changes] == [
        ("changed", "topics/vb-aanmelding → vb-aanmelding-v2"),
        ("kept", "topics/vb-opvolging"),
        ("removed", "topics/vb-papieren-dossier"),
        ("added", "topics/vb-digitaal-dossier"),
        ("added", "rulings/vb-regel-papieren-dossier"),
    ]
    assert diff.of("changed")[0].fields == ["answer"]
    touched = {(p.path, p.what) for p in diff.places}
    assert ("tests/quality/questions.yml", "vraag vb-001 (§1; verwacht 10, dat het nieuwe antwoord niet meer noemt)") in touched
    assert not any("vb-002" in p.what or "vb_opvolging" in p.what for p in diff.places)  # unchanged rule


def test_the_guide_shows_the_real_diff_output():
    command = "$ python -m bot kb diff voorbeeld voorbeeld-v2\n"
    shown = next(block for block in guide_blocks() if block.startswith(command))
    result = CliRunner().invoke(
        cli, ["kb", "diff", "voorbeeld", "voorbeeld-v2", "--knowledge-dir", str(FIXTURE / "knowledge"),
              "--project", str(FIXTURE)],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == shown[len(command):].strip()


def test_the_guide_yaml_is_what_the_fixture_holds():
    fixture_text = "\n".join(p.read_text(encoding="utf-8") for p in (FIXTURE / "knowledge").glob("*.yml"))
    for block in guide_blocks():
        for line in block.splitlines():
            if line.strip() and line.strip() != "..." and not block.startswith(("$", "python")):
                assert line.rstrip() in fixture_text, f"docs/editor-guide.md: regel staat niet in de fixture: {line!r}"


def test_diff_refuses_versions_that_do_not_follow_each_other():
    knowledge = load_knowledge(FIXTURE / "knowledge")
    with pytest.raises(Exception, match="supersedes: voorbeeld-v2"):
        diff_versions(knowledge, "voorbeeld-v2", "voorbeeld")


# --- validation of versions ---------------------------------------------------------------------


def test_unknown_successor_is_reported(fixture_copy):
    edit_yaml(fixture_copy / "knowledge" / "voorbeeld.yml",
              lambda d: record(d, "topics", "vb-aanmelding").update(superseded_by="vb-bestaat-niet"))
    problems = validate(load_knowledge(fixture_copy / "knowledge"), fixture_copy / "knowledge" / "sources")
    assert [(p.code, p.record_id, p.field) for p in problems] == [("K031", "vb-aanmelding", "superseded_by")]


def test_a_loop_of_successors_is_reported(fixture_copy):
    edit_yaml(fixture_copy / "knowledge" / "voorbeeld.yml",
              lambda d: record(d, "topics", "vb-aanmelding-v2").update(superseded_by="vb-aanmelding"))
    problems = validate(load_knowledge(fixture_copy / "knowledge"), fixture_copy / "knowledge" / "sources")
    assert {p.code for p in problems} == {"K032"}


def test_two_documents_cannot_supersede_the_same_version(fixture_copy):
    def add_third(data):
        third = dict(record(data, "documents", "voorbeeld-v2"), id="voorbeeld-v3")
        data["documents"].append(third)

    edit_yaml(fixture_copy / "knowledge" / "documents.yml", add_third)
    with pytest.raises(ValidationFailed, match="K033"):
        build_db(fixture_copy / "knowledge", fixture_copy / "kb.db", sources_dir=fixture_copy / "knowledge" / "sources")


def test_fixture_project_files_are_valid_yaml():
    for path in FIXTURE.rglob("*.yml"):
        assert yaml.safe_load(path.read_text(encoding="utf-8")), path


def test_the_assistant_answers_the_earlier_version_as_a_follow_up(kb, monkeypatch):
    """Through the action: the follow-up itself is unclear (fallback); the previous answer's record decides."""
    import importlib

    from rasa_sdk import Tracker
    from rasa_sdk.events import SlotSet
    from rasa_sdk.executor import CollectingDispatcher

    monkeypatch.setenv("DRAAIBOEK_DB", str(kb.path))
    module = importlib.import_module("actions.actions")
    module.knowledge_base.cache_clear()
    try:
        latest = {"text": "en wat zei de vorige versie?", "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
        tracker = Tracker("editor", {"answer_records": ["vb-aanmelding-v2"]}, latest, [], False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        events = module.ActionNoAnswer().run(dispatcher, tracker, {})
    finally:
        module.knowledge_base.cache_clear()
    text = dispatcher.messages[0]["text"]
    assert "10 werkdagen" in text and text.endswith("Bron: Draaiboek Voorbeeldtraject, versie 1 (januari 2026), §1 Aanmelding")
    assert SlotSet("answer_sources", [{"record": "vb-aanmelding", "document": "voorbeeld", "version": "1", "section": "1"}]) in events


def test_the_guide_shows_the_real_kb_update_output():
    """The "nieuwe versie in één keer" example: every line shown is printed by the command, in that order
    (the guide leaves lines out at "…"). Line numbers are compared as N: other edits to the knowledge
    and project files move them."""
    command = '$ python -m bot kb update lp --text tests/fixtures/lp-v7/lp-v7.txt --version 7 --date "maart 2026"\n'
    shown = next(block for block in guide_blocks() if block.startswith(command))
    text = Path(__file__).parent / "fixtures" / "lp-v7" / "lp-v7.txt"
    result = CliRunner().invoke(cli, ["kb", "update", "lp", "--text", str(text), "--version", "7", "--date", "maart 2026"])
    assert result.exit_code == 0, result.output

    def masked(line: str) -> str:
        return re.sub(r"(\.ya?ml|\.py):\d+:", r"\1:N:", line)

    printed = iter(masked(line) for line in result.output.splitlines())
    for line in shown[len(command):].splitlines():
        if line.strip() != "…":
            assert any(masked(line) == p for p in printed), f"docs/editor-guide.md: niet (in deze volgorde) in de uitvoer: {line!r}"
