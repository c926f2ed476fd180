"""`python -m bot review …`: the review page, the list of answers, the export of marked answers."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from bot.cli_support import DraaiboekGroup, db_option


def _tracker_option(function):
    return click.option(
        "--tracker", "tracker_url", metavar="URL", default=None,
        help="SQLAlchemy-URL van het gesprekslog (standaard: $DRAAIBOEK_TRACKER_URL of de tracker store uit "
             "endpoints.yml, bv. sqlite:///build/conversations.db of postgresql://gebruiker@host/db).",
    )(function)


def _marks_option(function):
    return click.option(
        "--marks", "marks_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Het bestand met de beoordelingen (standaard: build/review.db).",
    )(function)


def _export_options(function):
    function = click.option(
        "--stories", "stories_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Teststories van de beoordeelde antwoorden (standaard: tests/reviewed/stories.yml).",
    )(function)
    function = click.option(
        "--questions", "questions_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Vragenset van de beoordeelde antwoorden (standaard: tests/reviewed/questions.yml).",
    )(function)
    return function


def _catalogue(db_path: Path | None):
    from bot.review.conversations import Catalogue

    return Catalogue.open(db_path)


@click.group(cls=DraaiboekGroup)
def review():
    """Beoordeel de antwoorden van de assistent: lijst, reviewpagina, export naar tests."""


@review.command("serve")
@click.option("--port", default=5080, show_default=True, help="Poort van de reviewpagina.")
@click.option(
    "--host", default="127.0.0.1", show_default=True,
    help="Adres om op te luisteren; enkel achter een reverse proxy met TLS iets anders dan 127.0.0.1 (bv. 0.0.0.0 in een container).",
)
@_tracker_option
@_marks_option
@_export_options
@db_option
def serve(port, host, tracker_url, marks_path, stories_path, questions_path, db_path):
    """Start de reviewpagina op http://HOST:PORT/; Ctrl-C stopt ze.

    Toegang met het reviewtoken uit $DRAAIBOEK_REVIEW_TOKEN; zonder die instelling wordt bij de
    start een token gemaakt en hier getoond.

    Example:

        python -m bot review serve --port 5080
    """
    import signal

    from bot.review.app import create_app, make_server
    from bot.review.conversations import display_url

    app, generated = create_app(
        tracker_url=tracker_url, marks_path=marks_path, db_path=db_path, stories_path=stories_path,
        questions_path=questions_path,
    )
    server = make_server(app, port, host)
    # Ctrl-C and `kill` stop cleanly, also when started from a shell that ignores SIGINT (background jobs)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.default_int_handler)
    click.echo(f"Reviewpagina: http://{host}:{server.port}/  (gesprekslog: {display_url(app.log.url)})")
    click.echo(token_line(app.token, generated))
    click.echo("Stoppen: Ctrl-C")
    try:
        server.serve_forever(stop_signals=(signal.SIGINT, signal.SIGTERM))
        click.echo("Gestopt.")
    except KeyboardInterrupt:  # before the page serves
        click.echo("Gestopt.")
    finally:
        server.server_close()
        app.log.close()


def token_line(token: str, generated: bool) -> str:
    """How to log in, for the console: a generated token is shown, a configured one is not."""
    if generated:
        return f"Reviewtoken (nieuw bij elke start; vast zetten met DRAAIBOEK_REVIEW_TOKEN): {token}"
    return "Reviewtoken: de waarde van DRAAIBOEK_REVIEW_TOKEN"


@review.command("add-reviewer")
@click.argument("name")
@_marks_option
def add_reviewer(name, marks_path):
    """Maak een eigen reviewtoken voor NAME (een bestaand token van NAME vervalt) en toon het één keer.

    Het beoordelingsbestand bewaart enkel een hash van het token; wie zich ermee aanmeldt, beoordeelt
    onder deze naam.

    Example:

        python -m bot review add-reviewer "An Peeters"
    """
    from bot.review.marks import MarkStore

    token = MarkStore(marks_path).add_reviewer(name)
    click.echo(f"Reviewtoken voor {' '.join(name.split())} (wordt niet meer getoond): {token}")


@review.command("remove-reviewer")
@click.argument("name")
@_marks_option
def remove_reviewer(name, marks_path):
    """Trek het reviewtoken van NAME in (diens beoordelingen blijven).

    Example:

        python -m bot review remove-reviewer "An Peeters"
    """
    from bot.review import ReviewError
    from bot.review.marks import MarkStore

    if not MarkStore(marks_path).remove_reviewer(" ".join(name.split())):
        raise ReviewError("B026", f"geen reviewer met de naam {name!r}")
    click.echo(f"Reviewtoken van {' '.join(name.split())} ingetrokken.")


@review.command("reviewers")
@_marks_option
def reviewers(marks_path):
    """Toon de reviewers met een eigen token.

    Example:

        python -m bot review reviewers
    """
    from bot.review.marks import MarkStore

    found = MarkStore(marks_path).reviewers()
    for name, added in found:
        click.echo(f"{name}  (token sinds {added})")
    click.echo(f"{len(found)} reviewer(s)")



@review.command("bench")
@click.option("--answers", default=100_000, show_default=True, help="Aantal antwoorden in het gemaakte gesprekslog.")
@click.option("--port", default=0, show_default=True, help="Poort van de reviewpagina tijdens de meting (0: een vrije).")
@click.option("--repeat", default=5, show_default=True, help="Metingen per pagina (mediaan en maximum).")
def bench(answers, port, repeat):
    """Meet de reviewpagina op een groot gesprekslog (in een tijdelijke map, daarna gewist).

    Maakt een gesprekslog in Rasa's formaat met ANSWERS antwoorden, start de reviewpagina erop en
    meet met een HTTP-client de eerste pagina, een zoekopdracht, filters, een late pagina en een
    gesprek; daarna komen er 100 antwoorden bij en telt hoeveel events opnieuw gelezen worden.

    Example:

        python -m bot review bench --answers 100000
    """
    from bot.review.bench import run_bench

    run_bench(answers, port=port, repeat=repeat, echo=click.echo)


@review.command("list")
@_tracker_option
@db_option
@click.option("--max-confidence", type=click.FloatRange(0, 1), default=None,
              help="Alleen antwoorden met een NLU-vertrouwen onder deze waarde (bv. 0.5).")
@click.option("--fallback", is_flag=True, help="Alleen fallback, buiten de draaiboeken of geweigerd.")
@click.option("--thumbs-down", is_flag=True, help="Alleen antwoorden met 👎 van de gebruiker.")
@click.option("--topic", metavar="INTENT", default=None, help="Alleen dit onderwerp (intent), bv. bvs_financieringsnummer.")
@click.option("--document", metavar="ID", default=None, help="Alleen antwoorden die dit document citeren, bv. lp.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Vanaf deze datum (JJJJ-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Tot en met deze datum (JJJJ-MM-DD).")
@click.option("--limit", default=50, show_default=True, help="Toon de laatste N antwoorden (0 = alle).")
def list_command(tracker_url, db_path, max_confidence, fallback, thumbs_down, topic, document, date_from, date_to, limit):
    """Toon de antwoorden uit het gesprekslog als tabel, nieuwste eerst.

    Example:

        python -m bot review list --max-confidence 0.5 --thumbs-down
    """
    from bot.review.conversations import ConversationLog, Filters

    filters = Filters(
        max_confidence=max_confidence, fallback=fallback, thumbs_down=thumbs_down, topic=topic, document=document,
        date_from=date_from.date() if date_from else None, date_to=date_to.date() if date_to else None,
    )
    log = ConversationLog(tracker_url, _catalogue(db_path))
    items = log.items(filters)
    log.close()
    shown = items[-limit:] if limit else items
    click.echo(format_table(list(reversed(shown))))
    click.echo(f"{len(shown)} van {len(items)} antwoord(en)")


def format_table(items) -> str:
    """One line per answer: when, conversation, turn, intent, confidence, flags, question."""
    header = f"{'datum':16}  {'gesprek':8}  {'beurt':>5}  {'intent':32}  {'vertr.':>6}  {'vlag':6}  vraag"
    lines = [header, "-" * len(header)]
    for item in items:
        flags = ("F" if item.fallback else "") + ("G" if item.declined else "") + (
            "👎" if item.feedback == "fout" else "👍" if item.feedback == "goed" else ""
        )
        confidence = f"{item.confidence:.2f}" if item.confidence is not None else "–"
        question = " ".join(item.question.split())
        question = question if len(question) <= 70 else question[:67] + "…"
        lines.append(
            f"{datetime.fromtimestamp(item.timestamp):%Y-%m-%d %H:%M}  {item.sender:8}  {item.turn:>5}  "
            f"{item.intent[:32]:32}  {confidence:>6}  {flags:6}  {question}"
        )
    lines.append("vlag: F = fallback, G = geweigerd, 👎/👍 = beoordeling van de gebruiker")
    return "\n".join(lines)


@review.command("export")
@_marks_option
@_export_options
@db_option
def export(marks_path, stories_path, questions_path, db_path):
    """Zet de beoordeelde antwoorden om naar teststories en vragen voor de vragenset.

    Juist: de herkende intent en de actie die liep. Fout met een juist onderwerp: dat onderwerp en de
    actie die de regels eraan geven. Een vraag heeft verwachte zinnen nodig, behalve als het antwoord
    een weigering moet zijn. Opnieuw exporteren vervangt de items van dezelfde beoordelingen.
    De beoordelingen bewaren de vraag en het antwoord zelf, dus het gesprekslog is hier niet nodig.

    Example:

        python -m bot review export
    """
    from bot.review.export import export_marks
    from bot.review.marks import MarkStore

    report = export_marks(
        MarkStore(marks_path).all(), stories_path=stories_path, questions_path=questions_path,
        catalogue=_catalogue(db_path),
    )
    click.echo(report.format())
