"""The fixed-fold intent scorer (bot/nlp/folds.py): the same folds every run, and the pipeline's blend."""
from __future__ import annotations

import numpy as np
import yaml

from bot.nlp.folds import blend, diet_config, load_examples
from tests.nlp.conftest import ROOT


def test_the_folds_are_the_same_every_run_and_every_intent_is_tested_in_each():
    first, second = load_examples(), load_examples()
    assert len(first.folds) == 5
    for (train_a, test_a), (train_b, test_b) in zip(first.folds, second.folds):
        assert np.array_equal(test_a, test_b) and np.array_equal(train_a, train_b)
        assert {first.intents[i] for i in test_a} == set(first.labels)
    tested = np.concatenate([test for _, test in first.folds])
    assert sorted(tested) == list(range(len(first.texts)))


def test_diets_pipeline_ends_with_diet_and_keeps_the_featurizers_before_it():
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [entry["name"] for entry in diet_config(config)["pipeline"]]
    assert names[-1] == "DIETClassifier"
    assert "bot.nlp.sentence_features.SentenceEncoderFeaturizer" in names
    assert not any("LexicalVote" in name or "Fallback" in name for name in names)


def test_the_blend_weighs_both_cuts_the_ranking_and_applies_the_concept_factors():
    diet = np.array([[0.6, 0.4, 0.0]])
    lexical = np.array([[0.1, 0.5, 0.4]])
    none = np.ones((1, 3))
    assert blend(diet, lexical, 0.0, none)[0] == 0
    factors = np.array([[1.0, 0.3, 1.0]])
    assert blend(diet, lexical, 0.7, none)[0] == 1  # 0.25, 0.47, 0.28
    assert blend(diet, lexical, 0.7, factors)[0] == 2  # 0.25, 0.14, 0.28
    assert blend(diet, lexical, 0.7, factors, ranking_length=1)[0] == 1  # only intent 1 is ranked
