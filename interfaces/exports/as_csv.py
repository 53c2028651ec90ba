"""The study list as a flat CSV: one row per figure, a study without figures in one row of its own.

Every cell is written as a spreadsheet shows it: a text that would start a formula is
prefixed with an apostrophe, numbers stay numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from atlas.downloads import file_download

from ..fields import (
    CHOICE,
    CSV_FIELDS,
    DATE,
    DERIVED,
    DERIVED_FROM_QUANTITY,
    ID,
    NUMBER,
    TEXT,
    moment,
    row_reader,
)
from .documents import (
    FIGURE_ROW,
    METHOD_LABELS,
    PIECE_BYTES,
    STRATEGY_LABELS,
    STUDY_COLUMNS,
    Batch,
    batches,
    export_ids,
    study_url_pattern,
)


# The columns a study's rows begin with: each column's cell, an expression over the study's
# values (named as documents.STUDY_COLUMNS names them) and its batch's (the study's interlayers,
# its paper's first author and the pattern of its address), what it holds and what it means.
@dataclass(frozen=True)
class StudyColumn:
    cell: str
    kind: str
    description: str


STUDY_CSV_COLUMNS = {
    "study_id": StudyColumn("id", ID, "The study's number in this database."),
    "study_url": StudyColumn("url.format(id)", TEXT, "The study's page (an absolute address)."),
    "strategy": StudyColumn("strategy", CHOICE, "The strategy category (the founding review, §2.3), a slug."),
    "strategy_label": StudyColumn("STRATEGY_LABELS[strategy]", DERIVED, "The strategy category's name."),
    "electrolyte": StudyColumn("electrolyte_name", TEXT, "The solid electrolyte's name."),
    "electrolyte_formula": StudyColumn("electrolyte_formula", TEXT, "The solid electrolyte's formula."),
    "family": StudyColumn("family_slug", CHOICE, "The electrolyte's family, a slug."),
    "family_label": StudyColumn("family_label", DERIVED, "The electrolyte family's name."),
    "interlayers": StudyColumn(
        "interlayers",
        TEXT,
        "The interlayer materials in stack order, the first next to the lithium anode, joined by '; '.",
    ),
    "method": StudyColumn(
        "method", CHOICE, "How the interlayer or treatment was made, a slug; empty where not stated."
    ),
    "method_label": StudyColumn("METHOD_LABELS[method] if method else ''", DERIVED, "The method's name."),
    "anode": StudyColumn("anode", TEXT, "The anode: Li, Li-In, Li-Al, a 3D host, ..."),
    "cell": StudyColumn("cell", TEXT, "The cell as built, e.g. Li | LLZTO | Li."),
    "citekey": StudyColumn("citekey", TEXT, "The paper's citation key in the BibTeX files."),
    "first_author": StudyColumn("first_author", TEXT, 'The paper\'s short author label ("Deng et al.").'),
    "year": StudyColumn("year", NUMBER, "The paper's year of publication."),
    "journal": StudyColumn("journal", TEXT, "The paper's journal."),
    "doi": StudyColumn("doi", TEXT, "The paper's DOI, lower case, without https://doi.org/."),
}


@dataclass(frozen=True)
class CsvColumn:
    """A column of the CSV, as a data package's table schema describes it."""

    name: str
    kind: str  # as interfaces/fields.py names kinds
    description: str
    unit: str = ""  # a fixed unit, the same in every row
    unit_column: str = ""  # or the column that names the unit of this row's number


def _figure_column(field) -> CsvColumn:
    # A figure's number without a fixed unit is its value, in the quantity's unit its row names.
    in_row_unit = field.kind == NUMBER and not field.unit
    return CsvColumn(field.csv, field.kind, field.description, field.unit.strip(), "unit" * in_row_unit)


