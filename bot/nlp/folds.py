"""Intent scores on fixed folds: a reproducible stand-in for `rasa test nlu --cross-validation`.

Rasa's cross-validation splits the data anew on every run, so two settings cannot be compared on
it. Here the intent examples of data/nlu are split once, `StratifiedKFold(5, shuffle=True,
random_state=0)`, and every example is scored by classifiers that never saw it:

- DIET: the pipeline of config.yml up to DIETClassifier, trained with `rasa train nlu` per fold; its
  rankings are kept in build/folds/ (keyed by pipeline and data), so a second run only blends;
- LexicalVote's regression, with its settings from config.yml (cheap: fitted here);
- their blend at several weights, with ConceptEvidence applied as in the pipeline.

Rasa's report undoes the FallbackClassifier's decision before scoring; so does this one (it scores
the top intent). `python -m bot nlp folds` prints the macro F1 of each and the weakest intents.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import yaml

from bot import settings
from bot.nlp import encoder

N_SPLITS = 5
SEED = 0
#: Blend weights of the regression tried when none are given.
WEIGHTS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass
class Examples:
    texts: list[str]
    intents: list[str]
    labels: list[str]  # every intent, sorted: the columns of the probability matrices
    folds: list[tuple[np.ndarray, np.ndarray]]  # (train, test) indices
    data: Any  # Rasa TrainingData of data/nlu (lookups and synonyms go with every fold)


def load_examples(nlu_dir: Path | None = None) -> Examples:
    from rasa.shared.nlu.training_data.loading import load_data
    from sklearn.model_selection import StratifiedKFold

    data = load_data(str(nlu_dir or settings.PROJECT_DIR / "data" / "nlu"))
    examples = [e for e in data.intent_examples if e.get("text")]
    texts, intents = [e.get("text") for e in examples], [e.get("intent") for e in examples]
    splitter = StratifiedKFold(n_splits=N_SPLITS, shuffle=True, random_state=SEED)
    folds = list(splitter.split(np.zeros(len(texts)), intents))
    return Examples(texts, intents, sorted(set(intents)), folds, data)


def component(config: dict, suffix: str) -> dict:
    """The pipeline entry whose name ends with `suffix` ({} if there is none)."""
    return next((dict(c) for c in config["pipeline"] if c["name"].endswith(suffix)), {})


# --- DIET ------------------------------------------------------------------------------------------


def diet_config(config: dict) -> dict:
    """config.yml's NLU pipeline up to and including DIETClassifier, without policies."""
    pipeline = []
    for entry in config["pipeline"]:
        pipeline.append(entry)
        if entry["name"] == "DIETClassifier":
            break
    return {key: config[key] for key in ("recipe", "language") if key in config} | {"pipeline": pipeline}


def _fold_data(examples: Examples, train: np.ndarray) -> str:
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = examples.data
    fold = TrainingData(
        training_examples=[e for e in data.intent_examples if e.get("text")],
        entity_synonyms=data.entity_synonyms, regex_features=data.regex_features, lookup_tables=data.lookup_tables,
    )
    fold.training_examples = [fold.training_examples[i] for i in train]
    return fold.nlu_as_yaml()


def diet_probabilities(examples: Examples, config: dict, cache_dir: Path, report: Callable[[str], None] = print) -> np.ndarray:
    """Out-of-fold DIET confidences, (examples, labels); each fold trained once and then cached."""
    pipeline = yaml.safe_dump(diet_config(config), sort_keys=True)
    # the encoder's code is part of what DIET sees when the pipeline has its featurizer
    code = "".join(
        (settings.PROJECT_DIR / "bot" / "nlp" / name).read_text(encoding="utf-8")
        for name in ("sentence_features.py", "encoder.py")
        if "SentenceEncoderFeaturizer" in pipeline
    )
    result = np.zeros((len(examples.texts), len(examples.labels)))
    column = {label: j for j, label in enumerate(examples.labels)}
    cache_dir.mkdir(parents=True, exist_ok=True)
    for k, (train, test) in enumerate(examples.folds):
        nlu = _fold_data(examples, train)
        key = hashlib.sha256((pipeline + code + nlu).encode()).hexdigest()[:16]
        cached = cache_dir / f"diet-{key}.json"
        if not cached.is_file():
            report(f"DIET fold {k + 1}/{len(examples.folds)} trainen …")
            rankings = _train_and_rank(pipeline, nlu, [examples.texts[i] for i in test])
            cached.write_text(json.dumps(rankings), encoding="utf-8")
        for i, ranking in zip(test, json.loads(cached.read_text(encoding="utf-8"))):
            for name, confidence in ranking:
                result[i, column[name]] = confidence
    return result


def _train_and_rank(pipeline: str, nlu: str, texts: list[str]) -> list[list[tuple[str, float]]]:
    from rasa.core.agent import Agent

    with tempfile.TemporaryDirectory(prefix="draaiboek-fold-") as tmp:
        work = Path(tmp)
        (work / "config.yml").write_text(pipeline, encoding="utf-8")
        (work / "nlu.yml").write_text(nlu, encoding="utf-8")
        # a separate process: each training's TensorFlow memory is returned when it ends
        subprocess.run(
            [str(Path(sys.executable).with_name("rasa")), "train", "nlu", "--config", str(work / "config.yml"),
             "--nlu", str(work / "nlu.yml"), "--out", str(work), "--fixed-model-name", "fold", "--quiet"],
            cwd=settings.PROJECT_DIR, check=True, stdout=subprocess.DEVNULL,
        )
        agent = Agent.load(str(work / "fold.tar.gz"))

        async def parse_all():
            return [await agent.parse_message(text) for text in texts]

        parsed = asyncio.run(parse_all())
    return [[(r["name"], float(r["confidence"])) for r in p.get("intent_ranking", [])] for p in parsed]


