"""The study list as data: JSON in the SPEC shape and a flat CSV, one row per measurement."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

import orjson
from django.db.models import F, QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse

from atlas.lookups import AnyOf
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
    """A study as its export gives it, and what the charts add: its paper's first-author label."""

    document: dict
    first_author: str


def _grouped(rows) -> dict[int, list[tuple]]:
    """Rows sorted by their first value, grouped by it (each row keeps it)."""
    return {key: list(group) for key, group in groupby(rows, key=itemgetter(0))}


def _first_author_label(families: list[str]) -> str:
    if not families:
        return "Anon."
    if len(families) == 2:
        return f"{families[0]} & {families[1]}"
    return families[0] + (" et al." if len(families) > 2 else "")


UNITS = {quantity.value: unit_of(quantity) for quantity in Quantity}
STRATEGY_LABELS, METHOD_LABELS = dict(Strategy.choices), dict(Method.choices)
QUANTITY_LABELS = dict(Quantity.choices)


def _measurement_document(row: tuple) -> dict:
    """A figure's document, as measurement_json() gives it, from its row (after its study's id)."""
    (_, pk, quantity, qualifier, value, value_max, reported, temperature, pressure, current) = row[:10]
    (capacity, cell_type, condition, role, control, locator, source, source_url, source_kind, note) = row[10:]
    return {
        "id": pk,
        "quantity": quantity,
        "qualifier": qualifier or None,  # empty choices are null
        "value": value,
        "value_max": value_max,
        "unit": UNITS[quantity],
        "reported": reported,
        "temperature_c": temperature,
        "stack_pressure_mpa": pressure,
        "current_density_ma_cm2": current,
        "areal_capacity_mah_cm2": capacity,
        "cell_type": cell_type or None,
        "condition": condition,
        "role": role or None,
        "control": control,
        "locator": locator,
        "source": source,
        "source_url": source_url,
        "source_kind": source_kind,
        "note": note,
    }


@dataclass
class _Batch:
    """Studies read as values, in the order of ids: each study's row by id, and its layers,
    its paper's authors and its figures, grouped by study (authors: by reference)."""

    ids: list[int]
    studies: dict[int, tuple]
    layers: dict[int, list[tuple]]
    authors: dict[int, list[tuple]]
    figures: dict[int, list[tuple]]


def _read(ids: list[int]) -> _Batch:
    # Unordered: the rows go into a dict, and the batch keeps the order of ids.
    rows = Study.objects.filter(AnyOf(F("pk"), ids)).order_by().values_list(*STUDY_COLUMNS)
    studies = {row[0]: row for row in rows}
    # The others are read by their foreign keys' indexes, straight from the ids.
    references = {row[STUDY_COLUMNS.index("reference_id")] for row in studies.values()}
    return _Batch(
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
            .values_list(*MEASUREMENT_COLUMNS)
        ),
    )


def _batches(ids: list[int]) -> Iterator[_Batch]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield _read(ids[start : start + BATCH_SIZE])


def _study_url_pattern() -> str:
    """A study's address with {} for its id, reversed once rather than once a study."""
    return reverse("interfaces:study-detail", args=[0]).replace("/0/", "/{}/")


def _documents(batch: _Batch, study_url: str) -> Iterator[Exported]:
    for pk in batch.ids:
        (_, key, summary, strategy, method, anode, cell_type, cell) = batch.studies[pk][:8]
        (e_slug, e_name, e_formula, f_slug, f_label, reference_id, citekey, doi, title, journal, year) = (
            batch.studies[pk][8:]
        )
        names = batch.authors.get(reference_id, ())
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
                {"slug": slug, "name": name, "kind": kind} for _, slug, name, kind in batch.layers.get(pk, ())
            ],
            "method": {"slug": method, "label": METHOD_LABELS[method]} if method else None,
            "anode": anode,
            "cell_type": cell_type or None,
            "cell": cell,
            "measurements": [_measurement_document(row) for row in batch.figures.get(pk, ())],
            "reference": {
                "citekey": citekey,
                "doi": doi,
                "doi_url": doi_url(doi),
                "title": title,
                "authors": [f"{given} {family}".strip() for _, family, given in names],
                "journal": journal,
                "year": year,
            },
        }
        yield Exported(document, _first_author_label([family for _, family, _ in names]))


