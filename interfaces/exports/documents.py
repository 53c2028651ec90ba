"""The export's documents (docs/contract.md): each record as JSON, from a model instance or, for
the whole atlas, from rows of plain values read in batches.

An export of the whole atlas builds no model instance: each batch of studies is read as rows
of values (the studies, their layers, authors and figures: four queries), turned into the
documents study_json() gives, and dropped, which costs a small part of what instances do."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from django.db.models import F, QuerySet
from django.urls import reverse

from atlas.lookups import AnyOf
from references.exports import reference_document
from references.models import Authorship, first_author_label

from ..fields import DATE, DERIVED, DERIVED_FROM_QUANTITY, JSON_FIELDS, STORED_FIELDS, moment, row_reader
from ..models import (
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Method,
    Strategy,
    Study,
    StudyInterlayer,
)

STRATEGY_LABELS, METHOD_LABELS = dict(Strategy.choices), dict(Method.choices)


def measurement_json(m: Measurement) -> dict:
    """A figure's document, read from the model instance: its values as a row, which
    figure_document reads as it reads the exports' rows."""
    return figure_document(tuple(getattr(m, column) for column in FIGURE_COLUMNS))


def study_document(study: dict, url: str, layers, figures: list[dict], authors: list[str]) -> dict:
    """A study's document (docs/contract.md) from its values, named as STUDY_COLUMNS names them,
    its interlayers as (slug, name, kind), its figures' documents and its paper's authors: the
    one shape both readers give, from a model instance and from rows of values."""
    method = study["method"]
    return {
        "id": study["id"],
        "key": study["key"],
        "url": url,
        "summary": study["summary"],
        "strategy": {"slug": study["strategy"], "label": STRATEGY_LABELS[study["strategy"]]},
        "electrolyte": {
            "slug": study["electrolyte_slug"],
            "name": study["electrolyte_name"],
            "formula": study["electrolyte_formula"],
            "family": {"slug": study["family_slug"], "label": study["family_label"]},
        },
        "interlayers": [{"slug": slug, "name": name, "kind": kind} for slug, name, kind in layers],
        "method": {"slug": method, "label": METHOD_LABELS[method]} if method else None,
        "anode": study["anode"],
        "cell_type": study["cell_type"] or None,
        "cell": study["cell"],
        "measurements": figures,
        "reference": reference_document(
            citekey=study["citekey"],
            doi=study["doi"],
            title=study["title"],
            authors=authors,
            journal=study["journal"],
            year=study["year"],
        ),
    }


def _values_of(instance, columns: dict[str, str]) -> dict:
    """An instance's values at the paths of `columns` (electrolyte__family__slug …), by name."""
    values = {}
    for name, path in columns.items():
        value = instance
        for step in path.split("__"):
            value = getattr(value, step)
        values[name] = value
    return values


def study_json(study: Study) -> dict:
    """A study's document, read from the instance (as for_list() prefetches it)."""
    return study_document(
        _values_of(study, STUDY_COLUMNS),
        study.get_absolute_url(),
        [(layer.material.slug, layer.material.name, layer.material.kind) for layer in study.ordered_layers],
        [measurement_json(m) for m in study.measurements.all()],
        [str(author) for author in study.reference.author_list],
    )


def family_json(family: ElectrolyteFamily) -> dict:
    return {
        "slug": family.slug,
        "label": family.label,
        "url": family.get_absolute_url(),
        "examples": family.examples,
        "forms_stable_interphase": family.forms_stable_interphase,
        "stability_note": family.stability_note,
        "stability_locator": family.stability_locator,
        "study_count": family.study_count,
    }


def electrolyte_json(electrolyte: Electrolyte) -> dict:
    family = electrolyte.family
    return {
        "slug": electrolyte.slug,
        "name": electrolyte.name,
        "url": electrolyte.get_absolute_url(),
        "formula": electrolyte.formula,
        "aliases": electrolyte.alias_list,
        "family": {"slug": family.slug, "label": family.label},
        "form": electrolyte.form or None,
        "dopants": electrolyte.dopants,
        "description": electrolyte.description,
        "study_count": electrolyte.study_count,
    }


def interlayer_json(material: InterlayerMaterial) -> dict:
    return {
        "slug": material.slug,
        "name": material.name,
        "url": material.get_absolute_url(),
        "formula": material.formula,
        "kind": material.kind,
        "kind_label": material.get_kind_display(),
        "aliases": material.alias_list,
        "description": material.description,
        "study_count": material.study_count,
    }


# -- the whole result, read as plain values --------------------------------------------
BATCH_SIZE = 500
# Pieces of a streamed export are about this size: small enough for flat memory, large
# enough that a server writes a few hundred of them a second, not one per row.
PIECE_BYTES = 64 * 1024

