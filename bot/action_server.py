"""The action server, started as `python -m bot.action_server --port 5055` (by `bot.runner`).

rasa_sdk's own entry point listens on 0.0.0.0 and, on an error, answers with the whole request body —
the tracker, with what the user typed. This starts the same rasa_sdk app with three differences:

- it listens on `settings.actions_host()` (127.0.0.1 unless DRAAIBOEK_ACTIONS_HOST says otherwise:
  the scale-out layout puts it on a private network);
- an error is answered with a short Dutch-free JSON error, never the request;
- no CORS: only the Rasa server calls it; and log lines pass through `bot.privacy`'s redaction.
"""
from __future__ import annotations

import argparse
import logging

from sanic import response

from bot import settings
from bot.privacy import install_log_redaction

logger = logging.getLogger(__name__)


async def _error(request, exception: Exception):  # noqa: ANN001 - Sanic's handler signature
    logger.error("action server: %s on %s", type(exception).__name__, request.path)
    status = getattr(exception, "status_code", 500)
    return response.json({"error": "action server error", "status": status}, status=status if 400 <= status < 600 else 500)


def create_app(actions: str = "actions"):
    from rasa_sdk.endpoint import create_app as rasa_sdk_app

    app = rasa_sdk_app(actions, cors_origins=None)
    app.error_handler.add(Exception, _error)
    app.config.REQUEST_MAX_SIZE = 16 * 1024 * 1024  # a long conversation's tracker, not more
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="start the action server")
    parser.add_argument("--actions", default="actions")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=None, help="default: DRAAIBOEK_ACTIONS_HOST or 127.0.0.1")
    args = parser.parse_args(argv)
    from rasa_sdk import utils

    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    install_log_redaction()
    host = args.host or settings.actions_host()
    app = create_app(args.actions)
    logger.info("action server on http://%s:%s", host, args.port)
    app.run(host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
