"""The study list as data: JSON in the SPEC shape and a flat CSV, one row per measurement."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import orjson
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse

from references.doi import doi_url
from references.exports import reference_json
from references.models import Authorship

from .models import (
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Method,
    Quantity,
    Strategy,
    Study,
    StudyInterlayer,
    unit_of,
)


def measurement_json(m: Measurement) -> dict:
    return {
        "id": m.pk,
        "quantity": m.quantity,
        "qualifier": m.qualifier or None,
        "value": m.value,
        "value_max": m.value_max,
        "unit": m.unit,
        "reported": m.reported,
        "temperature_c": m.temperature_c,
        "stack_pressure_mpa": m.stack_pressure_mpa,
        "current_density_ma_cm2": m.current_density_ma_cm2,
        "areal_capacity_mah_cm2": m.areal_capacity_mah_cm2,
        "cell_type": m.cell_type or None,
        "condition": m.condition,
        "role": m.role or None,
        "control": m.control_id,
        "locator": m.locator,
        "source": m.source,
        "source_url": m.source_url,
        "source_kind": m.source_kind,
        "note": m.note,
    }


def study_json(study: Study) -> dict:
    electrolyte, family = study.electrolyte, study.electrolyte.family
    return {
        "id": study.pk,
        "key": study.key,
        "url": study.get_absolute_url(),
        "summary": study.summary,
        "strategy": {"slug": study.strategy, "label": study.get_strategy_display()},
        "electrolyte": {
            "slug": electrolyte.slug,
            "name": electrolyte.name,
            "formula": electrolyte.formula,
            "family": {"slug": family.slug, "label": family.label},
        },
        "interlayers": [
            {"slug": layer.material.slug, "name": layer.material.name, "kind": layer.material.kind}
            for layer in study.ordered_layers
        ],
        "method": {"slug": study.method, "label": study.get_method_display()} if study.method else None,
        "anode": study.anode,
        "cell_type": study.cell_type or None,
        "cell": study.cell,
        "measurements": [measurement_json(m) for m in study.measurements.all()],
        "reference": reference_json(study.reference),
    }


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
# An export of the whole atlas builds no model instance: each batch of studies is read as
# rows of values (the studies, their layers, authors and figures: four queries), turned into
# the documents study_json() gives, and dropped. Instances cost twenty times as much.
BATCH_SIZE = 500
STUDY_COLUMNS = (
    "pk",
    "key",
    "summary",
    "strategy",
    "method",
    "anode",
    "cell_type",
    "cell",
    "electrolyte__slug",
    "electrolyte__name",
    "electrolyte__formula",
    "electrolyte__family__slug",
    "electrolyte__family__label",
    "reference_id",
    "reference__citekey",
    "reference__doi",
    "reference__title",
    "reference__journal",
    "reference__year",
)
MEASUREMENT_COLUMNS = (
    "study_id",
    "pk",
    "quantity",
    "qualifier",
    "value",
    "value_max",
    "reported",
    "temperature_c",
    "stack_pressure_mpa",
    "current_density_ma_cm2",
    "areal_capacity_mah_cm2",
    "cell_type",
    "condition",
    "role",
    "control_id",
    "locator",
    "source",
    "source_url",
    "source_kind",
    "note",
)


@dataclass
class Exported:
    """A study as its export gives it, and what the CSV adds: its paper's first-author label."""

    document: dict
    first_author: str


def _grouped(rows) -> dict[int, list[tuple]]:
    groups: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        groups[row[0]].append(row[1:])
    return groups


def _first_author_label(families: list[str]) -> str:
    if not families:
        return "Anon."
    if len(families) == 2:
        return f"{families[0]} & {families[1]}"
    return families[0] + (" et al." if len(families) > 2 else "")


