"""Text search over studies: one stored text per study, kept by one function, one query
language on both databases.

A study is found by what it says and by what it is linked to: its paper's title, journal and
authors, its electrolyte and family, its interlayer materials, its method. Reading those
through joins on every search made it grow with the atlas, so each study stores them:

- `search_text`: everything a search looks at, folded (`fold`: lower case, accents and
  Unicode forms folded: Kızılaslan = kizilaslan, Li₆PS₅Cl = li6ps5cl, an en dash = a hyphen),
  one field per segment. A material is stored under every name the curated data give it (its
  formula, abbreviations, aliases; the family's label and slug), so any of them
  finds it. PostgreSQL indexes the text with trigrams; SQLite reads it in one pass.
- `search_names`: the paper's title and the electrolyte's names, which weigh most in the
  ranking. On PostgreSQL a trigger turns it, the summary and the mechanism into the stored,
  GIN-indexed `search_vector`, used to rank, never to choose.

A search is words and "quoted phrases"; a study matches when its text holds every one of
them (AND, across fields), each folded the same way, a word's plural or singular alike
(`term_of`: dendrites = dendrite), a formula inside a longer word (Li3PO4 in Li3PO4-coated).
So both databases choose exactly the same studies.

`refresh()` rewrites the stored texts, the electrolyte's name the list sorts on and the paper's
year the charts count by; every write of a linked record calls it (signals at the end of
models.py) and the bulk paths (the benchmark, the migrations) call it themselves."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Fields are joined by a character no search can hold (see clean_query), so a phrase never
# matches across the end of one field and the start of the next.
SEPARATOR = "\x1f"
WORDS_MAX = 32
# Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans({"ı": "i", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss",
                          "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th"})  # fmt: skip
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")


def fold(text: str) -> str:
    """Text as search compares it: compatibility forms (subscripts, ligatures) as plain
    characters, accents dropped, dashes as hyphens, lower case."""
    text = unicodedata.normalize("NFKC", text).translate(_LETTERS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _DASHES.sub("-", text).casefold()


def term_of(word: str) -> str:
    """A folded word as it is looked for: a plural's or a verb form's ending dropped, so that
    every form holds it (dendrites → dendrite; batteries → batter; suppressed, suppressing →
    suppress). A word with a digit (a formula) is looked for as it is."""
    if any(c.isdigit() for c in word):
        return word
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3]
    if len(word) > 4 and word.endswith("es") and word[-3] in "sxzh":
        return word[:-2]
    if len(word) > 4 and word.endswith("es"):
        return word[:-1]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def clean_query(text: str) -> str:
    """The search as typed, without control characters (the separator among them), trimmed."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text).strip()


@dataclass(frozen=True)
class Term:
    text: str  # folded, as the stored text must hold it
    phrase: bool = False


_PIECES = re.compile(r'"([^"]*)"|(\S+)')
# Punctuation around a word that is not part of it ("Huo," "H." "(LLZO)").
_AROUND = " \t.,;:!?'\"“”‘’«»()[]{}<>"


def terms(text: str) -> list[Term]:
    """The words and quoted phrases of a search, folded, at most WORDS_MAX."""
    found = []
    for phrase, word in _PIECES.findall(fold(clean_query(text))):
        if phrase.strip():
            found.append(Term(" ".join(phrase.split()), phrase=True))
        elif word:
            stripped = word.strip(_AROUND)
            # A formula keeps its brackets: Li1.3Al0.3Ti1.7(PO4)3.
            if stripped and "(" in word and ")" in word and word.count("(") == word.count(")"):
                stripped = word.strip(" .,;:!?'\"")
            if stripped:
                found.append(Term(term_of(stripped)))
    return list(dict.fromkeys(found))[:WORDS_MAX]


