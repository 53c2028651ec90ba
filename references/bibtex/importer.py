"""Planning and saving an import: `import_bibtex` is the one write path for references,
used by the admin import and by `load_curated`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from atlas.caching import data_changed

from ..models import Author, Authorship, Reference
from .citekeys import CITEKEY_SHAPE, make_citekey
from .parse import MONTHS, ParsedEntry, Problem, parse_bibtex


@dataclass
class ImportReport:
    created: list[ParsedEntry] = field(default_factory=list)
    duplicates: list[tuple[ParsedEntry, Reference]] = field(default_factory=list)
    failed: list[ParsedEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    saved: list[Reference] = field(default_factory=list)
    left_out: list[ParsedEntry] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failed

    @property
    def failures(self) -> list[Problem]:
        """Problems of the file and failed entries, in the order of the file."""
        rows = self.problems + [Problem(e.line, e.key, "; ".join(e.errors)) for e in self.failed]
        return sorted(rows, key=lambda p: (p.line is None, p.line or 0))


class Identities:
    """Papers known by DOI, and by title, year and first author where a DOI is missing."""

    def __init__(self):
        self.by_doi: dict[str, object] = {}
        self.by_match: dict[tuple, tuple[object, str]] = {}

    def add(self, doi: str, match_key: tuple, item) -> None:
        if doi:
            self.by_doi[doi] = item
        self.by_match[match_key] = (item, doi)

    def find(self, doi: str, match_key: tuple):
        if doi and doi in self.by_doi:
            return self.by_doi[doi]
        item, known_doi = self.by_match.get(match_key, (None, ""))
        # Two different DOIs are two papers, even under one title (an erratum, a part II).
        return item if item is not None and not (doi and known_doi) else None


def known_identities() -> Identities:
    """Every reference of the atlas, by its DOI and by its title, year and first author."""
    known = Identities()
    for reference in Reference.objects.with_authors():
        known.add(reference.doi, reference.match_key, reference)
    return known


def citekey_for(entry: ParsedEntry, taken: set[str], *, keep_key: bool) -> str:
    """A new entry's citation key: the file's own where keep_key and it is a valid, free key,
    else one made from its first author, year and title."""
    if keep_key and CITEKEY_SHAPE.fullmatch(entry.key) and entry.key not in taken:
        return entry.key
    return make_citekey(entry.first_author, entry.year, entry.title, taken)


def plan_import(text: str, *, keep_keys: bool = False) -> ImportReport:
    """What importing `text` would do, without writing anything.

    keep_keys: a new entry keeps the key the file gives it where that key is a valid,
    free citation key (the curated files name their references so)."""
    result = parse_bibtex(text)
    report = ImportReport(problems=list(result.problems))
    existing = known_identities()
    in_file = Identities()
    taken = set(Reference.objects.values_list("citekey", flat=True))
    for entry in result.entries:
        if entry.errors:
            report.failed.append(entry)
            continue
        known = existing.find(entry.doi, entry.match_key)
        if known is not None:
            report.duplicates.append((entry, known))
            continue
        twin = in_file.find(entry.doi, entry.match_key)
        if twin is not None:
            entry.errors.append(f"the same paper as {twin.key} (line {twin.line}) earlier in this file")
            report.failed.append(entry)
            continue
        in_file.add(entry.doi, entry.match_key, entry)
        entry.citekey = citekey_for(entry, taken, keep_key=keep_keys)
        taken.add(entry.citekey)
        report.created.append(entry)
    return report


def reference_fields(entry: ParsedEntry) -> dict:
    f = entry.fields
    journal = entry.venue
    # biblatex writes date = {2022-06} instead of year and month.
    month = f.get("month") or (re.match(r"\s*-?\d{4}-(\d{2})", f.get("date", "")) or [None, ""])[1]
    return {
        "entry_type": entry.entry_type,
        "title": f["title"],
        "journal": journal[:300],
        "publisher": f.get("publisher", "")[:300],
        "year": entry.year,
        "month": int(month) if month.isdigit() and 1 <= int(month) <= 12 else MONTHS.get(month.lower()[:3]),
        "volume": f.get("volume", "")[:50],
        "number": (f.get("number") or f.get("issue", ""))[:50],
        "pages": re.sub(r"\s*-+\s*|–", "–", f.get("pages", ""))[:50],
        "doi": entry.doi,
        "url": f.get("url", ""),
        "abstract": f.get("abstract", ""),
        "curation_note": f.get("annote", ""),
        # The atlas's own files name the key a paper was first imported under.
        "source_key": (f.get("sourcekey") or entry.key)[:200],
        "source_type": entry.source_type,
    }


def _authors_of(entries: list[ParsedEntry]) -> dict[tuple[str, str], Author]:
    """Every author the entries name, by (family, given): those known fetched, the others created."""
    names = {(family[:200], given[:200]) for entry in entries for family, given in entry.authors}
    families = sorted({family for family, _ in names})
    known: dict[tuple[str, str], Author] = {}
    for start in range(0, len(families), 500):  # SQLite limits the parameters of one query
        for author in Author.objects.filter(family__in=families[start : start + 500]):
            known[(author.family, author.given)] = author
    missing = [Author(family=family, given=given) for family, given in sorted(names - known.keys())]
    # ignore_conflicts: an author another import created meanwhile is fetched below.
    Author.objects.bulk_create(missing, batch_size=500, ignore_conflicts=True)
    for start in range(0, len(missing), 500):
        batch = {(a.family, a.given) for a in missing[start : start + 500]}
        for author in Author.objects.filter(family__in={family for family, _ in batch}):
            if (author.family, author.given) in batch:
                known[(author.family, author.given)] = author
    return known


@transaction.atomic
def save_entries(entries: list[ParsedEntry]) -> list[Reference]:
    """Create a reference, with its authors, for each entry (under its planned citation key).

    In bulk: the references with their history rows, their authors and authorships, a few
    queries for the whole file. Bulk creation sends no post_save, so what its receivers keep
    is kept here: what lists papers is made out of date. The studies' stored search texts and
    their cached counts and drawings need nothing: a study links to an existing reference, and
    these did not exist before."""
    taken = set(Reference.objects.values_list("citekey", flat=True))
    authors = _authors_of(entries)
    references = []
    for entry in entries:
        key = entry.citekey if entry.citekey and entry.citekey not in taken else ""
        key = key or make_citekey(entry.first_author, entry.year, entry.title, taken)
        taken.add(key)
        reference = Reference(citekey=key, **reference_fields(entry))
        reference.first_author_hint = entry.first_author
        reference.prepare_to_save()
        references.append(reference)
    saved = bulk_create_with_history(references, Reference, batch_size=500)
    Authorship.objects.bulk_create(
        [
            Authorship(reference=reference, author=authors[(family[:200], given[:200])], position=position)
            for entry, reference in zip(entries, saved, strict=True)
            for position, (family, given) in enumerate(entry.authors, start=1)
        ],
        batch_size=500,
    )
    if saved:
        data_changed(Reference, created=True)
    return saved


@transaction.atomic
def import_bibtex(
    text: str, *, skip_failed: bool = False, keep_keys: bool = False, only: set[str] | None = None
) -> ImportReport:
    """Import every new entry of `text`, atomically.

    Nothing is saved if the file has a problem or an entry fails, unless skip_failed
    (the admin's confirmed preview), which saves the new entries and skips the rest.
    only: the keys of the new entries to save; the others are left out."""
    report = plan_import(text, keep_keys=keep_keys)
    if only is not None:
        report.left_out = [entry for entry in report.created if entry.choice not in only]
        report.created = [entry for entry in report.created if entry.choice in only]
    if report.ok or skip_failed:
        report.saved = save_entries(report.created)
    return report


def replace_authors(reference: Reference, authors: list[tuple[str, str]]) -> None:
    """Give a saved reference these authors, (family, given) in order, in place of its own."""
    reference.authorships.all().delete()
    for position, (family, given) in enumerate(authors, start=1):
        author, _ = Author.objects.get_or_create(family=family[:200], given=given[:200])
        Authorship.objects.create(reference=reference, author=author, position=position)
    reference.save(update_fields=["identity"])  # the first author is part of its identity
