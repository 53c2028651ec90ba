"""Bibliography downloads (BibTeX, RIS, CSL-JSON) and the JSON form of a reference, shared by both apps."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from itertools import groupby, islice
from operator import itemgetter

from django.db.models import F, QuerySet

from atlas.downloads import file_download
from atlas.lookups import AnyOf

from .bibtex import write_bibtex
from .csl import csl_chunks, write_csl
from .doi import doi_url
from .models import Authorship, PersonName, Reference
from .ris import write_ris

# format parameter -> (writer, content type, file extension)
BIBLIOGRAPHY_FORMATS: dict[str, tuple[Callable[[Iterable[Reference]], str], str, str]] = {
    "bib": (write_bibtex, "application/x-bibtex; charset=utf-8", "bib"),
    "ris": (write_ris, "application/x-research-info-systems; charset=utf-8", "ris"),
    "csl": (write_csl, "application/vnd.citationstyles.csl+json; charset=utf-8", "csl.json"),
}


# References written at a time: each batch is read (with its authors) and written, then
# dropped, so a download of the whole atlas holds one batch in memory, never the file.
CHUNK_SIZE = 500


@dataclass(frozen=True, slots=True)
class ExportedAuthor(PersonName):
    family: str
    given: str


@dataclass(slots=True)
class ExportedReference:
    """A reference as the bibliography writers read it, built from plain values: what a
    Reference with its authors prefetched gives them, at a fraction of the cost."""

    citekey: str
    entry_type: str
    source_type: str
    title: str
    journal: str
    publisher: str
    year: int | None
    month: int | None
    volume: str
    number: str
    pages: str
    doi: str
    url: str
    abstract: str
    curation_note: str
    author_list: list[ExportedAuthor]

    @property
    def doi_url(self) -> str:
        return doi_url(self.doi)


# What is read of a reference: its id, then ExportedReference's fields but the authors.
REFERENCE_COLUMNS = ("pk", *[field.name for field in fields(ExportedReference)][:-1])


def exported_references(references: QuerySet, size: int) -> Iterator[list[ExportedReference]]:
    """The references of a queryset, in its order, read as values a batch at a time: one
    query streams them and one a batch reads their authors."""
    rows = references.prefetch_related(None).values_list(*REFERENCE_COLUMNS).iterator(chunk_size=size)
    while batch := list(islice(rows, size)):
        authorships = (
            Authorship.objects.filter(AnyOf(F("reference_id"), [row[0] for row in batch]))
            .order_by("reference_id", "position")
            .values_list("reference_id", "author__family", "author__given")
        )
        authors = {
            pk: [ExportedAuthor(family, given) for _, family, given in names]
            for pk, names in groupby(authorships, key=itemgetter(0))
        }
        yield [ExportedReference(*row[1:], author_list=authors.get(row[0], [])) for row in batch]


def _batches(references: Iterable[Reference], size: int) -> Iterator[list]:
    if isinstance(references, QuerySet):
        yield from exported_references(references, size)
        return
    iterator = iter(references)
    while batch := list(islice(iterator, size)):
        yield batch


def bibliography_chunks(references: Iterable[Reference], fmt: str, size: int = CHUNK_SIZE) -> Iterator[str]:
    """The file in pieces, as one write of all the references would give it (bar the alignment
    of values, which BibTeX ignores): entries of a BibTeX file are set apart by a blank line."""
    if fmt == "csl":  # one JSON array, whatever the number of batches
        yield from csl_chunks(_batches(references, size))
        return
    writer = BIBLIOGRAPHY_FORMATS[fmt][0]
    for index, batch in enumerate(_batches(references, size)):
        text = writer(batch)
        yield ("\n" + text) if index and fmt == "bib" else text


def bibliography_response(request, references: Iterable[Reference], fmt: str, filename: str):
    """A download of references (prefetched with_authors()) in a bibliography format, as a whole file."""
    _, content_type, extension = BIBLIOGRAPHY_FORMATS[fmt]
    return file_download(
        request,
        bibliography_chunks(references, fmt),
        content_type,
        f'attachment; filename="{filename}.{extension}"',
    )


def reference_document(*, citekey: str, doi: str, title: str, authors: list[str], journal: str, year) -> dict:
    """A reference's JSON document (docs/contract.md), whether read from a model or from values."""
    return {
        "citekey": citekey,
        "doi": doi,
        "doi_url": doi_url(doi),
        "title": title,
        "authors": authors,
        "journal": journal,
        "year": year,
    }


def reference_json(reference: Reference) -> dict:
    authors = [str(author) for author in reference.author_list]
    return reference_document(
        citekey=reference.citekey,
        doi=reference.doi,
        title=reference.title,
        authors=authors,
        journal=reference.journal,
        year=reference.year,
    )
