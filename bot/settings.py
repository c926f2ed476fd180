"""Settings read from the environment, in one place. Paths default to the project folder."""
from __future__ import annotations

import os
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
