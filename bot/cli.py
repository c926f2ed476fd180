"""Command line: `python -m bot …`. Each command calls one library function; no logic here."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from bot import settings
from bot.cli_support import DraaiboekGroup, db_option
from bot.errors import DraaiboekError


def _knowledge_options(function):
    function = click.option(
        "--knowledge-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Map met de kennisbestanden (standaard: knowledge/).",
    )(function)
    function = click.option(
        "--sources-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Map met de brondocumenten (standaard: knowledge/sources/).",
    )(function)
    return function


@click.group(cls=DraaiboekGroup)
@click.version_option(package_name=None, version=__import__("bot").__version__)
def cli():
    """Draaiboek-assistent: kennisbank, NLP-pipeline, training, servers en kwaliteitsmeting."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")


@cli.group(cls=DraaiboekGroup)
def kb():
    """De kennisbank: valideren, bouwen, schema."""


@kb.command("validate")
@_knowledge_options
def kb_validate(knowledge_dir, sources_dir):
    """Controleer de kennisbestanden: bronvermelding, verwijzingen, id's, Nederlandse tekst.

    Example:

        python -m bot kb validate
    """
    from bot.knowledge import load_knowledge, validate

    knowledge = load_knowledge(knowledge_dir or settings.knowledge_dir())
    problems = validate(knowledge, sources_dir or settings.sources_dir())
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} probleem/problemen gevonden")
    counts = ", ".join(f"{len(v)} {k}" for k, v in knowledge.records.items() if v)
    click.echo(f"OK: {counts}")


@kb.command("build")
@_knowledge_options
@db_option
def kb_build(knowledge_dir, sources_dir, db_path):
    """Valideer de kennisbestanden en schrijf knowledge.db (met FTS5-index).

    Example:

        python -m bot kb build --db knowledge.db
    """
    from bot.knowledge import build_db

    path = build_db(
        knowledge_dir or settings.knowledge_dir(), db_path or settings.db_path(),
        sources_dir=sources_dir or settings.sources_dir(),
    )
    click.echo(f"Gebouwd: {path}")


@kb.command("schema")
def kb_schema():
    """Toon de soorten records en hun velden (Markdown).

    Example:

        python -m bot kb schema > docs/knowledge-schema.md
    """
    from bot.knowledge.schema import render_schema_markdown

    click.echo(render_schema_markdown(), nl=False)


@kb.command("coverage")
@_knowledge_options
@click.option("--strict", is_flag=True, help="Fout als een sectie geen records en geen reden heeft.")
def kb_coverage(knowledge_dir, sources_dir, strict):
    """Toon per sectie van elk document welke records ze citeren, of waarom geen.

    Example:

        python -m bot kb coverage --strict
    """
    from bot.knowledge import load_knowledge
    from bot.knowledge.coverage import format_coverage, section_coverage, uncovered_sections

    knowledge = load_knowledge(knowledge_dir or settings.knowledge_dir())
    click.echo(format_coverage(section_coverage(knowledge)))
    missing = uncovered_sections(knowledge)
    if strict and missing:
        raise click.ClickException(
            f"{len(missing)} sectie(s) zonder records en zonder reden (not_covered in documents.yml): "
            + ", ".join(f"{m.document} §{m.section}" for m in missing)
        )


@kb.command("diff")
@click.argument("old")
@click.argument("new")
@_knowledge_options
@click.option(
    "--project", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Projectmap waarin gezocht wordt wat een wijziging raakt (standaard: dit project).",
)
def kb_diff(old, new, knowledge_dir, sources_dir, project):
    """Wat verandert van document OLD naar zijn nieuwe versie NEW, en wat dat raakt.

    Toont gewijzigde, toegevoegde, verwijderde en behouden records, en de intents,
    trainingsdata, regels, testverhalen, tests en vragen die je moet nakijken.

    Example:

        python -m bot kb diff lp lp-v7
    """
    from bot.knowledge import load_knowledge
    from bot.knowledge.diff import diff_versions, format_diff

    knowledge = load_knowledge(knowledge_dir or settings.knowledge_dir())
    click.echo(format_diff(diff_versions(knowledge, old, new, project or settings.PROJECT_DIR)))