def websearch_text(text: str) -> str:
    """The words of a search and their quotes, without operator runs PostgreSQL cannot parse
    (used to rank only)."""
    words = re.findall(r'"|[^\W_]+(?:[.\-][^\W_]+)*', text)
    return " ".join(words[:WORDS_MAX])


def texts_of(study) -> tuple[str, str]:
    """The stored (search_text, search_names) of a study whose relations are loaded."""
    reference, electrolyte = study.reference, study.electrolyte
    family = electrolyte.family
    fields = [study.summary, study.mechanism, study.method_detail, reference.title, reference.journal]
    fields += [study.get_method_display() if study.method else "", study.get_strategy_display()]
    fields += [electrolyte.name, electrolyte.formula, electrolyte.aliases]
    if family is not None:
        fields += [family.label, family.slug]  # not its examples: LLZTO would find every garnet
    for layer in study.layers.all():
        fields += [layer.material.name, layer.material.formula, layer.material.aliases]
    for authorship in reference.authorships.all():
        fields += [authorship.author.family, authorship.author.given]
    text = SEPARATOR.join(fold(field) for field in fields if field)
    names = " ".join(part for part in (reference.title, electrolyte.name, electrolyte.aliases) if part)
    return text, names


# What refresh() stores of a study's linked records.
STORED = ["search_text", "search_names", "electrolyte_name", "paper_year"]


def refresh(studies: QuerySet, batch_size: int = 1000) -> int:
    """Rewrite the stored search texts of these studies, their electrolyte's name and their
    paper's year from their current records (those of them the model has: a migration's model
    from before one of them was added leaves it out)."""
    model = studies.model
    present = {field.name for field in model._meta.concrete_fields}
    stored_fields = [name for name in STORED if name in present]
    ids = list(studies.order_by().values_list("pk", flat=True))
    changed = 0
    for start in range(0, len(ids), batch_size):
        batch = list(
            model.objects.filter(pk__in=ids[start : start + batch_size])
            .select_related("reference", "electrolyte__family")
            .prefetch_related("layers__material", "reference__authorships__author")
            .only(
                "summary",
                "mechanism",
                "method_detail",
                "method",
                "strategy",
                "reference__journal",
                "electrolyte__family__label",
                "electrolyte__family__slug",
                "reference__title",
                "reference__year",
                "electrolyte__name",
                "electrolyte__formula",
                "electrolyte__aliases",
                *stored_fields,
            )
        )
        stale = []
        for study in batch:
            current = dict(
                zip(STORED, (*texts_of(study), study.electrolyte.name, study.reference.year), strict=True)
            )
            if any(getattr(study, name) != current[name] for name in stored_fields):
                for name in stored_fields:
                    setattr(study, name, current[name])
                stale.append(study)
        model.objects.bulk_update(stale, stored_fields)
        changed += len(stale)
    return changed


# SQLite: an FTS5 index of the stored texts, by trigrams, so that a search reads the index
# rather than every text. Its MATCH of a quoted string is containment, as LIKE's is, for a
# string of three characters or more; shorter terms are left to LIKE alone. Triggers keep it
# with every write of a study's text; `ensure_index` (after every migrate) makes it where it
# is missing, as when a migration rebuilt the studies' table and dropped its triggers.
FTS_TABLE = "interfaces_study_fts"
_FTS_TRIGGERS = {
    f"{FTS_TABLE}_insert": f"""CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON interfaces_study BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
    f"{FTS_TABLE}_delete": f"""CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON interfaces_study BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        END""",
    f"{FTS_TABLE}_update": f"""CREATE TRIGGER {FTS_TABLE}_update
        AFTER UPDATE OF search_text ON interfaces_study BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
}
FTS_MIN = 3  # the trigram index finds strings of at least three characters


