"""What has been tried on what: electrolyte families against interlayer kinds or strategies."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Max, QuerySet
from django.urls import reverse

from .models import ElectrolyteFamily, InterlayerKind, Strategy, Study, StudyInterlayer

COLUMNS = {
    "kind": ("Interlayer kind", "interlayer_kind", InterlayerKind),
    "strategy": ("Strategy", "strategy", Strategy),
}
SHADES = 4


@dataclass
class Cell:
    count: int
    best_ccd: float | None
    url: str
    shade: int  # 0 for an empty cell, else 1 … SHADES by the study count


@dataclass
class Row:
    slug: str
    label: str
    param: str  # family or electrolyte: the list filter the row stands for
    cells: list[Cell]
    total: int
    total_url: str
    electrolytes: list[Row] | None = None


def _counts(by: str, row_field: str) -> dict[tuple[str, str], tuple[int, float | None]]:
    """(row slug, column value) → (distinct studies, best treated CCD), in one grouped query."""
    if by == "kind":
        rows: QuerySet = StudyInterlayer.objects.values(f"study__{row_field}", "material__kind").annotate(
            n=Count("study", distinct=True), best=Max("study__best_ccd_value")
        )
        keys = (f"study__{row_field}", "material__kind")
    else:
        rows = Study.objects.values(row_field, "strategy").annotate(
            n=Count("pk", distinct=True), best=Max("best_ccd_value")
        )
        keys = (row_field, "strategy")
    return {(r[keys[0]], r[keys[1]]): (r["n"], r["best"]) for r in rows.order_by()}


def _url(**params) -> str:
    return reverse("interfaces:study-list") + "?" + urlencode(params)


def _shade(count: int, most: int) -> int:
    return 0 if not count else max(1, round(SHADES * count / most))


def matrix(by: str, open_families: set[str]) -> dict:
    label, param, choices = COLUMNS[by]
    columns = list(choices)
    family_counts = _counts(by, "electrolyte__family__slug")
    totals = dict(Study.objects.values_list("electrolyte__family__slug").annotate(n=Count("pk")).order_by())
    families = ElectrolyteFamily.objects.prefetch_related("electrolytes").order_by("position", "label")
    electrolyte_counts = _counts(by, "electrolyte__slug") if open_families else {}
    electrolyte_totals = (
        dict(
            Study.objects.filter(electrolyte__family__slug__in=open_families)
            .values_list("electrolyte__slug")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if open_families
        else {}
    )
    most = max([n for n, _ in family_counts.values()] or [1])

    def cells(slug: str, row_param: str, counts: dict) -> list[Cell]:
        result = []
        for column in columns:
            n, best = counts.get((slug, column.value), (0, None))
            result.append(Cell(n, best, _url(**{row_param: slug, param: column.value}), _shade(n, most)))
        return result

    rows = []
    for family in families:
        row = Row(
            family.slug,
            family.label,
            "family",
            cells(family.slug, "family", family_counts),
            totals.get(family.slug, 0),
            _url(family=family.slug),
        )
        if family.slug in open_families:
            row.electrolytes = [
                Row(
                    e.slug,
                    e.name,
                    "electrolyte",
                    cells(e.slug, "electrolyte", electrolyte_counts),
                    electrolyte_totals.get(e.slug, 0),
                    _url(electrolyte=e.slug),
                )
                for e in sorted(family.electrolytes.all(), key=lambda e: e.name)
            ]
        rows.append(row)
    empty = sum(1 for row in rows for cell in row.cells if not cell.count)
    return {
        "column_label": label,
        "columns": [(c.value, str(c.label)) for c in columns],
        "rows": rows,
        "empty": empty,
        "cells": len(rows) * len(columns),
    }
