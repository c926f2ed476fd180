"""`python -m bot scaffold`: the stubs of a new topic, written into a copy of the project.

The stubs must leave every file readable and the knowledge valid, keep what was there, and carry
`TODO` markers that `unfinished_stubs` finds until an editor fills them in.
"""
from __future__ import annotations

import difflib
import hashlib
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot import settings
from bot.knowledge import load_knowledge, validate
from bot.knowledge.sources import contains_passage, cut_sections, read_source
from bot.quality import load_question_set
from bot.scaffold import (
    TOPIC_KINDS,
    ScaffoldError,
    scaffold,
    scaffold_topic,
    section_passages,
    unfinished_stubs,
)

TOPIC = "lp-nieuw-onderwerp"
INTENT = "lp_nieuw_onderwerp"
#: What the scaffold reads and writes, copied as they are.
PROJECT_DIRS = ("knowledge", "data")
PROJECT_FILES = ("domain.yml", "config.yml", "tests/test_stories.yml", "tests/quality/questions.yml")


def copy_project(target: Path) -> Path:
    for name in PROJECT_DIRS:
        shutil.copytree(settings.PROJECT_DIR / name, target / name)
    for name in PROJECT_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(settings.PROJECT_DIR / name, target / name)
    return target


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def problems(root: Path) -> list[str]:
    return [str(p) for p in validate(load_knowledge(root / "knowledge"), root / "knowledge" / "sources")]


