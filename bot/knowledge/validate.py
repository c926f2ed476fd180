"""Check the knowledge files before anything is built from them.

Every problem names file, record id and field, in Dutch, so an editor knows what to fix:
``[K023] lp_combinatietrajecten.yml:355#lp-bvs-wat.sources[0].section: onbekende sectie '3.9' in document lp``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from bot.errors import Problem, ValidationFailed
from bot.knowledge.load import Knowledge
from bot.knowledge.schema import CITATION_FIELDS, KINDS, TERM_LABELS, Kind
from bot.knowledge.sources import Section, contains_passage, cut_sections, normalise, read_source

#: Tokens an answer may only state when its cited sections contain them: anything with a
#: digit (numbers, codes, phone numbers, dates) and e-mail addresses.
_FACT_TOKEN = re.compile(r"[\w.+-]+@[\w.-]+\w|\w*\d[\w/.,-]*\w|\d")


def validate(knowledge: Knowledge, sources_dir: Path) -> list[Problem]:
    """Every problem in `knowledge`; an empty list means it may be built."""
    problems: list[Problem] = []
    problems += list(_check_records(knowledge))
    sections, section_problems = _document_sections(knowledge, sources_dir)
    problems += section_problems
    problems += list(_check_citations(knowledge, sections))
    problems += list(_check_references(knowledge))
    problems += list(_check_grounding(knowledge, sections))
    problems += list(_check_background_status(knowledge))
    problems += list(_check_versions(knowledge))
    for problem in problems:
        problem.line = knowledge.lines.get((problem.file, problem.record_id or ""))
    return problems


def validate_or_raise(knowledge: Knowledge, sources_dir: Path) -> dict[tuple[str, str], Section]:
    """Validate; raise ValidationFailed listing every problem. Returns the located sections."""
    problems = validate(knowledge, sources_dir)
    if problems:
        raise ValidationFailed(problems)
    return _document_sections(knowledge, sources_dir)[0]


def fact_tokens(text: str) -> set[str]:
    """The tokens of `text` that state a number, code or address."""
    return {normalise(t) for t in _FACT_TOKEN.findall(text)}


def _check_records(knowledge: Knowledge) -> Iterator[Problem]:
    seen: dict[tuple[str, str], str] = {}
    for kind_name, file, record in knowledge.all_records:
        kind = KINDS[kind_name]
        record_id = record.get("id")
        if not isinstance(record_id, str) or not record_id.strip():
            yield Problem("K010", file, None, "id", f"record onder '{kind_name}' zonder id")
            continue
        if (kind_name, record_id) in seen:
            yield Problem("K011", file, record_id, "id", f"dubbele id (ook in {seen[(kind_name, record_id)]})")
        seen.setdefault((kind_name, record_id), file)
        for name in kind.required:
            if record.get(name) in (None, "", []):
                yield Problem("K012", file, record_id, name, "verplicht veld ontbreekt of is leeg")
        for name in record:
            if name not in kind.fields:
                yield Problem("K013", file, record_id, name, f"onbekend veld (toegelaten: {', '.join(kind.fields)})")
        for name in kind.dutch_text:
            value = record.get(name)
            if name in record and (not isinstance(value, str) or not value.strip()):
                yield Problem("K014", file, record_id, name, "lege Nederlandse tekst")
        for name, allowed in kind.choices.items():
            if name in record and record[name] not in allowed:
                yield Problem("K015", file, record_id, name, f"'{record[name]}' is geen van: {', '.join(allowed)}")
        for i, variant in enumerate(record.get("variants") or [] if kind_name == "topics" else []):
            where = f"variants[{i}]"
            if not isinstance(variant, dict) or not str(variant.get("answer") or "").strip():
                yield Problem("K014", file, record_id, f"{where}.answer", "lege Nederlandse tekst")
            when = variant.get("when") if isinstance(variant, dict) else None
            if not isinstance(when, dict) or not when:
                yield Problem("K016", file, record_id, f"{where}.when", "variant zonder voorwaarde (label: [begrippen])")
                continue
            for condition in ("when", "unless"):
                for label in variant.get(condition) or {}:
                    if label not in TERM_LABELS:
                        yield Problem("K016", file, record_id, f"{where}.{condition}", f"onbekend label '{label}'")
        if kind_name == "topics" and "clarify" in record:
            yield from _check_clarify(file, record_id, record["clarify"])
        if kind_name == "rulings":
            from bot.answering.steps.ruling import range_problem  # the ruling step reads them; imported late

            for name in ("asks", "unless"):
                for i, line in enumerate(record.get(name) or []):
                    for problem in filter(None, (range_problem(a) for a in str(line).split("|"))):
                        yield Problem("K019", file, record_id, f"{name}[{i}]", problem)
        if kind_name == "eligibility" and "for_client" in record:
            from bot.eligibility import validate_for_client  # the guide's questions; imported late (no cycle)

            for problem in validate_for_client(record["for_client"]):
                yield Problem("K018", file, record_id, "for_client", problem)


def _check_clarify(file: str, record_id: str, clarify: Any) -> Iterator[Problem]:
    """A clarifying question: Dutch text, and two or more options that each name concepts."""
    if not isinstance(clarify, dict) or not str(clarify.get("question") or "").strip():
        yield Problem("K017", file, record_id, "clarify.question", "lege Nederlandse tekst")
        return
    asked_with = clarify.get("asked_with", [])
    if not isinstance(asked_with, list) or not all(isinstance(w, str) and w.strip() for w in asked_with):
        yield Problem("K017", file, record_id, "clarify.asked_with", "een lijst van woorden")
    options = clarify.get("options")
    if not isinstance(options, list) or len(options) < 2:
        yield Problem("K017", file, record_id, "clarify.options", "minstens twee opties {title, when}")
        return
    for i, option in enumerate(options):
        when = option.get("when") if isinstance(option, dict) else None
        if not str((option or {}).get("title") or "").strip() or not isinstance(when, dict) or not when:
            yield Problem("K017", file, record_id, f"clarify.options[{i}]", "optie heeft title en when (label: [begrippen]) nodig")
        elif any(label not in TERM_LABELS for label in when):
            yield Problem("K017", file, record_id, f"clarify.options[{i}].when", "onbekend label")


def _document_sections(
    knowledge: Knowledge, sources_dir: Path
) -> tuple[dict[tuple[str, str], Section], list[Problem]]:
    sections: dict[tuple[str, str], Section] = {}
    problems: list[Problem] = []
    for document in knowledge.records["documents"]:
        if not isinstance(document.get("id"), str):
            continue
        file = knowledge.file_of("documents", document["id"])
        text = read_source(sources_dir, document)
        if text is None:
            problems.append(
                Problem("K040", file, document["id"], "file", f"brondocument niet gevonden: {Path(sources_dir) / str(document.get('file'))}")
            )
            continue
        found, missing = cut_sections(document, text)
        for anchor in missing:
            problems.append(Problem("K041", file, document["id"], "sections", f"kop '{anchor}' niet gevonden in {document['file']}"))
        for section in found:
            sections[(document["id"], section.id)] = section
    return sections, problems


def _citations(record: dict[str, Any]) -> list[Any]:
    sources = record.get("sources")
    return sources if isinstance(sources, list) else []


def _check_citations(knowledge: Knowledge, sections: dict[tuple[str, str], Section]) -> Iterator[Problem]:
    documents = knowledge.by_id("documents")
    for kind_name, file, record in knowledge.all_records:
        if not KINDS[kind_name].cited or not isinstance(record.get("id"), str):
            continue
        record_id = record["id"]
        sources = _citations(record)
        if not sources:
            yield Problem("K020", file, record_id, "sources", "bronvermelding ontbreekt (document, versie, sectie, passage)")
            continue
        for i, citation in enumerate(sources):
            where = f"sources[{i}]"
            if not isinstance(citation, dict):
                yield Problem("K020", file, record_id, where, "bronvermelding moet document, version, section en passage hebben")
                continue
            for name in CITATION_FIELDS:
                if not str(citation.get(name) or "").strip():
                    yield Problem("K020", file, record_id, f"{where}.{name}", "ontbreekt in de bronvermelding")
            document = documents.get(citation.get("document"))
            if document is None:
                yield Problem("K021", file, record_id, f"{where}.document", f"onbekend document '{citation.get('document')}'")
                continue
            if citation.get("version") is not None and str(citation.get("version")) != str(document.get("version")):
                yield Problem(
                    "K022", file, record_id, f"{where}.version",
                    f"versie '{citation.get('version')}' van {document['id']} is niet geregistreerd (wel: '{document.get('version')}')",
                )
            known = {str(s.get("id")) for s in document.get("sections") or []}
            section_id = str(citation.get("section"))
            if section_id not in known:
                yield Problem("K023", file, record_id, f"{where}.section", f"onbekende sectie '{section_id}' in document {document['id']}")
                continue
            section = sections.get((document["id"], section_id))
            passage = str(citation.get("passage") or "")
            if section is not None and passage and not contains_passage(section.text, passage):
                yield Problem(
                    "K024", file, record_id, f"{where}.passage",
                    f"passage niet gevonden in §{section_id} van {document['file']}: \"{passage[:80]}\"",
                )


def _check_references(knowledge: Knowledge) -> Iterator[Problem]:
    ids = {kind: set(knowledge.by_id(kind)) for kind in KINDS}
    for kind_name, file, record in knowledge.all_records:
        kind: Kind = KINDS[kind_name]
        for name, target in kind.references.items():
            values = record.get(name)
            for value in values if isinstance(values, list) else [values] if values else []:
                if value not in ids[target]:
                    yield Problem("K030", file, record.get("id"), name, f"verwijst naar onbekend(e) {target} '{value}'")
        if kind_name == "topics":
            for i, variant in enumerate(record.get("variants") or []):
                for condition in ("when", "unless"):
                    mapping = variant.get(condition) if isinstance(variant, dict) else None
                    for label, values in (mapping or {}).items():
                        for value in values if isinstance(values, list) else [values]:
                            if value not in ids["glossary"]:
                                yield Problem(
                                    "K030", file, record.get("id"), f"variants[{i}].{condition}.{label}",
                                    f"onbekend begrip '{value}'",
                                )


#: Fields whose text users read (besides each variant's answer and each step's text).
STATED_FIELDS = (
    "answer", "reason", "criterion", "summary", "value", "max_duration", "financing_number", "purpose", "status_note",
    "says",
)


def stated_texts(kind_name: str, record: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, text) of every text whose facts users read; the path leads to it in the record,
    e.g. ("variants", 0, "answer")."""
    for name in STATED_FIELDS:
        if isinstance(record.get(name), (str, int)):
            yield (name,), str(record[name])
    for i, variant in enumerate(record.get("variants") or [] if kind_name == "topics" else []):
        if isinstance(variant, dict) and isinstance(variant.get("answer"), str):
            yield ("variants", i, "answer"), variant["answer"]
    for i, step in enumerate(record.get("steps") or []):
        if isinstance(step, dict) and isinstance(step.get("text"), str):
            yield ("steps", i, "text"), step["text"]