CSV_COLUMNS = (
    *(CsvColumn(name, column.kind, column.description) for name, column in STUDY_CSV_COLUMNS.items()),
    *(_figure_column(field) for field in CSV_FIELDS),
)
CSV_HEADER = [column.name for column in CSV_COLUMNS]

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


def _csv_value(field) -> str:
    """The expression a figure's CSV cell is, over its row's names."""
    if field.kind == DERIVED:
        return f"DERIVED[{field.name!r}][quantity]"
    return f"MOMENT({field.name})" if field.kind == DATE else field.name


# A figure's cells, in the CSV's order, from its row of FIGURE_COLUMNS read by its declared
# names; and whether one of its text cells starts like a formula (the others are numbers).
_figure_cells = row_reader(
    "figure_cells",
    FIGURE_ROW,
    "(" + ", ".join(_csv_value(field) for field in CSV_FIELDS) + ",)",
    {"DERIVED": DERIVED_FROM_QUANTITY, "MOMENT": moment},
)
_starts_like_formula = row_reader(
    "starts_like_formula",
    FIGURE_ROW,
    "not FIRST.isdisjoint(("
    + ", ".join(f"{field.name}[:1]" for field in CSV_FIELDS if field.kind in {TEXT, CHOICE})
    + "))",
    {"FIRST": _FORMULA_FIRST},
)
_study_cells = row_reader(
    "study_cells",
    (*STUDY_COLUMNS, "interlayers", "first_author", "url"),
    "[" + ", ".join(column.cell for column in STUDY_CSV_COLUMNS.values()) + "]",
    {"STRATEGY_LABELS": STRATEGY_LABELS, "METHOD_LABELS": METHOD_LABELS},
)


class _Line:
    """A file that keeps what a csv writer wrote last: a row formatted, not yet written."""

    text = ""

    def write(self, text: str) -> None:
        self.text = text


def _csv_pieces(batch: Batch, study_url: str, buffer: io.StringIO) -> Iterator[str]:
    """The batch's CSV rows, written to buffer (one per figure, one for a study without any)
    and taken from it a piece at a time.

    A study's columns are formatted once and begin each of its rows; a figure's text cells
    are looked at closely only when one of them starts like a formula."""
    writer, line = csv.writer(buffer), _Line()
    study_writer = csv.writer(line)  # same dialect as writer: same quoting, same line end
    no_figure = "," * (len(CSV_FIELDS) - 1) + "\r\n"
    for pk in batch.ids:
        study = batch.studies[pk]
        layers = "; ".join(name for _, _, name, _ in batch.layers.get(pk, ()))
        cells = _study_cells((*study.values(), layers, batch.first_author_cell(study), study_url))
        study_writer.writerow(_safe_cells(cells))
        prefix = line.text[:-2] + ","  # the study's columns, and the comma before the figure's
        figures = batch.figures.get(pk, ())
        if not figures:
            buffer.write(prefix + no_figure)
        for row in figures:
            cells = _figure_cells(row)
            if _starts_like_formula(row):
                cells = _safe_cells(cells)
            buffer.write(prefix)
            writer.writerow(cells)
        if buffer.tell() >= PIECE_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


def csv_chunks(studies: QuerySet, site: str = "", bom: bool = False) -> Iterator[str]:
    """The CSV export a piece at a time. site: what goes before a study's address
    (https://host), so that the file's links work anywhere. bom: begin with the byte-order mark
    Excel needs to read UTF-8 (µ, ², Ω) rather than guess a code page."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    csv.writer(buffer).writerow(CSV_HEADER)
    study_url = site + study_url_pattern()
    for batch in batches(export_ids(studies)):
        yield from _csv_pieces(batch, study_url, buffer)
    yield buffer.getvalue()


def csv_response(request, studies: QuerySet, filename: str, site: str = "", bom: bool = False):
    return file_download(
        request,
        csv_chunks(studies, site, bom),
        "text/csv; charset=utf-8",
        f'attachment; filename="{filename}.csv"',
    )