def inserted(before: str, after: str) -> str:
    """The lines `after` adds to `before`; fails when anything of `before` changed or moved."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    added = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        assert tag in ("equal", "insert"), f"bestaande regels gewijzigd: {old[i1:i2]!r}"
        if tag == "insert":
            added += new[j1:j2]
    return "".join(added)


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    """A project copy before and after scaffolding TOPIC on lp §3.4.2."""
    pristine = copy_project(tmp_path_factory.mktemp("pristine"))
    root = copy_project(tmp_path_factory.mktemp("project"))
    result = scaffold_topic(root, topic_id=TOPIC, intent=INTENT, document="lp", section="3.4.2")
    return pristine, root, result


def read(root: Path, relative: str | Path) -> str:
    return (root / relative).read_text(encoding="utf-8")


def test_stub_is_a_cited_topic_that_passes_validation(scaffolded):
    pristine, root, result = scaffolded
    after = problems(root)
    assert after == problems(pristine)
    assert not [p for p in after if TOPIC in p]

    knowledge = load_knowledge(root / "knowledge")
    record = knowledge.by_id("topics")[TOPIC]
    # next to the topics that already cite §3.4.2
    assert knowledge.file_of("topics", TOPIC) == knowledge.file_of("topics", "lp-icf-vragenlijst")
    assert result.file("knowledge/").path == Path("knowledge") / knowledge.file_of("topics", TOPIC)
    assert record["intent"] == INTENT
    assert record["title"] == "Wat doen bij een vraag naar indicering of adviesbepaling?"
    assert record["kind"] in TOPIC_KINDS
    assert record["answer"].startswith("TODO")
    [source] = record["sources"]
    assert (source["document"], source["version"], source["section"]) == ("lp", "6", "3.4.2")


def test_passage_is_the_start_of_the_section_verbatim(scaffolded):
    _, root, _ = scaffolded
    passage = load_knowledge(root / "knowledge").by_id("topics")[TOPIC]["sources"][0]["passage"]
    document = load_knowledge(root / "knowledge").by_id("documents")["lp"]
    text = read_source(root / "knowledge" / "sources", document)
    assert passage in " ".join(text.split())  # verbatim, case and punctuation included
    assert passage.startswith("Bij een vraag naar indicering")
    assert passage.endswith("de indicering of de adviesbepaling.")
    section = next(s for s in cut_sections(document, text)[0] if s.id == "3.4.2")
    assert contains_passage(section.text, passage)


def test_every_registered_section_gives_a_verbatim_citable_passage():
    knowledge = load_knowledge(settings.knowledge_dir())
    for document in knowledge.records["documents"]:
        text = read_source(settings.sources_dir(), document)
        sections = {s.id: s for s in cut_sections(document, text)[0]}
        passages = section_passages(settings.sources_dir(), document)
        assert set(passages) == set(sections)
        for section_id, passage in passages.items():
            where = f"{document['id']} §{section_id}"
            assert passage and passage in " ".join(text.split()), where
            assert contains_passage(sections[section_id].text, passage), where


def test_existing_lines_stay_and_only_the_stubs_are_added(scaffolded):
    pristine, root, result = scaffolded
    assert [a.path.as_posix() for a in result.additions] == [
        "knowledge/lp_combinatietrajecten.yml",
        "data/nlu/lp_combinatietrajecten.yml",
        "domain.yml",
        "data/rules.yml",
        "data/stories/follow_ups.yml",
        "tests/test_stories.yml",
        "tests/quality/questions.yml",
    ]
    changed = {name for name, digest in snapshot(root).items() if snapshot(pristine).get(name) != digest}
    assert changed == {a.path.as_posix() for a in result.additions}
    for addition in result.additions:
        added = inserted(read(pristine, addition.path), read(root, addition.path))
        assert "".join(addition.text.split()) == "".join(added.split())
        lines = read(root, addition.path).splitlines()
        assert addition.text.splitlines()[0].strip() == lines[addition.line - 1].strip(), addition


def test_domain_gets_the_intent_after_its_neighbours(scaffolded):
    _, root, _ = scaffolded
    intents = yaml.safe_load(read(root, "domain.yml"))["intents"]
    assert intents.count(INTENT) == 1
    position = intents.index(INTENT)
    assert intents[position - 1].startswith("lp_")
    topic_intents = {t["intent"] for t in load_knowledge(root / "knowledge").records["topics"]}
    assert intents[position + 1] in topic_intents  # still inside the topic block, before combinatie_check


def test_nlu_rule_story_and_question_skeletons_parse(scaffolded):
    _, root, result = scaffolded
    nlu_path = result.file("data/nlu/").path
    [block] = [i for i in yaml.safe_load(read(root, nlu_path))["nlu"] if i.get("intent") == INTENT]
    placeholders = block["examples"].splitlines()
    assert len(placeholders) == 3 and all(line.startswith("# - TODO") for line in placeholders)
    assert "minstens 15 realistische voorbeelden" in inserted(read(scaffolded[0], nlu_path), read(root, nlu_path))

    rules = yaml.safe_load(read(root, "data/rules.yml"))["rules"]
    assert {"rule": "lp nieuw onderwerp", "steps": [{"intent": INTENT}, {"action": "action_answer"}]} in rules

    flows = yaml.safe_load(read(root, "data/stories/follow_ups.yml"))["stories"]
    [flow] = [s for s in flows if s["steps"][0].get("intent") == INTENT]
    assert flow["steps"] == [
        {"intent": INTENT}, {"action": "action_answer"}, {"intent": "meer_uitleg"}, {"action": "action_answer"},
    ]

    stories = yaml.safe_load(read(root, "tests/test_stories.yml"))["stories"]
    [story] = [s for s in stories if any(step.get("intent") == INTENT for step in s["steps"])]
    user, action = story["steps"]
    assert user["user"].startswith("TODO") and user["intent"] == INTENT
    assert action == {"action": "action_answer"}

    questions = {q.id: q for q in load_question_set(root / "tests" / "quality" / "questions.yml")}
    question = questions[result.question_id]
    assert result.question_id == "lp-new-1"
    assert (question.kind, question.document, question.text, question.expect, question.section) == (
        "fact", "lp", "TODO", ("TODO",), "3.4.2",
    )


def test_check_sees_domain_and_rule_but_fails_on_missing_examples(scaffolded, monkeypatch):
    from bot.check import Project, domain_intents_are_answered, intents_have_enough_examples
    from bot.check import topic_intents_have_domain_entry_and_rule

    _, root, _ = scaffolded
    monkeypatch.setenv("DRAAIBOEK_KNOWLEDGE_DIR", str(root / "knowledge"))
    project = Project(root)
    assert not [f for f in topic_intents_have_domain_entry_and_rule(project) if INTENT in f.message]
    assert not [f for f in domain_intents_are_answered(project) if INTENT in f.message]
    # the commented placeholders are no training examples
    [finding] = [f for f in intents_have_enough_examples(project) if INTENT in f.message]
    assert finding.message == f"intent {INTENT} heeft 0 voorbeelden; minstens 15 nodig"
    path, line = finding.file.split(":")  # where the editor writes the examples
    assert (project.root / path).read_text(encoding="utf-8").splitlines()[int(line) - 1].strip() == f"- intent: {INTENT}"


def test_unfinished_stubs_name_file_and_line_of_every_todo(scaffolded):
    pristine, root, result = scaffolded
    before = {(s.file, s.message) for s in unfinished_stubs(pristine)}
    new = [s for s in unfinished_stubs(root) if (s.file, s.message) not in before]
    assert {s.file for s in new} == {
        result.file("knowledge/").path.as_posix(),
        result.file("data/nlu/").path.as_posix(),
        "tests/test_stories.yml",
        "tests/quality/questions.yml",
    }
    for stub in new:
        assert "TODO" in read(root, stub.file).splitlines()[stub.line - 1]
        assert str(stub).startswith(f"{stub.file}:{stub.line}: nog in te vullen")
    stub = result.file("knowledge/")
    lines = read(root, stub.path).splitlines()
    answer_line = next(n for n in range(stub.line, len(lines) + 1) if lines[n - 1].strip().startswith("answer:"))
    assert answer_line in [s.line for s in new if s.file == stub.path.as_posix()]


def test_second_run_with_the_same_topic_or_intent_fails_and_writes_nothing(scaffolded):
    _, root, _ = scaffolded
    before = snapshot(root)
    with pytest.raises(ScaffoldError, match=f"topic-id '{TOPIC}' bestaat al in knowledge/lp_combinatietrajecten.yml"):
        scaffold_topic(root, topic_id=TOPIC, intent="lp_nog_een_onderwerp", document="lp", section="3.4.2")
    with pytest.raises(ScaffoldError, match=f"intent '{INTENT}' bestaat al: topic {TOPIC}"):
        scaffold_topic(root, topic_id="lp-nog-een-onderwerp", intent=INTENT, document="lp", section="3.4.2")
    with pytest.raises(ScaffoldError, match="intent 'greet' staat al in domain.yml"):
        scaffold_topic(root, topic_id="lp-nog-een-onderwerp", intent="greet", document="lp", section="3.4.2")
    assert snapshot(root) == before


def test_unknown_document_section_or_badly_named_intent_is_refused_with_what_is_registered(scaffolded):
    pristine, _, _ = scaffolded
    with pytest.raises(ScaffoldError) as error:
        scaffold_topic(pristine, topic_id="lp-x", intent="lp_x", document="lp", section="3.9")
    message = str(error.value)
    assert "sectie '3.9' is niet geregistreerd voor document lp in knowledge/documents.yml" in message
    assert re.search(r"geregistreerde secties: voorwoord, 1\.1, 1\.2, .*3\.4\.1, 3\.4\.2, .*bijlage-1$", message)
    with pytest.raises(ScaffoldError, match=r"document 'lp7' is niet geregistreerd .*geregistreerd: lp, glow, "):
        scaffold_topic(pristine, topic_id="lp-x", intent="lp_x", document="lp7", section="3.4.2")
    for intent in ("LpNieuw", "lp-nieuw", "lp__nieuw", "_lp"):
        with pytest.raises(ScaffoldError, match="geen snake_case"):
            scaffold_topic(pristine, topic_id="lp-x", intent=intent, document="lp", section="3.4.2")


def test_dry_run_writes_nothing_and_says_what_it_would_add(tmp_path):
    root = copy_project(tmp_path)
    before = snapshot(root)
    result = scaffold_topic(root, topic_id=TOPIC, intent=INTENT, document="lp", section="3.4.2", dry_run=True)
    assert snapshot(root) == before
    assert result.dry_run and len(result) == 7
    assert [path.as_posix() for path, _ in result][2:] == [
        "domain.yml", "data/rules.yml", "data/stories/follow_ups.yml", "tests/test_stories.yml",
        "tests/quality/questions.yml",
    ]


def test_background_topic_gets_a_status_note_to_fill_in(tmp_path):
    root = copy_project(tmp_path)
    result = scaffold_topic(
        root, topic_id="proeftuin-nieuw", intent="proeftuin_nieuw", document="proeftuinen", section="2.1"
    )
    knowledge = load_knowledge(root / "knowledge")
    record = knowledge.by_id("topics")["proeftuin-nieuw"]
    assert record["status_note"].startswith("TODO")  # K051: a report's answer says what it is
    assert result.file("knowledge/").path == Path("knowledge/proeftuinen.yml")
    assert not [p for p in problems(root) if "proeftuin-nieuw" in p]


NEW_DOCUMENT = """
  - id: vb-traject
    title: Draaiboek Voorbeeldtraject
    short_title: Draaiboek Voorbeeldtraject
    version: "1"
    date: januari 2026
    file: vb-traject.txt
    weight: core
    sections:
      - {id: "1", title: "Aanmelding", anchor: "1. Aanmelding"}