@kb.command("update")
@click.argument("document")
@click.option("--text", "text_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="De tekst van de nieuwe versie (platte tekst, zoals in knowledge/sources/).")
@click.option("--version", "version", required=True, help="Het nieuwe versienummer, bv. 7.")
@click.option("--date", "date", required=True, help="De datum van de nieuwe versie, bv. \"maart 2026\".")
@click.option("--id", "new_id", default=None, help="Id van het nieuwe document (standaard: DOCUMENT-vVERSIE, bv. lp-v7).")
@click.option("--write", is_flag=True, help="Schrijf het ontwerp (standaard: enkel tonen).")
@_knowledge_options
@click.option(
    "--project", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Projectmap waarin gezocht wordt wat een wijziging raakt (standaard: dit project).",
)
def kb_update(document, text_path, version, date, new_id, write, knowledge_dir, sources_dir, project):
    """Ontwerp de kenniswijziging voor een nieuwe versie van DOCUMENT uit haar tekst.

    Registreert de nieuwe versie (supersedes), vindt haar secties aan hun kop en zoekt elke
    geciteerde passage terug: ongewijzigd (bronvermelding toegevoegd), gewijzigd (nieuw record
    met TODO's, het oude krijgt superseded_by) of weg (blijft als geschiedenis). Toont ook de
    secties zonder records en alles wat een wijziging raakt. Zonder --write wordt niets geschreven.

    Example:

        python -m bot kb update lp --text lp-v7.txt --version 7 --date "maart 2026"
    """
    from bot.knowledge import load_knowledge
    from bot.knowledge.update import format_plan, plan_update, write_update

    knowledge_dir = knowledge_dir or settings.knowledge_dir()
    sources_dir = sources_dir or settings.sources_dir()
    knowledge = load_knowledge(knowledge_dir)
    in_sources = text_path.resolve().parent == Path(sources_dir).resolve()
    update = plan_update(
        knowledge, sources_dir, document, text_path.read_text(encoding="utf-8"), version=version, date=date,
        new_id=new_id, source_name=text_path.name if in_sources else None, project=project or settings.PROJECT_DIR,
    )
    if not write:
        click.echo(format_plan(update, knowledge.lines))
        click.echo("\nEr is niets geschreven. Voeg --write toe om dit ontwerp te schrijven.")
        return
    written = write_update(update, knowledge_dir, sources_dir, text_path)
    click.echo(format_plan(update, load_knowledge(knowledge_dir).lines))
    click.echo("\nGeschreven: " + ", ".join(written))
    click.echo("Volgende stappen: vul elke TODO in (python -m bot check toont waar), zorg voor de secties zonder "
               "records, en voer `python -m bot check`, `make train` en `make test` uit.")


@kb.command("generate")
@_knowledge_options
def kb_generate(knowledge_dir, sources_dir):
    """Schrijf data/nlu/lookups/glossary.yml (synoniemen en lookups) uit knowledge/glossary.yml.

    Example:

        python -m bot kb generate
    """
    from bot.knowledge import load_knowledge
    from bot.nlp import write_glossary_training_data
    from bot.runner import GLOSSARY_TRAINING_DATA

    glossary = load_knowledge(knowledge_dir or settings.knowledge_dir()).records["glossary"]
    changed = write_glossary_training_data(glossary, settings.PROJECT_DIR / GLOSSARY_TRAINING_DATA)
    click.echo(f"{GLOSSARY_TRAINING_DATA}: {'bijgewerkt' if changed else 'ongewijzigd'}")


@cli.group(cls=DraaiboekGroup)
def nlp():
    """De Nederlandse spaCy-pipeline."""


@nlp.command("build")
def nlp_build():
    """Bouw de spaCy-pipeline (basis: spacy_base_model in config.yml) met de entity ruler uit de woordenlijst.

    Example:

        python -m bot nlp build
    """
    from bot.knowledge import load_knowledge
    from bot.nlp import build_pipeline
    from bot.runner import read_config, spacy_settings

    base, output_dir = spacy_settings(read_config())
    glossary = load_knowledge(settings.knowledge_dir()).records["glossary"]
    click.echo(f"Gebouwd: {build_pipeline(glossary, base=base, output_dir=output_dir)}")


def _echo_intent_table(rows) -> None:
    """(intent, sklearn report row) pairs as a Markdown table."""
    click.echo("| intent | precision | recall | F1 | examples |\n|---|---|---|---|---|")
    for name, row in rows:
        click.echo(f"| {name} | {row['precision']:.2f} | {row['recall']:.2f} | {row['f1-score']:.2f} | {row['support']:.0f} |")


@nlp.command("report")
@click.argument(
    "report", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default="results/crossval/intent_report.json",
)
def nlp_report(report):
    """Toon een intent-rapport van `rasa test nlu` als tabel per intent (zwakste eerst), in Markdown.

    Example:

        python -m bot nlp report results/crossval/intent_report.json
    """
    data = json.loads(report.read_text(encoding="utf-8"))
    intents = {k: v for k, v in data.items() if isinstance(v, dict) and "f1-score" in v and not k.endswith(" avg")}
    _echo_intent_table(sorted(intents.items(), key=lambda item: (item[1]["f1-score"], item[0])))
    for average in ("macro avg", "weighted avg"):
        if average in data:
            click.echo(f"| **{average}** | {data[average]['precision']:.3f} | {data[average]['recall']:.3f} "
                       f"| **{data[average]['f1-score']:.3f}** | {data[average]['support']:.0f} |")


@nlp.command("folds")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default="config.yml", show_default=True, help="Rasa-configuratie om te scoren.")
@click.option("--no-diet", is_flag=True, help="Alleen de regressie van LexicalVote (snel; geen DIET-training).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Schrijf de scores ook naar dit bestand.")
def nlp_folds(config_path, no_diet, json_path):
    """Intent-F1 op vaste folds (StratifiedKFold, 5, random_state=0): DIET, LexicalVote en hun mengsels.

    DIET wordt per fold één keer getraind (enkele minuten per fold); de rangschikkingen blijven in
    build/folds/, zodat een tweede run alleen mengt. Zwakste intents eerst.

    Example:

        python -m bot nlp folds --json results/folds/after.json
    """
    import yaml

    from bot.nlp.folds import evaluate, weakest

    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    results = evaluate(config, with_diet=not no_diet, report=click.echo)
    click.echo(f"{results['examples']} voorbeelden, {results['intents']} intents; macro-F1:")
    for name, f1 in results["macro_f1"].items():
        click.echo(f"  {name:<12} {f1:.3f}")
    _echo_intent_table(weakest(results["report"]))
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


