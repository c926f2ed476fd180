"""The Dutch spaCy pipeline built from the real glossary (bot/nlp/pipeline.py)."""
from __future__ import annotations

import copy
import json

import pytest
import spacy

from bot.errors import PipelineError
from bot.nlp import build_pipeline, glossary_patterns, load_pipeline, pipeline_is_current
from bot.nlp.training_data import render_glossary_training_data

MISSING_BASE = "nl_core_news_sm" if not spacy.util.is_package("nl_core_news_sm") else "nl_draaiboek_bestaat_niet"


@pytest.fixture(scope="module")
def pipeline_dir(glossary, tmp_path_factory):
    return build_pipeline(glossary, output_dir=tmp_path_factory.mktemp("nlp") / "pipeline")


@pytest.fixture(scope="module")
def nlp(pipeline_dir):
    """The saved pipeline as loaded from disk (what Rasa gets), not the in-memory one."""
    return load_pipeline(pipeline_dir)


def ents(nlp, text):
    return [(ent.text, ent.ent_id_, ent.label_) for ent in nlp(text).ents]


def term(term_id, label, *variants, name=None):
    return {"id": term_id, "label": label, "name": name or variants[0], "variants": list(variants), "sources": []}


# --- entities ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("fin nr bvs buiten twe?", [("bvs", "bvs", "instrument"), ("buiten twe", "buiten-twe", "context")]),
        (
            "mag een losse werkervaringsstage als combinatietraject?",
            [("losse werkervaringsstage", "wes-los", "instrument"), ("combinatietraject", "combinatietraject", "traject")],
        ),
        (
            "hoe start ik een combinatietraject als mijn klant nog niet ingeschreven is bij VDAB?",
            [
                ("combinatietraject", "combinatietraject", "traject"),
                ("nog niet ingeschreven", "niet-ingeschreven", "status"),
                ("VDAB", "vdab", "organisatie"),
            ],
        ),
        ("ne leefloner in het LP", [("leefloner", "leefloon", "status"), ("LP", "lp", "traject")]),
        ("registratie in TWE-OCMW", [("in TWE-OCMW", "binnen-twe", "context")]),
        # "niet onder": outside TWE, whatever the shorter "onder twe" inside it says
        ("een bvs die niet onder twe ocmw valt", [("bvs", "bvs", "instrument"), ("niet onder twe ocmw", "buiten-twe", "context")]),
        ("wat is TWE-OCMW juist", [("TWE-OCMW", "twe-ocmw", "traject")]),
        ("twe-ocmw of tweocmw", [("twe-ocmw", "twe-ocmw", "traject"), ("tweocmw", "twe-ocmw", "traject")]),
        ("een klant die al ingeschreven is", [("al ingeschreven", "ingeschreven", "status")]),
        # a bare "ingeschreven" is no term: negations like "nooit … ingeschreven" would flip its meaning
        ("mijn cliënt heeft nooit bij VDAB ingeschreven gestaan", [("nooit bij VDAB ingeschreven", "niet-ingeschreven", "status")]),
        ("mijn cliënt is nog nooit ingeschreven", [("nog nooit ingeschreven", "niet-ingeschreven", "status")]),
        ("de VDAB-adviseur of de vdab-adviseurs", [("VDAB-adviseur", "vdab-adviseur", "rol"), ("vdab-adviseurs", "vdab-adviseur", "rol")]),
        ("hoeveel LP's zijn er", [("LP's", "lp", "traject")]),
        ("hoeveel LP’s zijn er", [("LP", "lp", "traject")]),  # curly apostrophe: "LP" + "’s"
        ("een werkervaringsstage", [("werkervaringsstage", "wes", "instrument")]),
    ],
)
def test_pipeline_finds_glossary_entities(nlp, text, expected):
    assert ents(nlp, text) == expected


@pytest.mark.parametrize("text", ["BVS", "bvs", "Bvs", "BEROEPSVERKENNENDE STAGE", "Beroepsverkennende Stage"])
def test_pipeline_ignores_case(nlp, text):
    assert ents(nlp, f"wat is een {text}?") == [(text, "bvs", "instrument")]