def export_ids(studies: QuerySet) -> list[int]:
    """The ids of the studies to export, in the queryset's order (one query)."""
    return list(studies.values_list("pk", flat=True))


def study_documents(ids: list[int]) -> Iterator[Exported]:
    """The export of each study, in the order of ids, read in batches."""
    study_url = _study_url_pattern()
    for batch in _batches(ids):
        yield from _documents(batch, study_url)


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


def _safe_cells(cells) -> list:
    """The cells of a row, each text that could start a formula made safe (numbers stay numbers)."""
    return [spreadsheet_safe(c) if c.__class__ is str and c[:1] in _FORMULA_FIRST else c for c in cells]


class _Line:
    """A file that keeps what a csv writer wrote last: a row formatted, not yet written."""

    text = ""

    def write(self, text: str) -> None:
        self.text = text


def _csv_pieces(batch: _Batch, study_url: str, buffer: io.StringIO) -> Iterator[str]:
    """The batch's CSV rows, written to buffer (one per figure, one for a study without any)
    and taken from it a piece at a time.

    The study's 18 columns are formatted once and begin each of its rows; a figure's text
    cells are looked at closely only when one of them starts like a formula."""
    writer, line = csv.writer(buffer), _Line()
    study_writer = csv.writer(line)  # same dialect as writer: same quoting, same line end
    no_figure = "," * (len(CSV_HEADER) - len(STUDY_CSV_COLUMNS) - 1) + "\r\n"
    for pk in batch.ids:
        (_, _, _, strategy, method, anode, _, cell, _, e_name, e_formula, f_slug, f_label, *paper) = (
            batch.studies[pk]
        )
        reference_id, citekey, doi, _, journal, year = paper
        names = batch.authors.get(reference_id, ())
        study_writer.writerow(
            _safe_cells(
                [
                    pk,
                    study_url.format(pk),
                    strategy,
                    STRATEGY_LABELS[strategy],
                    e_name,
                    e_formula,
                    f_slug,
                    f_label,
                    "; ".join(name for _, _, name, _ in batch.layers.get(pk, ())),
                    method,
                    METHOD_LABELS[method] if method else "",
                    anode,
                    cell,
                    citekey,
                    _first_author_label([family for _, family, _ in names]),
                    year,
                    journal,
                    doi,
                ]
            )
        )
        prefix = line.text[:-2] + ","  # the study's columns, and the comma before the figure's
        figures = batch.figures.get(pk, ())
        if not figures:
            buffer.write(prefix + no_figure)
        for row in figures:  # the columns of MEASUREMENT_COLUMNS, its study's id first
            quantity = row[2]
            # The quantity's label after it and its unit after value_max; the csv module writes
            # numbers as str() does and None as "".
            cells = (*row[1:3], QUANTITY_LABELS[quantity], *row[3:6], UNITS[quantity], *row[6:])
            # The first characters of its text cells (the rest are numbers), spelt out: this runs
            # for every figure, and is twice as fast as a loop over them.
            firsts = (row[3][:1], row[6][:1], row[11][:1], row[12][:1], row[13][:1], row[15][:1])
            if not _FORMULA_FIRST.isdisjoint((*firsts, row[16][:1], row[17][:1], row[18][:1], row[19][:1])):
                cells = _safe_cells(cells)
            buffer.write(prefix)
            writer.writerow(cells)
        if buffer.tell() >= PIECE_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


STUDY_CSV_COLUMNS = CSV_HEADER[: CSV_HEADER.index("measurement_id")]


def csv_chunks(studies: QuerySet, site: str = "", bom: bool = False) -> Iterator[str]:
    """The CSV export a piece at a time, every cell as a spreadsheet shows it: one row per
    measurement, a study without measurements in one row. site: what goes before a study's
    address (https://host), so that the file's links work anywhere. bom: begin with the
    byte-order mark Excel needs to read UTF-8 (µ, ², Ω) rather than guess a code page."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    csv.writer(buffer).writerow(CSV_HEADER)
    study_url = site + _study_url_pattern()
    for batch in _batches(export_ids(studies)):
        yield from _csv_pieces(batch, study_url, buffer)
    yield buffer.getvalue()


def csv_response(
    studies: QuerySet, filename: str, site: str = "", bom: bool = False
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(studies, site, bom), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