@cli.command("check")
@click.option("--no-rasa", is_flag=True, help="Sla `rasa data validate` over (sneller).")
def check_command(no_rasa):
    """Alles wat een redacteur nakijkt voor een wijziging: kennisbank, dekking, samenhang, Rasa-data.

    Elke melding zegt welk bestand (en welk record of intent) je moet aanpassen. Exit 1 bij meldingen.

    Example:

        python -m bot check
    """
    from bot.check import run_checks

    findings = run_checks(with_rasa=not no_rasa)
    for finding in findings:
        click.echo(str(finding))
    if findings:
        raise click.ClickException(f"{len(findings)} melding(en); los ze op en voer `python -m bot check` opnieuw uit")
    click.echo("OK: kennisbank, dekking, samenhang" + ("" if no_rasa else " en Rasa-data") + " in orde")


@cli.command("prepare")
@click.option("--no-train", is_flag=True, help="Train het model niet.")
def prepare(no_train):
    """Bouw wat verouderd is: kennisbank, trainingsdata, spaCy-pipeline, model.

    Example:

        python -m bot prepare
    """
    from bot.runner import prepare as run_prepare

    run_prepare(train=not no_train, report=click.echo)


@cli.command("train")
@click.option("--force", is_flag=True, help="Train ook als het model actueel is.")
def train(force):
    """Train het Rasa-model als de trainingsdata of configuratie veranderde.

    Example:

        python -m bot train
    """
    from bot.runner import train_if_stale

    train_if_stale(force=force, report=click.echo)