def ensure_index(using: str = "default") -> bool:
    """Make the SQLite search index and its triggers where any is missing, and fill it from the
    stored texts; True when it had to. Nothing on other databases."""
    from django.db import connections

    connection_ = connections[using]
    if connection_.vendor != "sqlite":
        return False
    with connection_.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {name for (name,) in cursor.fetchall()}
        if "interfaces_study" not in present or {FTS_TABLE, *_FTS_TRIGGERS} <= present:
            return False
        if FTS_TABLE not in present:
            cursor.execute(
                f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_text, content='interfaces_study', "
                "content_rowid='id', tokenize='trigram')"
            )
        for name, sql in _FTS_TRIGGERS.items():
            if name not in present:
                cursor.execute(sql)
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    return True


def _fts_query(wanted: list[Term]) -> str:
    return " AND ".join('"' + term.text.replace('"', '""') + '"' for term in wanted)


# Matches past which a search is "many" (SQLite): counted in the index, at most this far.
MANY = 2000


def _many_match(wanted: list[Term]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s)",
            [_fts_query(wanted), MANY],
        )
        return cursor.fetchone()[0] >= MANY


def matching(studies: QuerySet, text: str) -> QuerySet:
    """The studies whose stored text holds every term of the search; ranked on PostgreSQL."""
    wanted = terms(text)
    if not wanted:
        return studies
    if connection.vendor == "sqlite":
        # The index answers for the terms it holds (a MATCH of a quoted string is containment),
        # LIKE for the shorter ones. A search that many studies match is left to LIKE alone: the
        # list reads its first page in order and stops, where the index would first list every
        # match. Both choose exactly the same studies.
        indexed = [term for term in wanted if len(term.text) >= FTS_MIN]
        if indexed and not _many_match(indexed):
            chosen = studies.filter(*[Q(search_text__contains=t.text) for t in wanted if t not in indexed])
            in_index = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
            return chosen.filter(pk__in=RawSQL(in_index, [_fts_query(indexed)]))
        return studies.filter(*[Q(search_text__contains=term.text) for term in wanted])
    chosen = studies.filter(*[Q(search_text__contains=term.text) for term in wanted])
    if connection.vendor != "postgresql":
        return chosen
    return ranked(chosen, text)


def ranked(studies: QuerySet, text: str) -> QuerySet:
    """The studies with their rank for the search (`search_rank`, PostgreSQL), chosen or not."""
    query = SearchQuery(websearch_text(clean_query(text)), search_type="websearch", config="english")
    return studies.annotate(search_rank=SearchRank(F("search_vector"), query))


# -- what a reader sees of a search: the matched words marked, and where to go when none ---
@lru_cache(maxsize=4096)
def _fold_character(character: str) -> str:
    return fold(character)


@lru_cache(maxsize=64)
def _terms_of_query(query: str) -> tuple[Term, ...]:
    return tuple(terms(query))


def highlight(text: str, query: str) -> SafeString:
    """The text, escaped, with every stretch a term of the search matched in <mark>: the
    match is made on the folded text and marked on the text as written (Kızılaslan for
    kizilaslan, Li₆PS₅Cl for li6ps5cl)."""
    wanted = [term.text for term in _terms_of_query(query)] if query else []
    if not text or not wanted:
        return escape(text)
    whole = fold(text)
    wanted = [term for term in wanted if term in whole]
    if not wanted:  # most texts of a list hold none of the words: nothing to mark
        return escape(text)
    folded, origin = [], []  # each folded character, and the written character it came from
    for position, character in enumerate(text):
        for piece in _fold_character(character):
            folded.append(piece)
            origin.append(position)
    folded_text = "".join(folded)
    marked = [False] * len(text)
    for term in wanted:
        for found in re.finditer(re.escape(term), folded_text):
            for index in range(found.start(), found.end()):
                marked[origin[index]] = True
    out, position = [], 0
    while position < len(text):
        end = position
        while end < len(text) and marked[end] == marked[position]:
            end += 1
        piece = escape(text[position:end])
        out.append(f"<mark>{piece}</mark>" if marked[position] else piece)
        position = end
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above