# --- LexicalVote's regression and ConceptEvidence --------------------------------------------------


def lexical_probabilities(
    examples: Examples, lexical: dict, vectors: Callable | None = None, cache_dir: Path | None = None
) -> np.ndarray:
    """Out-of-fold probabilities of LexicalVote's regression with the settings `lexical`; kept in
    `cache_dir` (when given, and `vectors` is the project's encoder) for the next run."""
    from bot.nlp import lexical_vote
    from bot.nlp.lexical_vote import LexicalVote, lexical_classifier, topic_texts

    settings_ = {**LexicalVote.get_default_config(), **lexical}
    extra = topic_texts() if settings_["topic_texts"] else []
    cached = None
    if cache_dir is not None and vectors is None:
        sources = [lexical_vote.__file__] + ([encoder.__file__] if settings_["dense_weight"] > 0 else [])
        key = json.dumps([settings_, examples.texts, examples.intents, extra], ensure_ascii=False, sort_keys=True)
        key += "".join(Path(source).read_text(encoding="utf-8") for source in sources)
        cached = cache_dir / f"lexical-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npy"
        if cached.is_file():
            return np.load(cached)
    options = {"vectors": vectors} if vectors is not None else {}
    result = np.zeros((len(examples.texts), len(examples.labels)))
    for train, test in examples.folds:
        pairs = [(examples.texts[i], examples.intents[i]) for i in train] + extra
        classifier = lexical_classifier(float(settings_["C"]), float(settings_["dense_weight"]), **options)
        classifier.fit([t for t, _ in pairs], [i for _, i in pairs])
        columns = [examples.labels.index(c) for c in classifier.classes_]
        result[np.ix_(test, columns)] = classifier.predict_proba([examples.texts[i] for i in test])
    if cached is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        np.save(cached, result)
    return result


def concept_factors(examples: Examples, config: dict) -> np.ndarray:
    """ConceptEvidence's factor for every (example, intent), learned without the example's fold."""
    from bot.nlp.pipeline import load_pipeline
    from bot.runner import spacy_settings

    evidence = component(config, "ConceptEvidence")
    if not evidence:
        return np.ones((len(examples.texts), len(examples.labels)))
    factor = float(evidence.get("absent_concept_factor", 0.3))
    nlp = load_pipeline(spacy_settings(config)[1])
    named = [{ent.ent_id_ for ent in doc.ents if ent.ent_id_} for doc in nlp.pipe(examples.texts)]
    result = np.ones((len(examples.texts), len(examples.labels)))
    for train, test in examples.folds:
        known = {label: set() for label in examples.labels}
        for i in train:
            known[examples.intents[i]] |= named[i]
        for i in test:
            result[i] = [factor ** len(named[i] - known[label]) for label in examples.labels]
    return result


# --- blending and scores ---------------------------------------------------------------------------


def blend(diet: np.ndarray, lexical: np.ndarray, weight: float, factors: np.ndarray, ranking_length: int = 20) -> np.ndarray:
    """Top intent per example: LexicalVote's blend, cut to its ranking, then ConceptEvidence."""
    blended = (1 - weight) * diet + weight * lexical
    cut = np.argsort(-blended, axis=1)[:, ranking_length:]
    np.put_along_axis(blended, cut, 0.0, axis=1)
    return np.argmax(blended * factors, axis=1)


def scores(examples: Examples, predicted: np.ndarray) -> dict:
    """sklearn's classification report (as Rasa's), with predicted label indices."""
    from sklearn.metrics import classification_report

    names = [examples.labels[j] for j in predicted]
    return classification_report(examples.intents, names, output_dict=True, zero_division=0)


def weakest(report: dict, n: int = 15) -> list[tuple[str, dict]]:
    rows = [(name, row) for name, row in report.items() if isinstance(row, dict) and not name.endswith(" avg")]
    return sorted(rows, key=lambda item: (item[1]["f1-score"], item[0]))[:n]


def evaluate(
    config: dict, *, weights: Sequence[float] = WEIGHTS, with_diet: bool = True, report: Callable[[str], None] = print
) -> dict:
    """Macro F1 of DIET, the regression and their blends on the fixed folds; the per-intent report
    of the blend at the configured weight (or of the regression alone, without DIET)."""
    examples = load_examples()
    cache_dir = settings.PROJECT_DIR / "build" / "folds"
    diet = diet_probabilities(examples, config, cache_dir, report) if with_diet else None
    lexical_settings = component(config, "LexicalVote")
    lexical = lexical_probabilities(examples, lexical_settings, cache_dir=cache_dir)
    factors = concept_factors(examples, config)
    results: dict[str, Any] = {"examples": len(examples.texts), "intents": len(examples.labels), "macro_f1": {}}
    results["macro_f1"]["lexical"] = scores(examples, np.argmax(lexical, axis=1))["macro avg"]["f1-score"]
    chosen = scores(examples, blend(np.zeros_like(lexical), lexical, 1.0, factors))
    if diet is not None:
        results["macro_f1"]["diet"] = scores(examples, np.argmax(diet, axis=1))["macro avg"]["f1-score"]
        for weight in weights:
            results["macro_f1"][f"blend {weight:.2f}"] = scores(examples, blend(diet, lexical, weight, factors))["macro avg"]["f1-score"]
        configured = float(lexical_settings.get("weight", 0.7))
        chosen = scores(examples, blend(diet, lexical, configured, factors))
    results["report"] = chosen
    return results