@cli.command("serve")
@click.option("--port", default=5005, show_default=True, help="Poort van de Rasa-server (REST en socket.io).")
@click.option("--actions-port", default=5055, show_default=True, help="Poort van de actieserver.")
@click.option("--review-port", default=5080, show_default=True, help="Poort van de reviewpagina (0: niet starten).")
def serve(port, actions_port, review_port):
    """Start de actieserver en de Rasa-server op localhost; Ctrl-C stopt beide.

    Een actieserver die stopt, wordt herstart (tot 5 keer per 10 minuten); stopt de Rasa-server,
    dan stopt alles.

    Example:

        python -m bot serve --port 5005
    """
    import signal

    from bot.runner import start_servers, supervise

    # Ctrl-C and `kill` stop cleanly, also when started from a shell that ignores SIGINT (background jobs)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    try:
        servers = start_servers(rasa_port=port, actions_port=actions_port)
    except KeyboardInterrupt:  # start_servers has stopped what it started
        click.echo("Gestopt tijdens het opstarten.")
        return
    click.echo(f"De assistent draait: REST {servers.rasa_url}/webhooks/rest/webhook, socket.io {servers.rasa_url}")
    click.echo(f"Webwidget (demopagina): {servers.rasa_url}/webhooks/widget/demo")
    review = None
    if review_port:
        from bot.review.app import start_review_server
        from bot.review.cli import token_line

        try:
            review = start_review_server(review_port)
            click.echo(f"Reviewpagina: {review.url}/  ({token_line(review.token, review.token_generated)})")
        except DraaiboekError as e:  # the assistant runs on without it
            click.echo(f"Reviewpagina niet gestart: {e}", err=True)
    click.echo("Stoppen: Ctrl-C")
    stopped_by_a_crash = False
    try:
        # a dead action server is restarted; a dead Rasa server (or an action server that keeps dying) stops all
        supervise(servers, report=lambda line: click.echo(line, err=True))
        click.echo("De assistent stopt: de andere servers worden ook gestopt.", err=True)
        stopped_by_a_crash = True
    except KeyboardInterrupt:
        click.echo("Stoppen …")
    finally:
        if review:
            review.stop()
        servers.stop()
    if stopped_by_a_crash:  # exit code 1, so a service manager can start it again
        raise SystemExit(1)


@cli.command("benchmark")
@click.option("--no-train", is_flag=True, help="Meet de volledige training niet (spaart enkele minuten).")
@click.option("--no-stock", is_flag=True, help="Meet de referentie (een `rasa init`-assistent) niet.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Schrijf de cijfers ook als JSON.")
def benchmark(no_train, no_stock, json_path):
    """Meet snelheid en geheugen, naast een standaard `rasa init`-assistent.

    NLU-latentie, end-to-end latentie over REST bij 1, 8 en 32 gelijktijdige gesprekken met
    doorvoer, latentie van de eigen actie en de kennisbank, geheugen, koude start en training.
    Duurt zo'n 10 minuten; laat de machine intussen met rust.

    Example:

        python -m bot benchmark --json results/benchmark.json
    """
    from bot.benchmark import format_benchmark, run_benchmark, to_json

    results = run_benchmark(train=not no_train, stock=not no_stock, report=lambda line: click.echo(line, err=True))
    click.echo(format_benchmark(results))
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(to_json(results), encoding="utf-8")


