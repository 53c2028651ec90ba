"""The study list as data: JSON in the SPEC shape and a flat CSV, one row per measurement."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from references.exports import reference_json

from .models import Electrolyte, ElectrolyteFamily, InterlayerMaterial, Measurement, Study

# Prefetching iterator: rows are read in chunks, so memory stays flat on a large result.
CHUNK_SIZE = 500


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


def json_chunks(studies: QuerySet) -> Iterator[str]:
    """The SPEC's {"count", "results"} document, one study at a time, so memory stays flat."""
    yield f'{{"count": {studies.count()}, "results": ['
    for index, study in enumerate(studies.iterator(chunk_size=CHUNK_SIZE)):
        yield ("," if index else "") + json.dumps(
            study_json(study), ensure_ascii=False, cls=DjangoJSONEncoder
        )
    yield "]}"


def json_response(studies: QuerySet, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(json_chunks(studies), content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{filename}.json"'
    return response


CSV_HEADER = [
    "study_id",
    "study_url",
    "strategy",
    "electrolyte",
    "electrolyte_formula",
    "family",
    "interlayers",
    "method",
    "anode",
    "cell",
    "citekey",
    "first_author",
    "year",
    "journal",
    "doi",
    "measurement_id",
    "quantity",
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


def csv_rows(studies: Iterable[Study]) -> Iterator[list[str]]:
    """One row per measurement; a study without measurements still gets one row."""
    yield CSV_HEADER
    for study in studies:
        reference = study.reference
        columns = [
            str(study.pk),
            study.get_absolute_url(),
            study.strategy,
            study.electrolyte.name,
            study.electrolyte.formula,
            study.electrolyte.family.slug,
            "; ".join(layer.material.name for layer in study.ordered_layers),
            study.method,
            study.anode,
            study.cell,
            reference.citekey,
            reference.first_author_label,
            _blank(reference.year),
            reference.journal,
            reference.doi,
        ]
        measurements = list(study.measurements.all())
        if not measurements:
            yield columns + [""] * (len(CSV_HEADER) - len(columns))
        for m in measurements:
            yield columns + [
                str(m.pk),
                m.quantity,
                m.qualifier,
                _blank(m.value),
                _blank(m.value_max),
                m.unit,
                m.reported,
                _blank(m.temperature_c),
                _blank(m.stack_pressure_mpa),
                _blank(m.current_density_ma_cm2),
                _blank(m.areal_capacity_mah_cm2),
                m.cell_type,
                m.condition,
                m.role,
                _blank(m.control_id),
                m.locator,
                m.source,
                m.source_url,
                m.source_kind,
                m.note,
            ]


# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """A cell as text a spreadsheet shows rather than runs; numbers (−1.5) stay numbers."""
    if cell.startswith(FORMULA_STARTS):
        try:
            float(cell)
        except ValueError:
            return "'" + cell
    return cell


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(studies: QuerySet, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    rows = csv_rows(studies.iterator(chunk_size=CHUNK_SIZE))
    response = StreamingHttpResponse(
        (writer.writerow([spreadsheet_safe(cell) for cell in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