def field_name(path: tuple[str | int, ...]) -> str:
    """("variants", 0, "answer") -> "variants[0].answer"."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _check_grounding(knowledge: Knowledge, sections: dict[tuple[str, str], Section]) -> Iterator[Problem]:
    """Grounded or silent: a number, code or address in an answer must stand in a cited section."""
    documents = {d.get("id"): d for d in knowledge.records.get("documents", []) if isinstance(d, dict)}
    for kind_name, file, record in knowledge.all_records:
        if not KINDS[kind_name].cited:
            continue
        cited = " ".join(
            sections[(c.get("document"), str(c.get("section")))].text
            for c in _citations(record)
            if isinstance(c, dict) and (c.get("document"), str(c.get("section"))) in sections
        )
        if not cited:
            continue
        # the cited documents' own dates and versions ("onderzoeksrapport uit 2013") are grounded too
        editions = " ".join(
            f"{documents[c.get('document')].get('date', '')} {documents[c.get('document')].get('version', '')}"
            for c in _citations(record) if isinstance(c, dict) and c.get("document") in documents
        )
        cited_tokens = fact_tokens(cited) | fact_tokens(cited.replace(" ", "")) | fact_tokens(editions)
        for path, text in stated_texts(kind_name, record):
            for token in sorted(fact_tokens(text) - cited_tokens):
                if token not in cited:
                    yield Problem(
                        "K050", file, record.get("id"), field_name(path),
                        f"'{token}' staat niet in de geciteerde secties; noem enkel wat de bron zegt of citeer de juiste sectie",
                    )


def _check_background_status(knowledge: Knowledge) -> Iterator[Problem]:
    """A topic answered only from background documents (an advice, a report) says what it is."""
    weights = {d.get("id"): d.get("weight") for d in knowledge.records.get("documents", [])}
    for kind_name, file, record in knowledge.all_records:
        if kind_name != "topics" or (record.get("status_note") or "").strip():
            continue
        documents = {c.get("document") for c in _citations(record) if isinstance(c, dict)}
        if documents and all(weights.get(d) == "background" for d in documents):
            yield Problem(
                "K051", file, record.get("id"), "status_note",
                "antwoord uit enkel achtergronddocumenten zonder status_note: zeg wat de bron is (advies, onderzoeksrapport)",
            )


def _check_versions(knowledge: Knowledge) -> Iterator[Problem]:
    """`supersedes` between documents and `superseded_by` between records form chains, not loops."""
    documents = knowledge.by_id("documents")
    successors: dict[str, str] = {}
    for document in documents.values():
        old = document.get("supersedes")
        if not old:
            continue
        file = knowledge.file_of("documents", document["id"])
        if old == document["id"]:
            yield Problem("K033", file, document["id"], "supersedes", "een document kan zichzelf niet vervangen")
        elif old in successors:
            yield Problem(
                "K033", file, document["id"], "supersedes",
                f"'{old}' wordt al vervangen door '{successors[old]}'; een versie heeft één opvolger",
            )
        successors.setdefault(old, document["id"])
    for kind_name, file, record in knowledge.all_records:
        if not KINDS[kind_name].cited or not record.get("superseded_by"):
            continue
        records = knowledge.by_id(kind_name)
        successor = record["superseded_by"]
        if successor not in records:
            yield Problem(
                "K031", file, record.get("id"), "superseded_by",
                f"verwijst naar onbekend(e) {kind_name} '{successor}'; de opvolger is een record van dezelfde soort",
            )
            continue
        seen = {record.get("id")}
        while successor and successor not in seen:
            seen.add(successor)
            successor = (records.get(successor) or {}).get("superseded_by")
        if successor:
            yield Problem("K032", file, record.get("id"), "superseded_by", "superseded_by vormt een lus")
