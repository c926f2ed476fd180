"""The Dutch spaCy pipeline: Dutch tokenizer, offline lemmas and glossary entities.

The default (`base="blank"`) is a pipeline the project builds itself, because no Dutch spaCy
model can be installed from PyPI: `spacy.blank("nl")` + `lemmatizer` (lookup tables from
spacy-lookups-data, offline) + `entity_ruler` with one phrase pattern per glossary name and
variant (matched on LOWER, so case does not matter; the longest match wins). A site that can
install a spaCy package (e.g. `nl_core_news_sm`) may name it instead; our entity ruler is then
added before its `ner`.

Only spaCy's built-in factories are used, so the saved pipeline loads with a plain
`spacy.load(DIR)` (and Rasa's `SpacyNLP: {model: DIR}`) without importing this package.

Error codes (`bot.errors.PipelineError`), never reused:

- N001  the base model named by the setting `spacy_base_model` is not an installed package
- N002  two glossary terms claim the same name or variant (case-insensitive)
- N003  a glossary term is malformed (no id, unknown label, name/variants not text)
- N004  the pipeline to load does not exist (neither a directory nor an installed package)
- N005  the pipeline exists but spaCy cannot load it
- N006  `output_dir` exists but is not a spaCy pipeline (refused to overwrite it)
- N007  the base model already has a component named `entity_ruler`
- N008  a name or variant equals the id of another term (Rasa's synonyms would confuse them)
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from bot.errors import PipelineError
from bot.knowledge.schema import TERM_LABELS

if TYPE_CHECKING:  # importing spaCy pulls in thinc and TensorFlow (seconds): only when needed
    from spacy.language import Language

logger = logging.getLogger(__name__)

#: `base` value for the pipeline the project builds itself from spaCy's Dutch language data.
BLANK = "blank"
#: Name of our component in the saved pipeline.
RULER_NAME = "entity_ruler"
#: Configuration of our entity ruler.
RULER_CONFIG = {"phrase_matcher_attr": "LOWER", "overwrite_ents": True}
#: What and how we build; a change in behaviour gets a new version (and forces a rebuild).
BUILDER = "draaiboek.pipeline.v1"
#: Key in `nlp.meta` (meta.json) under which the build records its fingerprint.
META_KEY = "draaiboek"
#: The setting that names the base model (config.yml), quoted in error messages.
SETTING = "spacy_base_model"


# --- glossary -> entity-ruler patterns ---------------------------------------------------------


def _normalise(text: str) -> str:
    """The form two variants are compared in: case-insensitive (as spaCy's LOWER), single spaces."""
    return " ".join(text.split()).lower()


def _term_forms(term: Mapping[str, Any]) -> tuple[str, str, list[str]]:
    """(id, label, [name, *variants]) of a glossary term, whitespace-normalised."""
    term_id = term.get("id")
    if not isinstance(term_id, str) or not term_id.strip():
        raise PipelineError("N003", f"glossary: term zonder geldige id: {dict(term)!r}")
    label = term.get("label")
    if label not in TERM_LABELS:
        raise PipelineError(
            "N003",
            f"glossary#{term_id}.label: onbekend label {label!r} (bekend: {', '.join(TERM_LABELS)})",
        )
    name = term.get("name")
    variants = term.get("variants") or []
    if not isinstance(variants, list):
        raise PipelineError("N003", f"glossary#{term_id}.variants: moet een lijst van teksten zijn")
    forms = []
    for form in [name, *variants]:
        if not isinstance(form, str) or not form.strip():
            raise PipelineError(
                "N003", f"glossary#{term_id}: naam en varianten moeten niet-lege teksten zijn, niet {form!r}"
            )
        forms.append(" ".join(form.split()))
    return term_id, label, forms


def glossary_patterns(glossary: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Entity-ruler phrase patterns for the glossary terms.

    glossary (iterable of dict): glossary records (`load_knowledge(dir).records["glossary"]`).
    RETURNS (list of dict): `{"label": term label, "pattern": text, "id": term id}` for every
        term's name and each variant, in glossary order, without case-insensitive duplicates.

    Raises PipelineError N002 if two terms claim the same name or variant, N008 if a name or
    variant equals another term's id, N003 if a term is malformed.
    """
    terms = list(glossary)
    patterns: list[dict[str, str]] = []
    claimed: dict[str, tuple[str, str]] = {}  # normalised form -> (term id, form as written)
    for term in terms:
        term_id, label, forms = _term_forms(term)
        for form in forms:
            key = _normalise(form)
            if key in claimed:
                other_id, other_form = claimed[key]
                if other_id != term_id:
                    raise PipelineError(
                        "N002",
                        f"glossary: de variant {form!r} staat bij twee termen: '{other_id}' "
                        f"({other_form!r}) en '{term_id}'. Een variant mag maar bij één term staan "
                        f"(hoofdletters tellen niet mee); schrap ze bij één van beide.",
                    )
                continue
            claimed[key] = (term_id, form)
            patterns.append({"label": label, "pattern": form, "id": term_id})
    for term in terms:
        key = _normalise(term["id"])
        if key in claimed and claimed[key][0] != term["id"]:
            other_id, form = claimed[key]
            raise PipelineError(
                "N008",
                f"glossary#{other_id}: de variant {form!r} is gelijk aan de id van term '{term['id']}'; "
                f"Rasa's synoniemen zouden die twee verwarren. Geef '{term['id']}' een andere id "
                f"of schrap de variant.",
            )
    return patterns


# --- fingerprint ------------------------------------------------------------------------------


def _distribution_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _fingerprint(patterns: list[dict[str, str]], base: str) -> str:
    """sha256 over everything the saved pipeline depends on."""
    payload = {
        "builder": BUILDER,
        "base": base,
        # the base's own version (a model upgrade) or, for blank, the lemma tables' version
        "base_version": _distribution_version("spacy-lookups-data" if base == BLANK else base),
        "spacy": _distribution_version("spacy"),
        "ruler": RULER_CONFIG,
        "patterns": patterns,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pipeline_is_current(glossary: Iterable[Mapping[str, Any]], base: str, output_dir: str | Path) -> bool:
    """Whether the pipeline saved in `output_dir` was built from this glossary and base.

    Compares the fingerprint `build_pipeline` wrote into meta.json (key `draaiboek`) with the
    one of the glossary patterns, base, base version, spaCy version and builder version.
    RETURNS (bool): False if the pipeline is missing, unreadable or built from something else.
    Raises PipelineError if the glossary itself is invalid (see `glossary_patterns`).
    """
    expected = _fingerprint(glossary_patterns(glossary), base)
    meta_path = Path(output_dir) / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    info = meta.get(META_KEY) if isinstance(meta, dict) else None
    return isinstance(info, dict) and info.get("fingerprint") == expected


# --- build -------------------------------------------------------------------------------------


def _missing_base_message(base: str) -> str:
    return (
        f"het spaCy-basismodel '{base}' (instelling `{SETTING}` in config.yml) is niet "
        f"geïnstalleerd. Installeer het pakket in deze Python-omgeving (bv. "
        f"`python -m spacy download {base}`, vereist internettoegang) of zet "
        f"`{SETTING}: {BLANK}` om de eigen Nederlandse pipeline te bouwen "
        f"(Nederlandse tokenizer, lemma's uit spacy-lookups-data en de termen uit de glossary)."
    )


def _make_blank() -> "Language":
    import spacy

    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("entity_ruler", name=RULER_NAME, config=RULER_CONFIG)
    # Loads the lemma tables; it also empties the entity ruler, so patterns come afterwards.
    nlp.initialize()
    nlp.meta["name"] = "draaiboek_nl"
    nlp.meta["description"] = "Nederlandse pipeline van de Draaiboek-assistent: tokenizer, lemma's, glossary-entiteiten."
    return nlp


def _load_base(base: str) -> "Language":
    import spacy

    if not spacy.util.is_package(base):
        raise PipelineError("N001", _missing_base_message(base))
    try:
        nlp = spacy.load(base)
    except (OSError, ValueError) as e:
        raise PipelineError("N005", f"spaCy-basismodel '{base}' kan niet geladen worden: {e}") from e
    if RULER_NAME in nlp.pipe_names:
        raise PipelineError(
            "N007", f"spaCy-basismodel '{base}' heeft al een component '{RULER_NAME}'; kies een ander model."
        )
    before = "ner" if "ner" in nlp.pipe_names else None
    nlp.add_pipe("entity_ruler", name=RULER_NAME, before=before, config=RULER_CONFIG)
    return nlp


def _check_output_dir(output_dir: Path) -> None:
    if output_dir.exists() and not (
        output_dir.is_dir() and ((output_dir / "meta.json").is_file() or not any(output_dir.iterdir()))
    ):
        raise PipelineError(
            "N006",
            f"{output_dir} bestaat al en is geen spaCy-pipeline; kies een andere map of verwijder ze.",
        )


def build_pipeline(
    glossary: Iterable[Mapping[str, Any]], *, base: str = BLANK, output_dir: str | Path
) -> Path:
    """Build the Dutch pipeline with the glossary entities and save it in `output_dir`.

    glossary (iterable of dict): glossary records.
    base (str): "blank" for the project's own pipeline, or the name of an installed spaCy
        package (the setting `spacy_base_model`), e.g. "nl_core_news_sm".
    output_dir (str or Path): directory to save into; an earlier build there is replaced.
    RETURNS (Path): `output_dir`. Its meta.json holds `draaiboek.fingerprint` for
        `pipeline_is_current`.

    Raises PipelineError: N001 base not installed, N002/N003/N008 glossary problems (raised
    before anything is written), N005 base unloadable, N006 `output_dir` is something else,
    N007 base already has an entity ruler.
    """
    started = time.perf_counter()
    patterns = glossary_patterns(glossary)
    output_dir = Path(output_dir)
    _check_output_dir(output_dir)

    nlp = _make_blank() if base == BLANK else _load_base(base)
    nlp.get_pipe(RULER_NAME).add_patterns(patterns)

    import spacy

    nlp.meta[META_KEY] = {
        "builder": BUILDER,
        "base": base,
        "spacy_version": spacy.about.__version__,
        "patterns": len(patterns),
        "fingerprint": _fingerprint(patterns, base),
    }

    # Save next to the target, then swap, so a failed build never leaves half a pipeline.
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = output_dir.parent / f".{output_dir.name}.building"
    if staging.exists():
        shutil.rmtree(staging)
    try:
        nlp.to_disk(staging)
        if output_dir.exists():
            shutil.rmtree(output_dir)
        staging.rename(output_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    logger.info(
        "Built spaCy pipeline (base %s, %d patterns) in %s in %.1f s",
        base, len(patterns), output_dir, time.perf_counter() - started,
    )
    return output_dir


# --- load --------------------------------------------------------------------------------------


def _looks_like_path(path_or_name: str | Path) -> bool:
    if isinstance(path_or_name, Path):
        return True
    text = str(path_or_name)
    return "/" in text or "\\" in text or text.startswith(".") or Path(text).exists()


def load_pipeline(path_or_name: str | Path) -> "Language":
    """Load a saved pipeline (a directory from `build_pipeline`) or an installed spaCy package.

    RETURNS (Language): the loaded `nlp`.
    Raises PipelineError N004 if there is no such directory or package (instead of spaCy's
    OSError), N005 if spaCy cannot load what is there.
    """
    import spacy

    if _looks_like_path(path_or_name):
        path = Path(path_or_name)
        if not (path / "meta.json").is_file() and not (path / "config.cfg").is_file():
            raise PipelineError(
                "N004",
                f"geen spaCy-pipeline gevonden in {path}; bouw ze met `python -m bot nlp build`.",
            )
        target: str | Path = path
    else:
        if not spacy.util.is_package(str(path_or_name)):
            raise PipelineError(
                "N004",
                f"spaCy-pipeline '{path_or_name}' niet gevonden: geen map en geen geïnstalleerd pakket. "
                f"Bouw de pipeline met `python -m bot nlp build` of installeer het pakket.",
            )
        target = str(path_or_name)
    try:
        return spacy.load(target)
    except (OSError, ValueError, KeyError) as e:
        raise PipelineError("N005", f"spaCy-pipeline {target} kan niet geladen worden: {e}") from e