# The keys of a figure's document, in order: its columns, with the unit after value_max.
MEASUREMENT_KEYS = ("id", "quantity", "qualifier", "value", "value_max", "unit", "reported", "temperature_c")
MEASUREMENT_KEYS += ("stack_pressure_mpa", "current_density_ma_cm2", "areal_capacity_mah_cm2", "cell_type")
MEASUREMENT_KEYS += ("condition", "role", "control", "locator", "source", "source_url", "source_kind", "note")
UNITS = {quantity.value: unit_of(quantity) for quantity in Quantity}
STRATEGY_LABELS, METHOD_LABELS = dict(Strategy.choices), dict(Method.choices)


def _measurement_document(row: tuple) -> dict:
    document = dict(zip(MEASUREMENT_KEYS, (*row[:5], UNITS[row[1]], *row[5:]), strict=True))
    for key in ("qualifier", "cell_type", "role"):  # empty choices are null, as in study_json
        document[key] = document[key] or None
    return document


def _batch(ids: list[int], study_url: str) -> Iterator[Exported]:
    batch = Study.objects.filter(pk__in=ids)  # its ids are read once, by each query below
    by_pk = {row[0]: row for row in batch.order_by().values_list(*STUDY_COLUMNS)}
    layers = _grouped(
        StudyInterlayer.objects.filter(study__in=batch.values("pk"))
        .order_by("study_id", "position")
        .values_list("study_id", "material__slug", "material__name", "material__kind")
    )
    authors = _grouped(
        Authorship.objects.filter(reference__in=batch.values("reference_id"))
        .order_by("reference_id", "position")
        .values_list("reference_id", "author__family", "author__given")
    )
    figures = _grouped(
        Measurement.objects.filter(study__in=batch.values("pk"))
        .order_by("study_id", "position", "pk")
        .values_list(*MEASUREMENT_COLUMNS)
    )
    for pk in ids:
        (_, key, summary, strategy, method, anode, cell_type, cell) = by_pk[pk][:8]
        (e_slug, e_name, e_formula, f_slug, f_label, reference_id, citekey, doi, title, journal, year) = (
            by_pk[pk][8:]
        )
        names = authors.get(reference_id, [])
        document = {
            "id": pk,
            "key": key,
            "url": study_url.format(pk),
            "summary": summary,
            "strategy": {"slug": strategy, "label": STRATEGY_LABELS[strategy]},
            "electrolyte": {
                "slug": e_slug,
                "name": e_name,
                "formula": e_formula,
                "family": {"slug": f_slug, "label": f_label},
            },
            "interlayers": [
                {"slug": slug, "name": name, "kind": kind} for slug, name, kind in layers.get(pk, [])
            ],
            "method": {"slug": method, "label": METHOD_LABELS[method]} if method else None,
            "anode": anode,
            "cell_type": cell_type or None,
            "cell": cell,
            "measurements": [_measurement_document(row) for row in figures.get(pk, [])],
            "reference": {
                "citekey": citekey,
                "doi": doi,
                "doi_url": doi_url(doi),
                "title": title,
                "authors": [f"{given} {family}".strip() for family, given in names],
                "journal": journal,
                "year": year,
            },
        }
        yield Exported(document, _first_author_label([family for family, _ in names]))


def export_ids(studies: QuerySet) -> list[int]:
    """The ids of the studies to export, in the queryset's order (one query)."""
    return list(studies.values_list("pk", flat=True))


def study_documents(ids: list[int]) -> Iterator[Exported]:
    """The export of each study, in the order of ids, read in batches."""
    study_url = reverse("interfaces:study-detail", args=[0]).replace("/0/", "/{}/")
    for start in range(0, len(ids), BATCH_SIZE):
        yield from _batch(ids[start : start + BATCH_SIZE], study_url)


# Pieces of a streamed export are about this size: small enough for flat memory, large
# enough that a server writes a few hundred of them a second, not one per row.
PIECE_BYTES = 64 * 1024


def json_chunks(studies: QuerySet) -> Iterator[bytes]:
    """The SPEC's {"count", "results"} document, a piece at a time, so memory stays flat."""
    ids = export_ids(studies)
    piece = [f'{{"count": {len(ids)}, "results": ['.encode()]
    size, separator = 0, b""
    for study in study_documents(ids):
        # orjson writes UTF-8 directly, five times faster than json.dumps on these documents.
        text = separator + orjson.dumps(study.document)
        piece.append(text)
        size += len(text)
        separator = b","
        if size >= PIECE_BYTES:
            yield b"".join(piece)
            piece, size = [], 0
    piece.append(b"]}")
    yield b"".join(piece)


