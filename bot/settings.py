"""Settings read from the environment, in one place. Paths default to the project folder."""
from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


def knowledge_dir() -> Path:
    return _path("DRAAIBOEK_KNOWLEDGE_DIR", PROJECT_DIR / "knowledge")


def sources_dir() -> Path:
    return _path("DRAAIBOEK_SOURCES_DIR", PROJECT_DIR / "knowledge" / "sources")


def db_path() -> Path:
    """The built knowledge base the action server reads (DRAAIBOEK_DB)."""
    return _path("DRAAIBOEK_DB", PROJECT_DIR / "knowledge.db")


def tracker_url() -> str | None:
    """Where conversations are stored, as an SQLAlchemy URL (DRAAIBOEK_TRACKER_URL), e.g.
    postgresql://draaiboek:geheim@db:5432/draaiboek; unset: the SQLite file of endpoints.yml."""
    return os.environ.get("DRAAIBOEK_TRACKER_URL") or None


def lock_store_url() -> str | None:
    """Redis for conversation locks shared by several Rasa servers (DRAAIBOEK_LOCK_STORE_URL), e.g.
    redis://redis:6379/0; unset: in-memory locks (one Rasa server)."""
    return os.environ.get("DRAAIBOEK_LOCK_STORE_URL") or None


def api_token() -> str | None:
    """Token of Rasa's HTTP API (DRAAIBOEK_API_TOKEN); unset: a random one per start, so the API is
    never open without one."""
    return os.environ.get("DRAAIBOEK_API_TOKEN") or None


def channel_token() -> str | None:
    """Token the REST and widget webhooks require (DRAAIBOEK_CHANNEL_TOKEN, as `Authorization: Bearer …`);
    unset: open, for a widget on an intranet page that only the intranet reaches."""
    return os.environ.get("DRAAIBOEK_CHANNEL_TOKEN") or None


def build_dir() -> Path:
    return _path("DRAAIBOEK_BUILD_DIR", PROJECT_DIR / "build")


def _list(name: str) -> list[str]:
    return [part for part in re.split(r"[,\s]+", os.environ.get(name, "")) if part]


def widget_origins() -> list[str]:
    """Origins of the intranet pages that embed the widget (DRAAIBOEK_WIDGET_ORIGINS, comma- or
    space-separated, e.g. https://intranet.example.be). Only these get CORS answers and socket.io
    connections from another origin; unset: none (the demo page on the server itself works)."""
    return [origin.rstrip("/") for origin in _list("DRAAIBOEK_WIDGET_ORIGINS")]


def max_request_bytes() -> int:
    """Largest request body the Rasa server reads (DRAAIBOEK_MAX_REQUEST_BYTES, default 64 KiB)."""
    return int(os.environ.get("DRAAIBOEK_MAX_REQUEST_BYTES") or 64 * 1024)


def actions_host() -> str:
    """Interface the action server listens on (DRAAIBOEK_ACTIONS_HOST): 127.0.0.1 by default; in the
    scale-out layout the private network's address (or 0.0.0.0 inside a container on that network)."""
    return os.environ.get("DRAAIBOEK_ACTIONS_HOST") or "127.0.0.1"


def session_secret() -> str | None:
    """Key that signs socket.io session ids (DRAAIBOEK_SESSION_SECRET); unset: a random key per start.
    Several Rasa servers behind one address need the same key."""
    return os.environ.get("DRAAIBOEK_SESSION_SECRET") or None


def review_base_url() -> str | None:
    """Address the review page is reached at (DRAAIBOEK_REVIEW_BASE_URL, e.g. https://review.intranet):
    a form must come from this origin. Unset: the origin of the Host header, over http or https."""
    value = os.environ.get("DRAAIBOEK_REVIEW_BASE_URL")
    return value.rstrip("/") if value else None
