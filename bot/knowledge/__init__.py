"""The knowledge layer: load, validate, build and query the rule base."""
from bot.knowledge.build import build_db, db_is_current, fingerprint
from bot.knowledge.load import Knowledge, load_knowledge
from bot.knowledge.query import KnowledgeBase
from bot.knowledge.schema import KINDS, SCHEMA_VERSION
from bot.knowledge.validate import validate, validate_or_raise

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "Knowledge",
    "KnowledgeBase",
    "build_db",
    "db_is_current",
    "fingerprint",
    "load_knowledge",
    "validate",
    "validate_or_raise",
]