@pytest.mark.parametrize(
    "text,longest,shorter",
    [
        ("bvs buiten TWE", "buiten TWE", "TWE"),
        ("klant niet ingeschreven bij VDAB", "niet ingeschreven bij VDAB", "VDAB"),
        ("een losse werkervaringsstage", "losse werkervaringsstage", "werkervaringsstage"),
        ("BVS buiten TWE-OCMW", "buiten TWE-OCMW", "TWE-OCMW"),
    ],
)
def test_pipeline_prefers_longest_match(nlp, text, longest, shorter):
    found = [ent.text for ent in nlp(text).ents]
    assert longest in found and shorter not in found


def test_pipeline_matches_every_glossary_form(nlp, glossary):
    """Every name and variant, in any case, is found as its own term (none is shadowed or split)."""
    failures = []
    for pattern in glossary_patterns(glossary):
        for form in (pattern["pattern"], pattern["pattern"].lower(), pattern["pattern"].upper()):
            for text in (f"vraag over {form} ?", form):
                if (form, pattern["id"], pattern["label"]) not in ents(nlp, text):
                    failures.append(text)
    assert failures == []


def test_pipeline_tokenizes_hyphens_and_apostrophes_as_one_token(nlp):
    for text in ("TWE-OCMW", "60§7", "LP's", "VDAB-adviseur"):
        assert [t.text for t in nlp(text)] == [text]


# --- lemmas ------------------------------------------------------------------------------------


@pytest.mark.parametrize("word,lemma", [("cliënten", "cliënt"), ("stages", "stage"), ("gingen", "gaan"), ("Stages", "stage")])
def test_pipeline_lemmatizes_offline(nlp, word, lemma):
    assert nlp(word)[0].lemma_ == lemma


# --- build / load / freshness ------------------------------------------------------------------


