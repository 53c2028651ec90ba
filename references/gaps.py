"""Metadata gaps: the references missing a DOI, authors, journal, year, volume or pages, and
filling a reference's fields from Crossref's record, field by field as a curator confirms.

Nothing is filled without a curator ticking it. What is filled says where it came from: the
reference's curation note names Crossref's record of the DOI and the fields taken, and its
history records the change and who made it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .bibtex.importer import replace_authors
from .crossref import WORK, Work
from .models import Authorship, Reference

# The fields whose absence makes a gap, in the order the page lists them.
GAP_FIELDS = {
    "doi": "DOI",
    "authors": "authors",
    "journal": "journal",
    "year": "year",
    "volume": "volume",
    "pages": "pages",
}
# The fields Crossref's record can fill, with their labels.
FILLABLE = {
    "doi": "DOI",
    "title": "Title",
    "authors": "Authors",
    "journal": "Journal",
    "publisher": "Publisher",
    "year": "Year",
    "volume": "Volume",
    "number": "Issue",
    "pages": "Pages",
    "abstract": "Abstract",
}


def with_gaps() -> QuerySet[Reference]:
    """The references missing any of GAP_FIELDS, those most studies rest on first, each
    annotated with `has_authors` and `study_count`."""
    return (
        Reference.objects.annotate(
            has_authors=Exists(Authorship.objects.filter(reference=OuterRef("pk"))),
            study_count=Count("studies"),
        )
        .filter(
            Q(doi="")
            | Q(has_authors=False)
            | Q(journal="")
            | Q(year__isnull=True)
            | Q(volume="")
            | Q(pages="")
        )
        .order_by("-study_count", "citekey")
    )


def missing(reference: Reference) -> list[str]:
    """What the reference lacks, as GAP_FIELDS labels (annotated by with_gaps())."""
    lacks = {
        "doi": not reference.doi,
        "authors": not reference.has_authors,
        "journal": not reference.journal,
        "year": reference.year is None,
        "volume": not reference.volume,
        "pages": not reference.pages,
    }
    return [label for name, label in GAP_FIELDS.items() if lacks[name]]


def atlas_value(reference: Reference, name: str) -> str:
    """A fillable field of the reference as the comparison shows it (prefetched with_authors())."""
    if name == "authors":
        return "; ".join(
            f"{author.family}, {author.given}" if author.given else author.family
            for author in reference.author_list
        )
    value = getattr(reference, name)
    return "" if value is None else str(value)


def crossref_value(work: Work, name: str) -> str:
    if name == "authors":
        return work.author_text
    value = getattr(work, name)
    return "" if value is None else str(value)


@dataclass
class Row:
    name: str
    label: str
    atlas: str
    crossref: str

    @property
    def offered(self) -> bool:
        """Crossref has a value and it is not what the atlas holds."""
        return bool(self.crossref) and self.crossref != self.atlas


def comparison(reference: Reference, work: Work) -> list[Row]:
    return [
        Row(name, label, atlas_value(reference, name), crossref_value(work, name))
        for name, label in FILLABLE.items()
    ]


class Stale(Exception):
    """A field changed since the curator read it: nothing is saved."""


def fill(reference: Reference, work: Work, names: list[str], seen: dict[str, str]) -> list[str]:
    """Take the named fields from Crossref's record, in one transaction, if each is still what
        the curator saw (`seen`); raises Stale, or ValidationError (a DOI another reference holds,
    a value the atlas refuses), and saves nothing otherwise.
        Returns the labels of the fields filled."""
    names = [name for name in FILLABLE if name in names and crossref_value(work, name)]
    if not names:
        return []
    with transaction.atomic():
        reference = Reference.objects.with_authors().select_for_update().get(pk=reference.pk)
        changed = [FILLABLE[n] for n in names if atlas_value(reference, n) != seen.get(n, "")]
        if changed:
            raise Stale(
                f"{', '.join(changed)} changed since you opened this page (another curator?). "
                "Nothing was saved; compare again."
            )
        for name in names:
            if name != "authors":
                setattr(reference, name, work.year if name == "year" else crossref_value(work, name))
        labels = [FILLABLE[n] for n in names]
        note = (
            f"{', '.join(labels)} filled from Crossref's record of DOI {work.doi} "
            f"({WORK.format(doi=work.doi)}), confirmed by a curator on {timezone.localdate():%Y-%m-%d}."
        )
        reference.curation_note = f"{reference.curation_note}\n{note}".strip()
        holder = Reference.objects.filter(doi__iexact=reference.doi).exclude(pk=reference.pk).first()
        if reference.doi and holder:
            raise ValidationError(
                f"The DOI {reference.doi} already belongs to {holder.citekey}: the same paper is in the "
                "atlas twice, or this is not the paper. Nothing was saved."
            )
        reference.full_clean(exclude=["identity"])
        reference.version += 1  # a form opened before the fill is refused, not saved over it
        # The history's reason holds 100 characters; the note above keeps the whole of it.
        reference._change_reason = f"{', '.join(labels)} filled from Crossref"[:100]
        reference.save()
        if "authors" in names:
            replace_authors(reference, work.authors)
    return labels
