"""The answering pipeline's thresholds, weights and limits: declared once, read everywhere from here.

Chosen on the development question set and the project's own set (README "Measurements");
change them here and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnsweringConfig:
    #: words before the source line that fit the first screen of a Teams chat or the widget
    max_words: int = 60
    #: … and for a difference between two things, a sentence or two about each
    comparison_max_words: int = 90
    #: at most this many sentences of a record make a short answer
    max_sentences: int = 3
    #: a further sentence is added when it scores at least this share of the best one
    second_sentence_share: float = 0.2
    #: how much a question word that is in the topic's title counts (it is in most of its sentences)
    topical_weight: float = 0.3
    #: how much a glossary concept named in both question and sentence counts ("LP" and "lokaal partnerschap")
    concept_weight: float = 0.5
    # a question word weighs 1 when no passage of the documents holds it, less the commoner it is
    #: score added to a sentence that carries the kind of information asked (a number for "hoeveel")
    carrier_bonus: float = 0.5
    #: score added to a record's first sentence for "wat is" and "verschil" questions (the definition)
    lead_bonus: float = 0.3
    #: score taken from a sentence about what the question excludes ("géén leefloner")
    excluded_penalty: float = 1.5
    #: content words a sentence must share with a ja/nee question before its verdict is given
    verdict_min_shared_words: int = 2
    #: … and a "ja" or "hangt af" more than this share of the question's words besides its topic's
    verdict_min_coverage: float = 0.5
    #: a cited passage's sentence scores this share of what a record sentence with the same words scores
    quoted_passage_weight: float = 0.8
    #: a passage answers when it holds at least this share of the question's content weight …
    passage_min_coverage: float = 0.6
    #: … and at least this many of its content words
    passage_min_shared_words: int = 2
    #: a follow-up nothing else answers: a sentence of the sections the previous answer cited answers when it
    #: holds this share of the follow-up's own content weight and this many of its words
    in_context_min_coverage: float = 0.5
    in_context_min_shared_words: int = 1
    #: "en een TWE-traject?": a follow-up of at most this many words starting with "en" asks the question before it again
    restated_max_words: int = 10
    #: a message of at most this many words that names no glossary term is a follow-up ("hoeveel uren per maand?")
    elliptical_max_words: int = 5
    #: a topic of the previous answer's document whose title shares this much with a follow-up is what it asks
    #: (a shared content word or the question phrase "voor wie" counts 1, a related topic 0.5 more)
    follow_up_title_min_score: float = 1.0
    #: a passage elsewhere in a topic's documents answers instead of the topic's sentences when it holds
    #: this much more of the question's weight
    passage_better_by: float = 0.3
    #: … or when it holds this share (all) of the question's weight and the topic's sentences less, in a
    #: question of at least this many content words (a short follow-up's few words are soon all held)
    passage_whole: float = 0.99
    passage_whole_min_words: int = 4
    #: a question that names no document and no topic answers: a background document's passage answers
    #: only when it holds this share of the question's weight (and the question has `passage_whole_min_words`)
    passage_unnamed_coverage: float = 0.9
    #: a passage with more than this share of its letters in capitals is a title page or a running header
    heading_upper_share: float = 0.4
    #: a passage among the question's nearest in meaning (bot/nlp/passage_neighbours.py) answers with this
    #: cosine similarity even when it holds only `neighbour_min_coverage` of the question's words …
    neighbour_min_similarity: float = 0.45
    neighbour_min_coverage: float = 0.4
    #: … and what its similarity exceeds that by, times this weight, counts with its coverage in ranking
    neighbour_weight: float = 1.0
    #: passages the full-text search hands to the ranking
    passage_candidates: int = 60
    #: words a record sentence must share with a cited passage to be that passage's paraphrase
    citation_min_shared_words: int = 3
    #: a cited passage the sentence says nearly as much of (this share) as of the best one is cited as well …
    citation_also_share: float = 0.75
    #: … up to this many passages for one sentence
    citation_max_per_sentence: int = 2
    #: two sentences say the same when the longer holds this share of the shorter's words
    same_thing_share: float = 0.6
    #: a record sentence restates a passage when it holds this share of the passage's words
    restated_share: float = 0.7
    #: a ruling settles a ja/nee question only when at most this many of the question's words are not
    #: accounted for by its `asks`, what it says and its topic's title (else the question asks something else)
    ruling_max_unexplained_words: int = 1
    #: a question states the condition of a rule "als X, dan …" when it holds this share of X's words
    condition_stated_share: float = 0.7
    #: when the NLU is less sure than this of its topic intent, another of its first
    #: `reread_candidates` intents answers if its topic holds clearly more of the question (this much
    #: more of its content weight): the words asked decide between neighbouring topics
    reread_max_confidence: float = 0.9
    reread_candidates: int = 4
    reread_better_by: float = 0.3
    #: when the NLU is sure of no intent, one of its first `reread_candidates` intents with at least this
    #: confidence answers if its topic holds this share of the question's content weight
    fallback_min_confidence: float = 0.15
    fallback_min_coverage: float = 0.6


CONFIG = AnsweringConfig()
