"""Knowledge, domain, rules and training data agree with each other."""
from __future__ import annotations

import difflib

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot import settings
from bot.knowledge import load_knowledge
from bot.knowledge.schema import TERM_LABELS

PROJECT = settings.PROJECT_DIR
DIALOGUE_INTENTS = {"greet", "goodbye", "thank", "bot_challenge", "out_of_scope"}
#: Intents that only arrive as button payloads; they need no training examples.
PAYLOAD_INTENTS = {"feedback"}
#: Entities that only arrive in button payloads, besides the glossary labels.
PAYLOAD_ENTITIES = {"rating"}
MIN_EXAMPLES = 15


def _domain():
    return yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))


def _rules():
    rules = yaml.safe_load((PROJECT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    return {r["steps"][0]["intent"]: r["steps"][1]["action"] for r in rules if "intent" in r["steps"][0]}


def _topic_intents():
    return {t["intent"] for t in load_knowledge(settings.knowledge_dir()).records["topics"]}


def test_consistency_every_topic_intent_is_in_domain_with_a_rule():
    domain_intents, rules = set(_domain()["intents"]), _rules()
    for intent in _topic_intents():
        assert intent in domain_intents, f"domain.yml mist intent {intent}"
        assert rules.get(intent) in ("action_answer", "action_check_combination"), f"data/rules.yml: geen regel voor {intent}"


def test_consistency_every_domain_intent_is_answered_somewhere():
    topic_intents = _topic_intents()
    for intent in _domain()["intents"]:
        assert intent in topic_intents | DIALOGUE_INTENTS | PAYLOAD_INTENTS, f"intent {intent} heeft geen topic in knowledge/"


def test_consistency_every_intent_has_enough_training_examples():
    training = load_data(str(PROJECT / "data" / "nlu"))
    counts = {i: 0 for i in _domain()["intents"] if i not in PAYLOAD_INTENTS}
    for example in training.intent_examples:
        counts[example.get("intent")] = counts.get(example.get("intent"), 0) + 1
    too_few = {i: n for i, n in counts.items() if n < MIN_EXAMPLES}
    assert not too_few, f"minder dan {MIN_EXAMPLES} voorbeelden: {too_few}"


def test_consistency_domain_entities_are_the_glossary_labels():
    assert set(_domain()["entities"]) == set(TERM_LABELS) | PAYLOAD_ENTITIES


#: A training example this similar to a scored question (difflib ratio) is a copy with a typo.
NEAR_COPY_RATIO = 0.9


def test_consistency_question_set_is_not_in_training_data():
    training = {e.get("text").casefold().strip(" ?!.") for e in load_data(str(PROJECT / "data" / "nlu")).intent_examples}
    questions = yaml.safe_load((PROJECT / "tests" / "quality" / "questions.yml").read_text(encoding="utf-8"))["questions"]
    asked = [t.casefold().strip(" ?!.") for q in questions for t in ([q["question"]] if "question" in q else q["turns"])]
    copies = []
    for question in asked:
        for example in training:
            matcher = difflib.SequenceMatcher(None, question, example)
            if matcher.real_quick_ratio() >= NEAR_COPY_RATIO and matcher.quick_ratio() >= NEAR_COPY_RATIO:
                if matcher.ratio() >= NEAR_COPY_RATIO:
                    copies.append(f"{question!r} ~ {example!r}")
    assert not copies, "vraag uit de vragenset (bijna) letterlijk in data/nlu:\n" + "\n".join(copies)


def test_consistency_schema_doc_is_current():
    from bot.knowledge.schema import render_schema_markdown

    assert (PROJECT / "docs" / "knowledge-schema.md").read_text(encoding="utf-8") == render_schema_markdown(), (
        "docs/knowledge-schema.md is verouderd: python -m bot kb schema > docs/knowledge-schema.md"
    )
