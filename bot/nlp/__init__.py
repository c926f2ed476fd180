"""The Dutch NLP part: the spaCy pipeline and the Rasa training data generated from the glossary."""
from bot.nlp.pipeline import (
    BLANK,
    build_pipeline,
    glossary_patterns,
    load_pipeline,
    pipeline_is_current,
)
from bot.nlp.training_data import (
    glossary_training_data_is_current,
    render_glossary_training_data,
    write_glossary_training_data,
)

__all__ = [
    "BLANK",
    "build_pipeline",
    "glossary_patterns",
    "glossary_training_data_is_current",
    "load_pipeline",
    "pipeline_is_current",
    "render_glossary_training_data",
    "write_glossary_training_data",
]
