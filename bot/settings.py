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


def build_dir() -> Path:
    return _path("DRAAIBOEK_BUILD_DIR", PROJECT_DIR / "build")
