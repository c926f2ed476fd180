"""The PassageNeighbours NLU component (bot/nlp/passage_neighbours.py): the source sentences nearest
in meaning to a message, from the real knowledge base and the real encoder."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from bot.answering.passage import NEIGHBOURS
from bot.knowledge import KnowledgeBase
from bot.nlp import encoder
from bot.nlp.passage_neighbours import PassageNeighbours, PassageVectors

#: worded otherwise than the HIVA report's "De eerste fase van de proeftuin resulteerde namelijk in een
#: samenwerkingsovereenkomst tussen de VDAB en OCMW Mortsel."
OTHER_WORDS = "werd er in Mortsel na de eerste fase een akkoord gesloten tussen vdab en ocmw"


@pytest.fixture(scope="module")
def vectors(kb_path, tmp_path_factory):
    return PassageVectors.of(kb_path, tmp_path_factory.mktemp("build"))


def component(tmp_path, monkeypatch, db_path, **config) -> PassageNeighbours:
    monkeypatch.setenv("DRAAIBOEK_DB", str(db_path))
    monkeypatch.setenv("DRAAIBOEK_BUILD_DIR", str(tmp_path / "build"))
    context = ExecutionContext(graph_schema=None, node_name="passage_neighbours")
    return PassageNeighbours.create(config, LocalModelStorage(tmp_path), Resource("passage_neighbours"), context)


def test_a_question_in_other_words_finds_the_sentence_that_answers_it(vectors, kb_path):
    nearest = vectors.nearest(encoder.encode([OTHER_WORDS])[0], 3)
    first = KnowledgeBase(kb_path).passages_at([(nearest[0]["document"], nearest[0]["section"], nearest[0]["position"])])
    assert "samenwerkingsovereenkomst tussen de VDAB en OCMW Mortsel" in first[0]["text"]
    assert [n["similarity"] for n in nearest] == sorted((n["similarity"] for n in nearest), reverse=True)


def test_every_passage_has_the_vector_of_its_own_text(vectors, kb_path):
    kb = KnowledgeBase(kb_path)
    for key in (vectors.keys[0], vectors.keys[len(vectors.keys) // 2], vectors.keys[-1]):
        text = kb.passages_at([key])[0]["text"]
        nearest = vectors.nearest(encoder.encode([text])[0], 1)[0]
        assert nearest["similarity"] == pytest.approx(1.0, abs=1e-3)
        # the same text may stand twice in the documents: then either key is right
        assert kb.passages_at([(nearest["document"], nearest["section"], nearest["position"])])[0]["text"] == text


def test_the_vectors_are_computed_once_per_passage_index(kb_path, tmp_path, monkeypatch):
    PassageVectors.of(kb_path, tmp_path)
    assert len(list(tmp_path.glob("passage_vectors-*.npy"))) == 1

    def not_again(texts):
        raise AssertionError("the kept vectors are read, not computed again")

    monkeypatch.setattr(encoder, "encode_all", not_again)
    assert len(PassageVectors.of(kb_path, tmp_path).keys) == KnowledgeBase(kb_path).db.execute(
        "select count(*) from passages").fetchone()[0]


def test_each_message_gets_its_nearest_sentences_as_keys_and_similarity_only(kb_path, tmp_path, monkeypatch):
    messages = [Message(data={"text": OTHER_WORDS}), Message(data={"text": "   "}), Message(data={"intent": "x"})]
    component(tmp_path, monkeypatch, kb_path, top_k=4).process(messages)
    found = messages[0].get(NEIGHBOURS)
    assert len(found) == 4
    assert set(found[0]) == {"document", "section", "position", "similarity"}  # no text is copied
    assert NEIGHBOURS in messages[0].as_dict(only_output_properties=True)  # Rasa's parse data has it
    assert messages[1].get(NEIGHBOURS) is None and messages[2].get(NEIGHBOURS) is None


@pytest.mark.parametrize("broken", ["missing", "corrupt"])
def test_an_unreadable_knowledge_base_gives_no_neighbours_and_no_failure(tmp_path, monkeypatch, broken):
    db_path = tmp_path / "knowledge.db"
    if broken == "corrupt":
        db_path.write_bytes(b"dit is geen SQLite-bestand" * 100)
    message = Message(data={"text": OTHER_WORDS})
    component(tmp_path, monkeypatch, db_path).process([message])
    assert message.get(NEIGHBOURS) is None
    assert not (tmp_path / "build").exists() or not list((tmp_path / "build").glob("passage_vectors-*"))

