"""Where to go when a search finds nothing: searches near it that find studies, made from the
words the atlas holds (materials by every name, families, methods, people, the papers'
titles), the same on both databases."""

from __future__ import annotations

import difflib
import re

from django.db.models import QuerySet

from atlas.caching import cached_for
from references.models import Author, Reference

from .models import Electrolyte, ElectrolyteFamily, InterlayerMaterial
from .search import fold, matching, term_of, terms
from .vocabularies import Method, Strategy

VOCABULARY_SECONDS = 600


def vocabulary() -> list[str]:
    """The words the atlas holds that people search for: materials by every name, families,
    methods, people, and the words of the papers' titles; folded."""
    texts = []
    for model, fields in (
        (Electrolyte, ("name", "formula", "aliases")),
        (InterlayerMaterial, ("name", "formula", "aliases")),
        (ElectrolyteFamily, ("label", "slug", "examples")),
        (Author, ("family", "given")),
    ):
        for row in model.objects.values_list(*fields):
            texts.extend(value for value in row if value)
    texts += [str(label) for label in (*Method.labels, *Strategy.labels)]
    texts += Reference.objects.values_list("title", flat=True).iterator(chunk_size=2000)
    words = set()
    for text in texts:
        for word in re.split(r"[\s,;:()\"']+", fold(text)):
            word = word.strip(".-")
            if len(word) >= 3:
                words.add(word)
    return sorted(words)


def suggestions(studies: QuerySet, query: str, limit: int = 3) -> list[tuple[str, int]]:
    """Searches near one that found nothing: each term that no study holds replaced by the
    nearest word the atlas does hold, kept when the new search finds studies; with its count."""
    wanted = terms(query)
    missing = [
        term
        for term in wanted
        if not term.phrase and not studies.filter(search_text__contains=term.text).exists()
    ]
    if not missing:
        return []
    # Read anew at most every VOCABULARY_SECONDS, not after every save: at 100,000 papers it
    # takes seconds, and a word it lacks or keeps a while only changes which offers are tried.
    words = cached_for("search-vocabulary", VOCABULARY_SECONDS, vocabulary)
    offers: list[tuple[str, int]] = []
    for term in missing:
        forms = set()  # "dendrite" and "dendrites" are one offer: a search finds both alike
        for near in difflib.get_close_matches(term.text, words, n=limit + 2, cutoff=0.7):
            if term_of(near) in forms:
                continue
            forms.add(term_of(near))
            rewritten = " ".join(
                (f'"{t.text}"' if t.phrase else near if t == term else t.text) for t in wanted
            )
            count = matching(studies, rewritten).count()
            if count and rewritten not in [text for text, _ in offers]:
                offers.append((rewritten, count))
    return offers[:limit]  # the nearest words first
