"""The LexicalVote NLU component (bot/nlp/lexical_vote.py): trained, stored, loaded, blended."""
from __future__ import annotations

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp.lexical_vote import LexicalVote

TRAINING = {
    "bvs_wat": ["wat is een bvs", "bvs uitleg", "wat houdt een beroepsverkennende stage in", "jobdoelwit verkennen op de werkvloer"],
    "bvs_financieringsnummer": ["fin nr bvs", "welk financieringsnummer voor een bvs", "nummer registratie bvs ocmw",
                                "financieringsnummer buiten twe"],
}


def ranked(message: Message) -> list[tuple[str, float]]:
    return [(r["name"], round(r["confidence"], 3)) for r in message.get("intent_ranking")]


@pytest.fixture
def trained(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("lexical_vote")
    component = LexicalVote.create({}, storage, resource, None)
    examples = [Message(data={"text": t, "intent": i}) for i, texts in TRAINING.items() for t in texts]
    component.train(TrainingData(training_examples=examples))
    return storage, resource


def message(text: str, *ranking: tuple[str, float]) -> Message:
    entries = [{"name": n, "confidence": c} for n, c in ranking]
    return Message(data={"text": text, "intent": dict(entries[0]), "intent_ranking": entries})


def test_the_lexical_model_moves_diets_ranking_towards_the_topics_own_words(trained):
    storage, resource = trained
    component = LexicalVote.load({}, storage, resource, None)
    msg = message("fin nr voor de bvs?", ("bvs_wat", 0.55), ("bvs_financieringsnummer", 0.45))
    component.process([msg])
    assert msg.get("intent")["name"] == "bvs_financieringsnummer"
    assert sum(c for _, c in ranked(msg)) == pytest.approx(1.0, abs=0.01)


def test_weight_zero_keeps_diets_ranking(trained):
    storage, resource = trained
    component = LexicalVote.load({"weight": 0.0}, storage, resource, None)
    msg = message("fin nr voor de bvs?", ("bvs_wat", 0.55), ("bvs_financieringsnummer", 0.45))
    component.process([msg])
    assert ranked(msg) == [("bvs_wat", 0.55), ("bvs_financieringsnummer", 0.45)]


def test_an_untrained_component_leaves_messages_alone(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("never_trained")
    component = LexicalVote.load({}, storage, resource, None)
    msg = message("fin nr voor de bvs?", ("bvs_wat", 0.55), ("bvs_financieringsnummer", 0.45))
    component.process([msg])
    assert ranked(msg) == [("bvs_wat", 0.55), ("bvs_financieringsnummer", 0.45)]


def test_topic_texts_teach_the_words_of_the_knowledge_records(tmp_path):
    """A question in the document's own words, which no training example uses, goes to its topic."""
    examples = {
        "lp_publiciteit": ["publiciteit regels lp", "moeten we iets vermelden op onze flyers", "communicatie over het project"],
        "lp_vdab_account": ["hoe werkt het vdab-account", "klant kan niet inloggen", "waar vindt de klant zijn afspraken"],
    }
    question = "waar download ik de logo's van EU-WSE?"  # "waar" alone points to the account ("waar vindt de klant …")
    winners = {}
    for with_topics in (False, True):
        (tmp_path / str(with_topics)).mkdir()
        storage, resource = LocalModelStorage(tmp_path / str(with_topics)), Resource("lexical_vote")
        component = LexicalVote.create({"topic_texts": with_topics, "weight": 1.0}, storage, resource, None)
        component.train(TrainingData(training_examples=[
            Message(data={"text": t, "intent": i}) for i, texts in examples.items() for t in texts
        ]))
        msg = message(question, ("lp_vdab_account", 0.5), ("lp_publiciteit", 0.5))
        component.process([msg])
        winners[with_topics] = ranked(msg)[0]
    assert winners[True][0] == "lp_publiciteit"
    assert winners[True][1] > winners[False][1] or winners[False][0] != "lp_publiciteit"


def test_the_training_cache_fingerprint_follows_the_knowledge(monkeypatch):
    """Rasa restores unchanged components from its cache: edited topic answers must retrain LexicalVote."""
    import bot.nlp.lexical_vote as module

    before = LexicalVote.fingerprint_addon({})
    monkeypatch.setattr(module, "topic_texts", lambda: [("een nieuw antwoord uit versie 7", "bvs_wat")])
    assert LexicalVote.fingerprint_addon({}) != before
    assert LexicalVote.fingerprint_addon({"topic_texts": False}) == LexicalVote.fingerprint_addon({"topic_texts": False})


def test_with_the_sentence_vectors_the_model_is_stored_loaded_and_still_blends(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("lexical_vote_dense")
    config = {"dense_weight": 1.0, "topic_texts": False}
    component = LexicalVote.create(config, storage, resource, None)
    examples = [Message(data={"text": t, "intent": i}) for i, texts in TRAINING.items() for t in texts]
    component.train(TrainingData(training_examples=examples))
    loaded = LexicalVote.load(config, storage, resource, None)
    assert "sentence" in dict(loaded.state[0].transformer_list)
    msg = message("fin nr voor de bvs?", ("bvs_wat", 0.55), ("bvs_financieringsnummer", 0.45))
    loaded.process([msg])
    assert msg.get("intent")["name"] == "bvs_financieringsnummer"
