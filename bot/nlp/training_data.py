"""Rasa NLU training data generated from the glossary: synonyms and lookup tables.

`data/nlu/lookups/glossary.yml` holds, in Rasa 3.1 YAML,

- one `synonym:` block per term: its name and every variant -> the term id. Rasa's
  `EntitySynonymMapper` lowercases both the synonym texts (when training) and the extracted
  entity value (when predicting), so one spelling per case-insensitive form is enough; the
  forms are the same as the spaCy patterns (`glossary_patterns`), which also guarantees that no
  form maps to two ids (Rasa would only warn and keep the last one).
- one `lookup:` table per entity label (traject, instrument, …) with the variants of its terms,
  for `RegexFeaturizer` / `RegexEntityExtractor` (set `case_sensitive: False` there: each
  variant is listed once, in one case).

The mapper only maps an entity value that equals a synonym text exactly (after lowercasing):
"beroepsverkennende stage" -> "bvs", but not "beroepsverkennende  stages!" — entity extractors
must deliver the span as the user typed it, as `SpacyEntityExtractor` does.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from bot.knowledge.schema import TERM_LABELS
from bot.nlp.pipeline import _normalise, _term_forms, glossary_patterns

logger = logging.getLogger(__name__)

HEADER = (
    "# GENERATED from knowledge/glossary.yml by `python -m bot kb generate` — do not edit by hand.\n"
)


def _scalar(text: str) -> str:
    """`text` as a YAML scalar: plain if it reads back as the same string, else double-quoted."""
    try:
        if yaml.safe_load(f"key: {text}") == {"key": text}:
            return text
    except yaml.YAMLError:
        pass
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _block(kind: str, name: str, examples: list[str]) -> str:
    lines = [f"- {kind}: {_scalar(name)}", "  examples: |"]
    lines += [f"    - {example}" for example in examples]
    return "\n".join(lines) + "\n"


def render_glossary_training_data(glossary: Iterable[Mapping[str, Any]]) -> str:
    """The text of the generated NLU file for these glossary terms.

    glossary (iterable of dict): glossary records (`load_knowledge(dir).records["glossary"]`).
    RETURNS (str): Rasa 3.1 YAML with a GENERATED header, one `synonym:` block per term
        (name and variants -> id) and one `lookup:` table per label (variants).
    Raises PipelineError for an invalid glossary (see `glossary_patterns`).
    """
    terms = list(glossary)
    patterns = glossary_patterns(terms)  # validates; the deduplicated forms per term

    forms_by_id: dict[str, list[str]] = {}
    for pattern in patterns:
        forms_by_id.setdefault(pattern["id"], []).append(pattern["pattern"])

    variants_by_label: dict[str, list[str]] = {label: [] for label in TERM_LABELS}
    seen: set[str] = set()
    for term in terms:
        term_id, label, forms = _term_forms(term)
        for variant in forms[1:]:  # forms[0] is the name
            key = _normalise(variant)
            if key not in seen:
                seen.add(key)
                variants_by_label[label].append(variant)

    blocks = [_block("synonym", term_id, forms) for term_id, forms in forms_by_id.items()]
    blocks += [_block("lookup", label, variants) for label, variants in variants_by_label.items() if variants]
    return HEADER + '\nversion: "3.1"\n\nnlu:\n' + "\n".join(blocks)


def glossary_training_data_is_current(glossary: Iterable[Mapping[str, Any]], path: str | Path) -> bool:
    """Whether the file at `path` is exactly what `render_glossary_training_data` gives now."""
    try:
        current = Path(path).read_text(encoding="utf-8")
    except OSError:
        return False
    return current == render_glossary_training_data(glossary)


def write_glossary_training_data(glossary: Iterable[Mapping[str, Any]], path: str | Path) -> bool:
    """(Re)write the generated NLU file at `path` if its content changed.

    RETURNS (bool): True if the file was written (new or changed), False if it was current.
    """
    path = Path(path)
    text = render_glossary_training_data(glossary)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    logger.info("Wrote %s", path)
    return True
