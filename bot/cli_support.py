"""What every `python -m bot …` command group shares: library errors as `Error: …`, common options."""
from __future__ import annotations

from pathlib import Path

import click

from bot.errors import DraaiboekError


class DraaiboekGroup(click.Group):
    """Turns library errors into `Error: …` and exit code 1 (also when a group runs on its own)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DraaiboekError as e:
            raise click.ClickException(str(e)) from e


def db_option(function):
    """--db: the built knowledge base (default knowledge.db or $DRAAIBOEK_DB)."""
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Het kennisbankbestand (standaard: knowledge.db of $DRAAIBOEK_DB).",
    )(function)
