"""Rasa training data generated from the glossary (bot/nlp/training_data.py)."""
from __future__ import annotations

import copy
import warnings

import pytest

from bot.errors import PipelineError
from bot.knowledge.schema import TERM_LABELS
from bot.nlp import (
    glossary_training_data_is_current,
    render_glossary_training_data,
    write_glossary_training_data,
)
from bot.nlp.training_data import HEADER


@pytest.fixture(scope="module")
def training_data(glossary, tmp_path_factory):
    """The generated file as Rasa's own loader reads it; any Rasa warning fails the test."""
    from rasa.shared.nlu.training_data.loading import load_data

    path = tmp_path_factory.mktemp("nlu") / "glossary.yml"
    path.write_text(render_glossary_training_data(glossary), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        return load_data(str(path))


@pytest.fixture(scope="module")
def synonym_mapper(training_data, tmp_path_factory):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.extractors.entity_synonyms import EntitySynonymMapper

    mapper = EntitySynonymMapper.create(
        {},
        LocalModelStorage(tmp_path_factory.mktemp("storage")),
        Resource("synonyms"),
        ExecutionContext(GraphSchema({})),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "conflicting synonym definitions"
        mapper.train(training_data)
    return mapper


def map_value(mapper, entity, value):
    from rasa.shared.nlu.training_data.message import Message

    message = Message.build(text=value)
    message.set("entities", [{"entity": entity, "value": value, "start": 0, "end": len(value)}])
    mapper.process([message])
    return message.get("entities")[0]["value"]


def test_training_data_starts_with_generated_header(glossary):
    text = render_glossary_training_data(glossary)
    assert text.startswith(HEADER)
    assert text.splitlines()[0] == (
        "# GENERATED from knowledge/glossary.yml by `python -m bot kb generate` — do not edit by hand."
    )
    assert '\nversion: "3.1"\n' in text


def test_training_data_has_synonym_per_term(glossary, training_data):
    ids = {t["id"] for t in glossary}
    assert set(training_data.entity_synonyms.values()) == ids
    for t in glossary:
        keys = {k.lower() for k, v in training_data.entity_synonyms.items() if v == t["id"]}
        assert {" ".join(f.split()).lower() for f in [t["name"], *t["variants"]]} == keys


def test_training_data_has_lookup_per_label(glossary, training_data):
    tables = {table["name"]: table["elements"] for table in training_data.lookup_tables}
    assert set(tables) == {t["label"] for t in glossary} and set(tables) <= set(TERM_LABELS)
    for t in glossary:
        for variant in t["variants"]:
            assert variant.lower() in {e.lower() for e in tables[t["label"]]}
    for elements in tables.values():
        assert len({e.lower() for e in elements}) == len(elements)


@pytest.mark.parametrize(
    "entity,value,term_id",
    [
        ("instrument", "beroepsverkennende stage", "bvs"),
        ("instrument", "Beroepsverkennende Stage", "bvs"),
        ("instrument", "BVS", "bvs"),
        ("instrument", "bvs", "bvs"),
        ("traject", "LP's", "lp"),
        ("traject", "lp's", "lp"),
        ("traject", "TWE-OCMW", "twe-ocmw"),
        ("context", "buiten twe", "buiten-twe"),
        ("status", "nog niet ingeschreven", "niet-ingeschreven"),
        ("instrument", "klantendossier", "klantendossier"),
        ("instrument", "KLANTENDOSSIER", "klantendossier"),
        ("traject", "combinatietraject", "combinatietraject"),
    ],
)
def test_training_data_synonyms_map_to_term_id(synonym_mapper, entity, value, term_id):
    assert map_value(synonym_mapper, entity, value) == term_id


def test_training_data_unknown_value_is_left_alone(synonym_mapper):
    assert map_value(synonym_mapper, "instrument", "iets anders") == "iets anders"


def test_training_data_write_reports_change(glossary, tmp_path):
    path = tmp_path / "lookups" / "glossary.yml"
    assert not glossary_training_data_is_current(glossary, path)
    assert write_glossary_training_data(glossary, path) is True
    assert glossary_training_data_is_current(glossary, path)
    assert write_glossary_training_data(glossary, path) is False
    changed = copy.deepcopy(glossary)
    changed[0]["variants"].append("lokaal partnerschapje")
    assert not glossary_training_data_is_current(changed, path)
    assert write_glossary_training_data(changed, path) is True
    assert "    - lokaal partnerschapje\n" in path.read_text(encoding="utf-8")


def test_training_data_quotes_names_yaml_would_misread(tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    glossary = [
        {"id": "yes", "label": "status", "name": "ja", "variants": ["ja"]},
        {"id": "1", "label": "status", "name": "een", "variants": ["een: twee", "# geen commentaar"]},
    ]
    path = tmp_path / "glossary.yml"
    write_glossary_training_data(glossary, path)
    data = load_data(str(path))
    assert data.entity_synonyms == {"ja": "yes", "een": "1", "een: twee": "1", "# geen commentaar": "1"}


def test_training_data_duplicate_variant_raises():
    glossary = [
        {"id": "a", "label": "traject", "name": "LP", "variants": ["LP"]},
        {"id": "b", "label": "traject", "name": "partnerschap", "variants": ["lp"]},
    ]
    with pytest.raises(PipelineError, match="N002"):
        render_glossary_training_data(glossary)
