"""The ConceptEvidence NLU component (bot/nlp/concept_evidence.py) on the real glossary pipeline."""
from __future__ import annotations

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp import build_pipeline, load_pipeline
from bot.nlp.concept_evidence import ConceptEvidence


@pytest.fixture(scope="module")
def nlp(glossary, tmp_path_factory):
    return load_pipeline(build_pipeline(glossary, output_dir=tmp_path_factory.mktemp("nlp") / "pipeline"))


def message(nlp, text, intent=None, ranking=()):
    data = {"text": text, "text_spacy_doc": nlp(text)}
    if intent:
        data["intent"] = intent
    if ranking:
        data["intent_ranking"] = [{"name": name, "confidence": conf} for name, conf in ranking]
        data["intent"] = dict(data["intent_ranking"][0])
    return Message(data=data)


@pytest.fixture
def trained(nlp, tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("concept_evidence")
    component = ConceptEvidence.create({}, storage, resource, None)
    examples = [
        message(nlp, "welke klanten kunnen in twe-ocmw", "twe_doelgroep"),
        message(nlp, "wie past bij TWE-OCMW", "twe_doelgroep"),
        message(nlp, "voor wie is het lokaal partnerschap", "lp_doelgroep"),
        message(nlp, "wie mag in ons LP", "lp_doelgroep"),
        message(nlp, "mag glow samen met twe-ocmw", "combinatie_check"),
        message(nlp, "bvs en lp combineren", "combinatie_check"),
    ]
    component.train(TrainingData(training_examples=examples))
    return storage, resource


def test_an_intent_never_trained_with_a_named_concept_loses_first_place(nlp, trained):
    storage, resource = trained
    component = ConceptEvidence.load({}, storage, resource, None)
    msg = message(nlp, "welke klanten komen in aanmerking voor TWE-OCMW?", ranking=[("lp_doelgroep", 0.5), ("twe_doelgroep", 0.4)])
    component.process([msg])
    assert msg.get("intent")["name"] == "twe_doelgroep"
    ranking = msg.get("intent_ranking")
    assert [r["name"] for r in ranking] == ["twe_doelgroep", "lp_doelgroep"]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(0.9)  # the mass stays the same


def test_an_intent_trained_with_many_services_is_not_penalised(nlp, trained):
    storage, resource = trained
    component = ConceptEvidence.load({}, storage, resource, None)
    msg = message(nlp, "glow en twe-ocmw tegelijk?", ranking=[("combinatie_check", 0.5), ("twe_doelgroep", 0.45)])
    component.process([msg])
    assert msg.get("intent")["name"] == "combinatie_check"


def test_a_message_without_concepts_keeps_its_ranking(nlp, trained):
    storage, resource = trained
    component = ConceptEvidence.load({}, storage, resource, None)
    ranking = [("lp_doelgroep", 0.5), ("twe_doelgroep", 0.4)]
    msg = message(nlp, "voor wie is dat bedoeld?", ranking=ranking)
    component.process([msg])
    assert [(r["name"], r["confidence"]) for r in msg.get("intent_ranking")] == ranking


def test_factor_one_switches_the_component_off(nlp, trained):
    storage, resource = trained
    component = ConceptEvidence.load({"absent_concept_factor": 1.0}, storage, resource, None)
    msg = message(nlp, "welke klanten komen in aanmerking voor TWE-OCMW?", ranking=[("lp_doelgroep", 0.5), ("twe_doelgroep", 0.4)])
    component.process([msg])
    assert msg.get("intent")["name"] == "lp_doelgroep"