def test_pipeline_saves_only_builtin_components(pipeline_dir, nlp):
    assert nlp.pipe_names == ["lemmatizer", "entity_ruler"]
    meta = json.loads((pipeline_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["lang"] == "nl"
    assert meta["draaiboek"]["base"] == "blank"
    assert len(meta["draaiboek"]["fingerprint"]) == 64


def test_pipeline_missing_base_names_setting(glossary, tmp_path):
    with pytest.raises(PipelineError) as caught:
        build_pipeline(glossary, base=MISSING_BASE, output_dir=tmp_path / "pipeline")
    assert caught.value.code == "N001"
    assert "spacy_base_model" in str(caught.value) and MISSING_BASE in str(caught.value)
    assert "blank" in str(caught.value)
    assert not (tmp_path / "pipeline").exists()


def test_pipeline_base_package_gets_ruler_before_ner(glossary, tmp_path, monkeypatch):
    """An installed base model (faked here: none can be installed offline) keeps its ner after our ruler."""
    base_nlp = spacy.blank("nl")
    base_nlp.add_pipe("ner").add_label("PER")
    base_nlp.initialize()
    monkeypatch.setattr(spacy.util, "is_package", lambda name: name == "nl_fake_model")
    monkeypatch.setattr(spacy, "load", lambda name, **kwargs: base_nlp)
    out = build_pipeline(glossary, base="nl_fake_model", output_dir=tmp_path / "pipeline")
    monkeypatch.undo()
    loaded = load_pipeline(out)
    assert loaded.pipe_names == ["entity_ruler", "ner"]
    assert ("BVS", "bvs", "instrument") in ents(loaded, "een BVS buiten TWE")
    assert pipeline_is_current(glossary, "nl_fake_model", out)
    assert not pipeline_is_current(glossary, "blank", out)


def test_pipeline_duplicate_variant_names_both_terms():
    glossary = [term("twe-ocmw", "traject", "TWE-OCMW", "TWE"), term("buiten-twe", "context", "buiten TWE", "twe")]
    with pytest.raises(PipelineError) as caught:
        glossary_patterns(glossary)
    assert caught.value.code == "N002"
    assert "twe-ocmw" in str(caught.value) and "buiten-twe" in str(caught.value)


def test_pipeline_duplicate_variant_stops_build_before_writing(tmp_path):
    glossary = [term("a", "traject", "LP"), term("b", "traject", "lp")]
    with pytest.raises(PipelineError, match="N002"):
        build_pipeline(glossary, output_dir=tmp_path / "pipeline")
    assert not (tmp_path / "pipeline").exists()


def test_pipeline_variant_equal_to_other_id_is_refused():
    glossary = [term("wes", "instrument", "werkervaringsstage"), term("wes-los", "instrument", "losse WES", "wes")]
    with pytest.raises(PipelineError) as caught:
        glossary_patterns(glossary)
    assert caught.value.code in ("N002", "N008")
    assert "wes-los" in str(caught.value)


def test_pipeline_patterns_deduplicate_within_a_term():
    patterns = glossary_patterns([term("klantendossier", "instrument", "Klantendossier", "klantendossier", "KD", "kd")])
    assert [p["pattern"] for p in patterns] == ["Klantendossier", "KD"]
    assert {p["id"] for p in patterns} == {"klantendossier"}


def test_pipeline_unknown_label_is_refused():
    with pytest.raises(PipelineError, match="N003"):
        glossary_patterns([term("x", "ding", "x")])


def test_pipeline_is_current_flips_when_glossary_changes(glossary, pipeline_dir):
    assert pipeline_is_current(glossary, "blank", pipeline_dir)
    changed = copy.deepcopy(glossary)
    changed[0]["variants"].append("lokaal partnerschapje")
    assert not pipeline_is_current(changed, "blank", pipeline_dir)
    assert not pipeline_is_current(glossary, MISSING_BASE, pipeline_dir)


def test_pipeline_is_current_false_without_pipeline(glossary, tmp_path):
    assert not pipeline_is_current(glossary, "blank", tmp_path / "nergens")


def test_pipeline_rebuild_replaces_earlier_build(tmp_path):
    out = tmp_path / "pipeline"
    first = [term("bvs", "instrument", "BVS")]
    second = [term("wes", "instrument", "WES")]
    build_pipeline(first, output_dir=out)
    build_pipeline(second, output_dir=out)
    assert pipeline_is_current(second, "blank", out)
    assert ents(load_pipeline(out), "BVS en WES") == [("WES", "wes", "instrument")]
    assert [p.name for p in tmp_path.iterdir()] == ["pipeline"]  # no staging directory left


def test_pipeline_refuses_to_overwrite_other_directory(tmp_path):
    (tmp_path / "notities.txt").write_text("niet van ons", encoding="utf-8")
    with pytest.raises(PipelineError, match="N006"):
        build_pipeline([term("bvs", "instrument", "BVS")], output_dir=tmp_path)
    assert (tmp_path / "notities.txt").exists()


def test_pipeline_load_missing_raises_pipeline_error(tmp_path):
    with pytest.raises(PipelineError, match="N004"):
        load_pipeline(tmp_path / "nergens")
    with pytest.raises(PipelineError, match="N004"):
        load_pipeline("nl_draaiboek_bestaat_niet")


# --- Rasa ---------------------------------------------------------------------------------------


def test_pipeline_loads_in_rasa_and_extracts_entities(glossary, pipeline_dir, tmp_path):
    """Rasa's own loader (SpacyNLP, as with `model: DIR` in config.yml), its SpacyEntityExtractor and
    its EntitySynonymMapper trained on the generated glossary data turn text into term ids."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.extractors.entity_synonyms import EntitySynonymMapper
    from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
    from rasa.nlu.utils.spacy_utils import SpacyNLP
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.message import Message

    model = SpacyNLP.load_model(str(pipeline_dir))
    SpacyNLP.ensure_proper_language_model(model.model)
    extractor = SpacyEntityExtractor(SpacyEntityExtractor.get_default_config())

    data_file = tmp_path / "glossary.yml"
    data_file.write_text(render_glossary_training_data(glossary), encoding="utf-8")
    (tmp_path / "storage").mkdir()
    mapper = EntitySynonymMapper.create(
        {},
        LocalModelStorage(tmp_path / "storage"),
        Resource("synonyms"),
        ExecutionContext(GraphSchema({})),
    )
    mapper.train(load_data(str(data_file)))

    message = Message.build(text="Fin nr BVS buiten TWE-OCMW voor ne leefloner?")
    extractor.process([message], model)
    mapper.process([message])
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
        ("instrument", "bvs"),
        ("context", "buiten-twe"),
        ("status", "leefloon"),
    ]
