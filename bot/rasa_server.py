"""`rasa run` with the API token from the environment, started by `bot.runner`.

`rasa run --auth-token=…` puts the token on the command line, where every user of the machine reads
it (`ps`). This entry point takes it from DRAAIBOEK_API_TOKEN (the environment of a process is
readable by its owner only) and hands it to Rasa's own command line parser inside the process; the
other arguments are passed on as they are: `python -m bot.rasa_server run --model … --port …`.
"""
from __future__ import annotations

import os
import sys

from bot.privacy import install_log_redaction

TOKEN_ENV = "DRAAIBOEK_API_TOKEN"


def main() -> None:
    token = os.environ.get(TOKEN_ENV)
    args = sys.argv[1:]
    if token:
        args.append(f"--auth-token={token}")  # `=`: a token may start with "-"
    install_log_redaction()
    sys.argv = ["rasa", *args]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