# What is read of a study, by the name its row is read by.
STUDY_COLUMNS = {
    "id": "pk",
    "key": "key",
    "summary": "summary",
    "strategy": "strategy",
    "method": "method",
    "anode": "anode",
    "cell_type": "cell_type",
    "cell": "cell",
    "electrolyte_slug": "electrolyte__slug",
    "electrolyte_name": "electrolyte__name",
    "electrolyte_formula": "electrolyte__formula",
    "family_slug": "electrolyte__family__slug",
    "family_label": "electrolyte__family__label",
    "reference_id": "reference_id",
    "citekey": "reference__citekey",
    "doi": "reference__doi",
    "title": "reference__title",
    "journal": "reference__journal",
    "year": "reference__year",
}
# A figure's row: its study's id, then its stored fields in the order FIGURE_FIELDS declares.
FIGURE_ROW = ("study_id", *(field.name for field in STORED_FIELDS))
FIGURE_COLUMNS = ("study_id", *(field.column for field in STORED_FIELDS))  # attributes of a model too


def _grouped(rows) -> dict[int, list[tuple]]:
    """Rows sorted by their first value, grouped by it (each row keeps it)."""
    return {key: list(group) for key, group in groupby(rows, key=itemgetter(0))}


def _json_value(field) -> str:
    """The expression a figure's document gives a field, over its row's names."""
    if field.kind == DERIVED:
        return f"DERIVED[{field.name!r}][quantity]"
    if field.kind == DATE:
        return f"MOMENT({field.name})"
    return f"({field.name} or None)" if field.null_if_empty else field.name


# A figure's document, as measurement_json() gives it, from its row of FIGURE_COLUMNS: each
# field read by its declared name (an empty choice is null).
figure_document = row_reader(
    "figure_document",
    FIGURE_ROW,
    "{" + ", ".join(f"{field.name!r}: {_json_value(field)}" for field in JSON_FIELDS) + "}",
    {"DERIVED": DERIVED_FROM_QUANTITY, "MOMENT": moment},
)


@dataclass
class Batch:
    """Studies read as values, in the order of ids: each study's values by name, and the rows
    of its layers, its paper's authors and its figures, grouped by study (authors: by reference)."""

    ids: list[int]
    studies: dict[int, dict]
    layers: dict[int, list[tuple]]
    authors: dict[int, list[tuple]]
    figures: dict[int, list[tuple]]

    def author_names(self, study: dict) -> list[str]:
        """The study's paper's authors, "Given Family", in order."""
        return [
            f"{given} {family}".strip() for _, family, given in self.authors.get(study["reference_id"], ())
        ]

    def first_author(self, study: dict) -> str:
        """How a list names the study's paper ("Kim et al."), or that its authors are not recorded."""
        return first_author_label([family for _, family, _ in self.authors.get(study["reference_id"], ())])

    def first_author_cell(self, study: dict) -> str:
        """The paper's first author in a data file: empty where the atlas holds no author."""
        return self.first_author(study) if self.authors.get(study["reference_id"]) else ""


def read_batch(ids: list[int]) -> Batch:
    # Unordered: the rows go into a dict, and the batch keeps the order of ids.
    rows = Study.objects.filter(AnyOf(F("pk"), ids)).order_by().values_list(*STUDY_COLUMNS.values())
    studies = {row[0]: dict(zip(STUDY_COLUMNS, row, strict=True)) for row in rows}
    # The others are read by their foreign keys' indexes, straight from the ids.
    references = {study["reference_id"] for study in studies.values()}
    return Batch(
        ids,
        studies,
        _grouped(
            StudyInterlayer.objects.filter(AnyOf(F("study_id"), ids))
            .order_by("study_id", "position")
            .values_list("study_id", "material__slug", "material__name", "material__kind")
        ),
        _grouped(
            Authorship.objects.filter(AnyOf(F("reference_id"), references))
            .order_by("reference_id", "position")
            .values_list("reference_id", "author__family", "author__given")
        ),
        _grouped(
            Measurement.objects.filter(AnyOf(F("study_id"), ids))
            .order_by("study_id", "position", "pk")
            .values_list(*FIGURE_COLUMNS)
        ),
    )


def batches(ids: list[int]) -> Iterator[Batch]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield read_batch(ids[start : start + BATCH_SIZE])


def study_url_pattern() -> str:
    """A study's address with {} for its id, reversed once rather than once a study."""
    return reverse("interfaces:study-detail", args=[0]).replace("/0/", "/{}/")


def _documents(batch: Batch, study_url: str) -> Iterator[dict]:
    for pk in batch.ids:
        study = batch.studies[pk]
        document = study_document(
            study,
            study_url.format(pk),
            [row[1:] for row in batch.layers.get(pk, ())],
            [figure_document(row) for row in batch.figures.get(pk, ())],
            [
                f"{given} {family}".strip()
                for _, family, given in batch.authors.get(study["reference_id"], ())
            ],
        )
        yield document


def export_ids(studies: QuerySet) -> list[int]:
    """The ids of the studies to export, in the queryset's order (one query)."""
    return list(studies.values_list("pk", flat=True))


def study_documents(ids: list[int]) -> Iterator[dict]:
    """The export of each study, in the order of ids, read in batches."""
    study_url = study_url_pattern()
    for batch in batches(ids):
        yield from _documents(batch, study_url)
