"""Text search over studies: one stored text per study, kept by one function, indexed per database.

A study is found by what it says and by what it is linked to (its paper's title and authors,
its electrolyte, its interlayer materials). Reading those through joins on every search made
it grow with the atlas, so each study stores them:

- `search_text`: everything a search looks at, lower-cased, one field per line-like segment,
  for containment ("li3po4" inside "li3po4-coated"). PostgreSQL indexes it with trigrams,
  SQLite reads it in one pass over one table.
- `search_names`: the paper's title and the electrolyte's names, which weigh most in the
  ranking. On PostgreSQL a trigger turns it, the summary and the mechanism into the stored,
  GIN-indexed `search_vector`, so no write of a study can leave the vector behind.

`refresh()` rewrites both texts, and the electrolyte's name the list sorts on; every write of
a linked record calls it (signals at the end of models.py) and the bulk paths (the
benchmark, the migration) call it themselves."""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet

# Fields are joined by a character no search can hold (see clean_query), so a search never
# matches across the end of one field and the start of the next, as it could not when each
# field was searched on its own.
SEPARATOR = "\x1f"
WORDS_MAX = 32


def clean_query(text: str) -> str:
    """The search as typed, without control characters (the separator among them), trimmed."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text).strip()


def websearch_text(text: str) -> str:
    """The words of a search and their quotes, without operator runs PostgreSQL cannot parse.

    websearch_to_tsquery turns each '-' or 'or' into an operator; a few dozen of them in a
    row overflow its stack ("tsquery stack too small"). Words are what people search for."""
    words = re.findall(r'"|[^\W_]+(?:[.\-][^\W_]+)*', text)
    return " ".join(words[:WORDS_MAX])


def texts_of(study) -> tuple[str, str]:
    """The stored (search_text, search_names) of a study whose relations are loaded."""
    reference, electrolyte = study.reference, study.electrolyte
    fields = [study.summary, study.mechanism, reference.title]
    fields += [electrolyte.name, electrolyte.formula, electrolyte.aliases]
    for layer in study.layers.all():
        fields += [layer.material.name, layer.material.formula, layer.material.aliases]
    for authorship in reference.authorships.all():
        fields += [authorship.author.family, authorship.author.given]
    text = SEPARATOR.join(field.lower() for field in fields if field)
    names = " ".join(part for part in (reference.title, electrolyte.name, electrolyte.aliases) if part)
    return text, names


def refresh(studies: QuerySet, batch_size: int = 1000) -> int:
    """Rewrite the stored search texts of these studies from their current records."""
    model = studies.model
    ids = list(studies.order_by().values_list("pk", flat=True))
    changed = 0
    for start in range(0, len(ids), batch_size):
        batch = list(
            model.objects.filter(pk__in=ids[start : start + batch_size])
            .select_related("reference", "electrolyte")
            .prefetch_related("layers__material", "reference__authorships__author")
            .only(
                "summary",
                "mechanism",
                "search_text",
                "search_names",
                "electrolyte_name",
                "reference__title",
                "electrolyte__name",
                "electrolyte__formula",
                "electrolyte__aliases",
            )
        )
        stale = []
        for study in batch:
            stored = (*texts_of(study), study.electrolyte.name)
            if stored != (study.search_text, study.search_names, study.electrolyte_name):
                study.search_text, study.search_names, study.electrolyte_name = stored
                stale.append(study)
        model.objects.bulk_update(stale, ["search_text", "search_names", "electrolyte_name"])
        changed += len(stale)
    return changed


def matching(studies: QuerySet, text: str) -> QuerySet:
    """The studies whose stored text contains the search; on PostgreSQL also its words, ranked."""
    text = clean_query(text)
    if not text:
        return studies
    contains = Q(search_text__contains=text.lower())
    if connection.vendor != "postgresql":
        return studies.filter(contains)
    query = SearchQuery(websearch_text(text), search_type="websearch", config="english")
    return studies.annotate(search_rank=SearchRank(F("search_vector"), query)).filter(
        contains | Q(search_vector=query)
    )