@cli.command("quality")
@click.option("--url", default="http://127.0.0.1:5005", show_default=True, help="De draaiende assistent.")
@click.option(
    "--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=settings.PROJECT_DIR / "tests" / "quality" / "questions.yml", show_default=True,
)
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Schrijf het rapport ook als JSON.")
@click.option("--concurrency", default=4, show_default=True)
def quality(url, questions, json_path, concurrency):
    """Stel de vragenset aan de draaiende assistent en toon de slaagpercentages per soort.

    Example:

        python -m bot quality --url http://127.0.0.1:5005
    """
    from bot.quality import format_report, load_question_set, run_question_set

    report = run_question_set(url, load_question_set(questions), concurrency=concurrency)
    click.echo(format_report(report))
    if json_path:
        json_path.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")


@cli.group(cls=DraaiboekGroup)
def teams():
    """Het Teams-kanaal: het app-pakket om in Teams te installeren."""


@teams.command("package")
@click.option("--app-id", required=True, help="Application (client) ID van de botregistratie (een GUID); ook de id van de Teams-app.")
@click.option("--bot-endpoint", required=True, help="Berichteneindpunt van de bot, https://HOST/webhooks/teams/webhook.")
@click.option("--version", "app_version", default="1.0.0", show_default=True, help="Versie van de app; verhoog ze bij elke nieuwe upload.")
@click.option("--developer-name", default="Draaiboek-assistent", show_default=True, help="Naam van de organisatie die de app aanbiedt (max. 32 tekens).")
@click.option("--website-url", default=None, help="Website met uitleg of support (https; standaard: https://HOST/ van het eindpunt).")
@click.option("--privacy-url", default=None, help="Privacyverklaring (https; standaard: de website).")
@click.option("--terms-url", default=None, help="Gebruiksvoorwaarden (https; standaard: de website).")
@click.option("--accent-color", default="#1A6E3C", show_default=True, help="Achtergrondkleur van het pictogram.")
@click.option("--color-icon", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Eigen kleurpictogram (PNG 192 × 192; standaard: meegeleverd ontwerp).")
@click.option("--outline-icon", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Eigen omlijningspictogram (PNG 32 × 32, wit op transparant; standaard: meegeleverd ontwerp).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("build/teams/draaiboek-assistent.zip"),
              show_default=True, help="Het te schrijven app-pakket (zip).")
def teams_package(app_id, bot_endpoint, app_version, developer_name, website_url, privacy_url, terms_url,
                  accent_color, color_icon, outline_icon, out):
    """Schrijf het Teams-app-pakket: manifest.json (getoetst aan het Teams-schema) en de twee pictogrammen.

    Upload de zip in het Teams-beheercentrum (Teams-apps → Apps beheren → Uploaden).

    Example:

        python -m bot teams package --app-id 0f8fad5b-d9cb-469f-a165-70867728950e --bot-endpoint https://bot.example.org/webhooks/teams/webhook
    """
    from bot.teams_app import PackageOptions, build_package

    path = build_package(PackageOptions(
        app_id=app_id, bot_endpoint=bot_endpoint, version=app_version, developer_name=developer_name,
        website_url=website_url, privacy_url=privacy_url, terms_url=terms_url, accent_color=accent_color,
        color_icon=color_icon, outline_icon=outline_icon,
    ), out)
    click.echo(f"App-pakket geschreven: {path} (manifest.json, color.png, outline.png)")


# Command groups that live with their feature.
from bot.review.cli import review  # noqa: E402
from bot.scaffold import scaffold as scaffold_command  # noqa: E402

cli.add_command(review)
cli.add_command(scaffold_command)
