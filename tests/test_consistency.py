"""Knowledge, domain, rules and training data agree with each other (the checks of `python -m bot check`)."""
from __future__ import annotations

import re

import shutil

import pytest
import yaml

from bot import check, settings


@pytest.fixture(scope="module")
def project():
    return check.Project(settings.PROJECT_DIR)


@pytest.mark.parametrize("rule", check.CONSISTENCY_CHECKS, ids=lambda rule: rule.__name__)
def test_consistency_of_the_project(project, rule):
    findings = [str(f) for f in rule(project)]
    assert not findings, "\n".join(findings)


@pytest.fixture
def copied_project(tmp_path):
    """The Rasa files and the question set in a scratch folder, to break one at a time."""
    root = tmp_path / "project"
    for name in ("domain.yml", "data", *check.HELD_OUT_FILES, "docs"):
        source, target = settings.PROJECT_DIR / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    return check.Project(root)


def edit(project, relative, change):
    path = project.root / relative
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_topic_intent_without_a_rule_is_found(copied_project):
    edit(copied_project, "data/rules.yml", lambda d: d["rules"].__setitem__(
        slice(None), [r for r in d["rules"] if r["steps"][0].get("intent") != "bvs_wat"]))
    findings = [str(f) for f in check.topic_intents_have_domain_entry_and_rule(copied_project)]
    assert findings == ["[C002] data/rules.yml:2: geen regel `bvs_wat` -> action_answer voor het topic-intent bvs_wat"]


def test_an_intent_with_too_few_examples_is_found(copied_project):
    def shrink(data):
        item = next(i for i in data["nlu"] if i.get("intent") == "glow_taal")
        item["examples"] = "".join(item["examples"].splitlines(keepends=True)[:12])

    edit(copied_project, "data/nlu/glow.yml", shrink)
    findings = [str(f) for f in check.intents_have_enough_examples(copied_project)]
    [finding] = findings
    location = re.match(r"\[C003\] (data/nlu/glow.yml):(\d+): intent glow_taal heeft 12 voorbeelden; minstens 15 nodig$", finding)
    assert location, finding
    lines = (copied_project.root / location[1]).read_text(encoding="utf-8").splitlines()
    assert lines[int(location[2]) - 1].strip() == "- intent: glow_taal"


def test_a_scored_question_copied_into_training_data_is_found(copied_project):
    question = copied_project.scored_questions()[0]

    def copy_question(data):
        next(i for i in data["nlu"] if i.get("intent") == "glow_wat")["examples"] += f"- {question.upper()}\n"

    edit(copied_project, "data/nlu/glow.yml", copy_question)
    findings = list(check.held_out_texts_are_not_training_data(copied_project))
    assert [f.code for f in findings] == ["C006"] and question in findings[0].message


def test_a_test_story_text_copied_into_training_data_is_found(copied_project):
    text, relative = next(t for t in copied_project.held_out_texts() if t[1] == "tests/test_stories.yml")
    assert "[" not in text and "{" not in text  # annotations removed

    def copy_text(data):
        next(i for i in data["nlu"] if i.get("intent") == "glow_wat")["examples"] += f"- {text}!\n"

    edit(copied_project, "data/nlu/glow.yml", copy_text)
    findings = list(check.held_out_texts_are_not_training_data(copied_project))
    assert [f.code for f in findings] == ["C006"] and relative in findings[0].message


def test_a_phone_number_or_a_duration_in_the_answering_code_is_found(copied_project):
    code = copied_project.root / "bot" / "answering" / "shortcut.py"
    code.parent.mkdir(parents=True)
    code.write_text(
        '"""Een docstring mag 17 jaar noemen."""\n'
        'AGE = re.compile(r"\\b(\\d{1,2}) jaar")  # a pattern: its digits are no facts\n'
        'HELPLINE = "bel de Servicelijn op 0800 30 700"\n'
        'LIMIT = "een BVS duurt maximaal 30 kalenderdagen"\n',
        encoding="utf-8",
    )
    findings = [str(f) for f in check.no_facts_in_answering_code(copied_project)]
    assert len(findings) == 2 and all("C011" in f for f in findings), findings
    assert "shortcut.py:3" in findings[0] and "shortcut.py:4" in findings[1]
