"""NLU on held-out case-worker questions: the user texts of tests/test_stories.yml, never in data/nlu/.

Each text is parsed by the trained model; intent accuracy must stay above a floor, and the
entities the glossary defines must be found exactly as annotated. The mistakes are printed,
so a failing run shows what to fix in the training data.
"""
from __future__ import annotations

import asyncio
import re

import pytest
import yaml

from bot import settings

#: Share of held-out texts whose intent must be right (measured, see README "Measurements").
MIN_INTENT_ACCURACY = 0.85

_ANNOTATION = re.compile(r"\[([^\]]+)\]\{\"entity\": \"(\w+)\", \"value\": \"([^\"]+)\"\}")


def story_utterances() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(text, intent, [(entity, value)]) for every user step of the test stories."""
    stories = yaml.safe_load((settings.PROJECT_DIR / "tests" / "test_stories.yml").read_text(encoding="utf-8"))
    utterances = []
    for story in stories["stories"]:
        for step in story["steps"]:
            if "user" in step:
                annotated = step["user"].strip()
                entities = [(m.group(2), m.group(3)) for m in _ANNOTATION.finditer(annotated)]
                utterances.append((_ANNOTATION.sub(r"\1", annotated), step["intent"], entities))
    return utterances


@pytest.fixture(scope="module")
def parsed(trained_model):
    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_model))

    async def parse_all():
        return [await agent.parse_message(text) for text, _, _ in story_utterances()]

    return asyncio.run(parse_all())


def test_nlu_intent_accuracy_on_held_out_questions(parsed):
    utterances = story_utterances()
    wrong = [
        f"{intent} -> {result['intent']['name']} ({result['intent']['confidence']:.2f}): {text}"
        for (text, intent, _), result in zip(utterances, parsed)
        if result["intent"]["name"] != intent
    ]
    accuracy = 1 - len(wrong) / len(utterances)
    print(f"intent accuracy {accuracy:.3f} on {len(utterances)} held-out texts")
    assert accuracy >= MIN_INTENT_ACCURACY, "\n".join(wrong)


def test_nlu_entities_match_annotations(parsed):
    mismatches = []
    for (text, _, expected), result in zip(story_utterances(), parsed):
        found = sorted((e["entity"], str(e["value"])) for e in result["entities"])
        if found != sorted(expected):
            mismatches.append(f"{text}: expected {sorted(expected)}, found {found}")
    assert not mismatches, "\n".join(mismatches)
