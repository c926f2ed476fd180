"""The record kinds of the knowledge base: what each YAML record holds and how it is stored.

One declaration per kind drives loading, validation, the SQLite build and the schema
documentation (`python -m bot kb schema`), so a new field is added in one place.

Every record except a document carries `sources`: a list of citations, each
``{document, version, section, passage}``. The passage is a verbatim excerpt of the
cited section (whitespace and PDF hyphenation aside); validation checks that it is there.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: Bumped whenever a table or column changes; the action server refuses another version.
SCHEMA_VERSION = 5

#: Entity labels of glossary terms; also the Rasa entity names.
TERM_LABELS = ("traject", "instrument", "organisatie", "rol", "status", "context")

#: Outcome of a combination rule.
COMBINATION_STATUSES = ("allowed", "excluded", "conditional")

#: Validity fields every cited record may carry (issue: changing rules, new versions).
VALIDITY_FIELDS = ("valid_from", "valid_until", "superseded_by", "status_note")


@dataclass(frozen=True)
class Kind:
    """How one kind of record looks in YAML and in `knowledge.db`."""

    name: str
    description: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    #: field -> kind its value(s) must name (a string or a list of strings)
    references: dict[str, str] = field(default_factory=dict)
    #: fields that must hold non-empty Dutch text
    dutch_text: tuple[str, ...] = ()
    #: fields with a closed set of values
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cited: bool = True

    @property
    def fields(self) -> tuple[str, ...]:
        extra = ("sources",) + VALIDITY_FIELDS if self.cited else ()
        return ("id",) + self.required + self.optional + extra


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            name="documents",
            description="A source document (one version of a draaiboek or background text) and its sections: "
            "`sections: [{id, title, anchor?, not_covered?}]` — `anchor` is the heading as it stands in the text "
            "when it differs from the title; `not_covered` is the written reason why no record cites the section. "
            "A new version of a document is a new document record whose `supersedes` names the previous one; records "
            "citing only superseded versions are history (kept, not answered by default). `named_by`: the words "
            "and phrases a question names the document by (\"serv\", \"proeftuinen\"; \"vdab + ocmw\": both), not the common "
            "words of its title. `own_terms`: words only this document uses (\"werkwinkels\", \"knipperlichten\"): a question "
            "using them is about it, though they name no document.",
            required=("title", "short_title", "version", "date", "file", "weight", "sections"),
            optional=("note", "contacts", "supersedes", "named_by", "own_terms"),
            references={"contacts": "contacts", "supersedes": "documents"},
            choices={"weight": ("core", "background")},
            cited=False,
        ),
        Kind(
            name="glossary",
            description="A concept users name: trajectory, instrument, organisation, role, client status or context, "
            "with its abbreviations and Flemish variants (source of the entity patterns, lookups and synonyms).",
            required=("label", "name", "variants"),
            optional=("definition",),
            choices={"label": TERM_LABELS},
        ),
        Kind(
            name="contacts",
            description="Whom to contact: a phone line, mailbox, form or person, and for what.",
            required=("name", "channel", "for_what"),
            optional=("value", "documents"),
            references={"documents": "documents"},
            dutch_text=("for_what",),
            choices={"channel": ("telefoon", "e-mail", "formulier", "persoon", "website")},
        ),
        Kind(
            name="topics",
            description="A question area with its Dutch answer, answered when the NLU predicts its intent. "
            "`variants` answer the same intent differently: each has `when` (label: [concepts], all labels must "
            "be named), optional `unless` (none may be named) and its own `answer`; the first that applies wins. "
            "`clarify` asks first when the question has several readings: `{question, options: [{title, when}]}`; "
            "it is asked unless the question names a concept of some option's `when` (label: [concepts]), and, with "
            "`asked_with: [words]`, only when the question holds one of those words.",
            required=("intent", "title", "answer"),
            optional=("variants", "concepts", "contacts", "related", "procedure", "kind", "clarify"),
            references={
                "concepts": "glossary",
                "contacts": "contacts",
                "related": "topics",
                "procedure": "procedures",
            },
            dutch_text=("answer", "title"),
        ),
        Kind(
            name="rulings",
            description="A ja/nee question that a cited rule settles: an explicit permission, exclusion or obligation "
            "of the document. A ja/nee question that names every line of `asks` (a glossary id, or words that must all "
            "stand in it; alternatives split by ` | `; a phrase in double quotes must stand as written, \"niet\" and all; a range such as `< 20 uur week` holds a number of the question below it, counted in those units) and nothing of `unless` gets `verdict` first (ja, nee or hangt "
            "af) with `says` as its reason; `topic` is told on \"Meer uitleg\". The verdict answers the question in its "
            "positive form (\"mag …?\", not \"mag … niet?\"). `question: mag` keeps it from questions whether something "
            "must be (moet, hoeft, verplicht, nodig): \"X kan\" says nothing to \"moet X?\"; `question: moet` limits it to those: "
            "\"je hoeft X niet\" says nee to \"moet ik X?\", nothing to \"mag ik X?\".",
            required=("topic", "asks", "verdict", "says"),
            optional=("unless", "question"),
            references={"topic": "topics"},
            dutch_text=("says",),
            choices={"verdict": ("ja", "nee", "hangt af"), "question": ("mag", "moet")},
        ),
        Kind(
            name="instruments",
            description="A trajectory or instrument (BVS, WES, GLOW …) and its properties.",
            required=("term", "name", "summary"),
            optional=("max_duration", "registered_by", "financing_number", "organised_by"),
            references={"term": "glossary", "registered_by": "glossary", "organised_by": "glossary"},
            dutch_text=("summary",),
        ),
        Kind(
            name="combinations",
            description="Whether two trajectories/services may run together: allowed, excluded or conditional, and why.",
            required=("a", "b", "status", "reason"),
            references={"a": "glossary", "b": "glossary"},
            dutch_text=("reason",),
            choices={"status": COMBINATION_STATUSES},
        ),
        Kind(
            name="eligibility",
            description="A criterion for a target group: who is in, who is out, under which condition.",
            required=("target", "criterion", "outcome"),
            # `for_client: [{when: {fact: values}, outcome}]`: for which client facts of the eligibility
            # guide (bot/eligibility.py) the criterion applies, and its outcome for that client
            optional=("concepts", "for_client"),
            references={"target": "glossary", "concepts": "glossary"},
            dutch_text=("criterion",),
            choices={"outcome": ("in", "out", "conditional")},
        ),
        Kind(
            name="procedures",
            description="An ordered procedure: steps with the actor who takes them.",
            required=("title", "steps"),
            dutch_text=("title",),
        ),
        Kind(
            name="roles",
            description="A role (VDAB-adviseur, VDAB-bemiddelaar …): what it does and what it cannot do.",
            required=("term", "tasks"),
            optional=("cannot",),
            references={"term": "glossary"},
        ),
        Kind(
            name="forms",
            description="A form or document a case worker uses, what it is for and where it is found.",
            required=("name", "purpose"),
            optional=("where",),
            dutch_text=("purpose",),
        ),
    )
}

CITATION_FIELDS = ("document", "version", "section", "passage")

#: Fields stored as JSON text in knowledge.db (lists and mappings).
STRUCTURED_FIELDS = frozenset(
    {"sources", "variants", "concepts", "contacts", "named_by", "own_terms", "related", "sections", "steps", "tasks", "cannot", "documents", "for_client", "clarify",
     "asks", "unless"}
)


def render_schema_markdown() -> str:
    """The documented schema (docs/knowledge-schema.md is this output; a test keeps it current)."""
    lines = [
        "# Knowledge schema",
        "",
        f"Schema version {SCHEMA_VERSION}. Generated by `python -m bot kb schema`; do not edit by hand.",
        "",
        "Each file in `knowledge/` holds lists of records under the kind's name. In `knowledge.db` every",
        "kind is a table with one text column per field; lists and mappings are JSON.",
        "",
        "Every record except a document carries `sources`: a list of citations",
        "`{document, version, section, passage}`; the passage must stand in that section of the",
        "document. Optional validity fields on cited records: " + ", ".join(f"`{f}`" for f in VALIDITY_FIELDS) + ".",
        "`superseded_by` names the record of the same kind that replaces this one in a newer document version.",
        "A record is *history* when it has `superseded_by` or cites only superseded document versions: it stays",
        "in the database (column `history` = 1) for questions about an earlier version, and is not answered otherwise.",
        "Numbers, codes and e-mail addresses in an answer must stand in a cited section.",
        "",
    ]
    for kind in KINDS.values():
        lines += [f"## `{kind.name}`", "", kind.description, "", "| field | required | notes |", "|---|---|---|"]
        for name in ("id",) + kind.required + kind.optional:
            notes = []
            if name in kind.references:
                notes.append(f"refers to `{kind.references[name]}`")
            if name in kind.choices:
                notes.append("one of " + ", ".join(f"`{c}`" for c in kind.choices[name]))
            if name in kind.dutch_text:
                notes.append("non-empty Dutch text")
            if name in STRUCTURED_FIELDS:
                notes.append("list/mapping (JSON in the database)")
            required = "yes" if name == "id" or name in kind.required else "no"
            lines.append(f"| `{name}` | {required} | {'; '.join(notes)} |")
        if kind.cited:
            lines.append("| `sources` | yes | citations (see above) |")
        lines.append("")
    lines += [
        "## Other tables in `knowledge.db`",
        "",
        "| table | what |",
        "|---|---|",
        "| `meta` | `schema_version`, `fingerprint` of the knowledge files and sources, `built_at` |",
        "| `sections` | each document section located in its source text (normalised), with offsets |",
        "| `citations` | every citation: kind, record_id, position, document, version, section, passage |",
        "| `term_variants` | every glossary variant (normalised) with its term id and label |",
        "| `topics_fts` | FTS5 index over topic `title` and `answer` |",
        "| `passages` | every sentence of the source texts: document, section, section_title, position, text (as the document has it) |",
        "| `passages_fts` | FTS5 index over passage `section_title` and `text` |",
        "",
    ]
    return "\n".join(lines)