def json_response(studies: QuerySet, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(json_chunks(studies), content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{filename}.json"'
    return response


CSV_HEADER = [
    "study_id",
    "study_url",
    "strategy",
    "strategy_label",
    "electrolyte",
    "electrolyte_formula",
    "family",
    "family_label",
    "interlayers",
    "method",
    "method_label",
    "anode",
    "cell",
    "citekey",
    "first_author",
    "year",
    "journal",
    "doi",
    "measurement_id",
    "quantity",
    "quantity_label",
    "qualifier",
    "value",
    "value_max",
    "unit",
    "reported",
    "temperature_c",
    "stack_pressure_mpa",
    "current_density_ma_cm2",
    "areal_capacity_mah_cm2",
    "test_cell",
    "condition",
    "role",
    "control_id",
    "locator",
    "source",
    "source_url",
    "source_kind",
    "note",
]


def _blank(value) -> str:
    return "" if value is None else str(value)


QUANTITY_LABELS = dict(Quantity.choices)


def csv_rows(studies: Iterable[Exported], site: str = "") -> Iterator[list[str]]:
    """One row per measurement; a study without measurements still gets one row. site: what
    goes before the study's address (https://host), so that the file's links work anywhere."""
    yield CSV_HEADER
    for study in studies:
        d = study.document
        electrolyte, reference, method = d["electrolyte"], d["reference"], d["method"] or {}
        columns = [
            str(d["id"]),
            site + d["url"],
            d["strategy"]["slug"],
            d["strategy"]["label"],
            electrolyte["name"],
            electrolyte["formula"],
            electrolyte["family"]["slug"],
            electrolyte["family"]["label"],
            "; ".join(layer["name"] for layer in d["interlayers"]),
            method.get("slug", ""),
            method.get("label", ""),
            d["anode"],
            d["cell"],
            reference["citekey"],
            study.first_author,
            _blank(reference["year"]),
            reference["journal"],
            reference["doi"],
        ]
        if not d["measurements"]:
            yield columns + [""] * (len(CSV_HEADER) - len(columns))
        for m in d["measurements"]:
            yield columns + [
                str(m["id"]),
                m["quantity"],
                QUANTITY_LABELS[m["quantity"]],
                m["qualifier"] or "",
                _blank(m["value"]),
                _blank(m["value_max"]),
                m["unit"],
                m["reported"],
                _blank(m["temperature_c"]),
                _blank(m["stack_pressure_mpa"]),
                _blank(m["current_density_ma_cm2"]),
                _blank(m["areal_capacity_mah_cm2"]),
                m["cell_type"] or "",
                m["condition"],
                m["role"] or "",
                _blank(m["control"]),
                m["locator"],
                m["source"],
                m["source_url"],
                m["source_kind"],
                m["note"],
            ]


# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)


def spreadsheet_safe(cell: str) -> str:
    """A cell as text a spreadsheet shows rather than runs; numbers (−1.5) stay numbers."""
    if cell.startswith(FORMULA_STARTS):
        try:
            float(cell)
        except ValueError:
            return "'" + cell
    return cell


def csv_chunks(studies: QuerySet, site: str = "", bom: bool = False) -> Iterator[str]:
    """The CSV export a piece at a time, every cell as a spreadsheet shows it. bom: begin with
    the byte-order mark Excel needs to read UTF-8 (µ, ², Ω) rather than guess a code page."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in csv_rows(study_documents(export_ids(studies)), site):
        # Most cells start with a letter or a digit: only the others are looked at closely.
        writer.writerow([spreadsheet_safe(cell) if cell[:1] in _FORMULA_FIRST else cell for cell in row])
        if buffer.tell() >= PIECE_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(
    studies: QuerySet, filename: str, site: str = "", bom: bool = False
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(studies, site, bom), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