"""


def test_first_topic_of_a_new_document_gets_its_own_files(tmp_path):
    root = copy_project(tmp_path)
    with (root / "knowledge" / "documents.yml").open("a", encoding="utf-8") as documents:
        documents.write(NEW_DOCUMENT)
    (root / "knowledge" / "sources" / "vb-traject.txt").write_text(
        "Draaiboek Voorbeeldtraject\n\n1. Aanmelding\nDe klant meldt zich\naan via het formulier. Dan een gesprek.\n",
        encoding="utf-8",
    )
    result = scaffold_topic(root, topic_id="vb-aanmelding", intent="vb_aanmelding", document="vb-traject", section="1")
    assert result.file("knowledge/").path == Path("knowledge/vb_traject.yml")
    assert result.file("data/nlu/").path == Path("data/nlu/vb_traject.yml")
    [record] = yaml.safe_load(read(root, "knowledge/vb_traject.yml"))["topics"]
    assert record["sources"][0]["passage"] == "De klant meldt zich aan via het formulier."
    nlu = yaml.safe_load(read(root, "data/nlu/vb_traject.yml"))
    assert nlu["version"] == "3.1" and [i["intent"] for i in nlu["nlu"]] == ["vb_aanmelding"]
    # among the topics answered by action_answer, not after the combination rules
    intents = yaml.safe_load(read(root, "domain.yml"))["intents"]
    rules = yaml.safe_load(read(root, "data/rules.yml"))["rules"]
    rules = {r["steps"][0].get("intent"): r["steps"][-1].get("action") for r in rules}
    assert rules[intents[intents.index("vb_aanmelding") - 1]] == "action_answer"


def test_command_prints_what_was_added_and_the_next_steps(tmp_path):
    root = copy_project(tmp_path)
    before = snapshot(root)
    args = [TOPIC, "--intent", INTENT, "--document", "lp", "--section", "3.4.2", "--project", str(root)]
    dry = CliRunner().invoke(scaffold, args + ["--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Proefdraai: er is niets geschreven" in dry.output and "- rule: lp nieuw onderwerp" in dry.output
    assert snapshot(root) == before

    run = CliRunner().invoke(scaffold, args)
    assert run.exit_code == 0, run.output
    assert re.search(r"knowledge/lp_combinatietrajecten\.yml:\d+: topic lp-nieuw-onderwerp", run.output)
    assert re.search(r"domain\.yml:\d+: intent lp_nieuw_onderwerp onder intents", run.output)
    for step in ("minstens 15 realistische voorbeelden", "python -m bot check", "make train", "make test"):
        assert step in run.output

    again = CliRunner().invoke(scaffold, args)
    assert again.exit_code == 1
    assert "Error: [G005] topic-id 'lp-nieuw-onderwerp' bestaat al" in again.output
