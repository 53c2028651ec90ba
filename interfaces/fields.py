"""A figure's (a measurement's) fields, declared once.

Every reader and writer of figures takes its field list from FIGURE_FIELDS: the curated
files (their names and which are numbers), the JSON documents built from model instances
and from value rows, the CSV's columns and cells, the admin's figure rows and the API's
serializer; tests/test_fields.py checks that they agree. Adding a figure field means the
model field, its migration and one entry here (docs/data-dictionary.md describes it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from django.db.models import TextChoices

from .vocabularies import CELL_SHORT, CellType, Qualifier, Quantity, Role, Source, SourceKind, unit_of

# What a field holds: an integer id, free text, a number (None where unknown), a slug of a
# vocabulary, a moment (None where none; ISO 8601 in UTC, to the second, wherever it is
# written), or a value derived from the others (never stored, never in the curated files).
ID, TEXT, NUMBER, CHOICE, DATE, DERIVED = "id", "text", "number", "choice", "date", "derived"


@dataclass(frozen=True)
class FigureField:
    name: str  # in the JSON documents and the API
    kind: str
    description: str
    column: str | None  # the model field read (None: derived)
    file: str | None  # the name in the curated files (None: not written there)
    csv: str | None  # the CSV column (None: not a column)
    in_json: bool = True
    choices: type[TextChoices] | None = None
    required: bool = False  # never empty; an optional choice left empty is null in the JSON
    unit: str = ""  # a test condition's unit, shown after its value

    @property
    def null_if_empty(self) -> bool:
        """An optional choice: empty in the database, null in the JSON."""
        return self.kind == CHOICE and not self.required


def _field(name: str, kind: str, description: str, **kwargs) -> FigureField:
    """A stored field, named alike in the model, the curated files and the CSV unless said otherwise."""
    kwargs.setdefault("column", name)
    kwargs.setdefault("file", name)
    kwargs.setdefault("csv", name)
    return FigureField(name, kind, description, **kwargs)


def _derived(name: str, description: str, *, in_json: bool = True) -> FigureField:
    return FigureField(
        name, DERIVED, description, column=None, file=None, csv=name, in_json=in_json, required=True
    )


# In the order of the JSON documents and the CSV's columns (docs/contract.md): fields are only
# ever added, never renamed or removed.
FIGURE_FIELDS: tuple[FigureField, ...] = (
    _field("id", ID, "The figure's id.", column="pk", file=None, csv="measurement_id", required=True),
    _field("quantity", CHOICE, "What was measured.", choices=Quantity, required=True),
    _derived("quantity_label", "The quantity's name.", in_json=False),
    _field(
        "qualifier",
        CHOICE,
        "~, <, ≤, > or ≥ before the value; empty for a value the experiment reached.",
        choices=Qualifier,
    ),
    _field("value", NUMBER, "In the quantity's canonical unit.", required=True),
    _field("value_max", NUMBER, "The upper end of a range; empty for a single value."),
    _derived("unit", "The quantity's canonical unit, in which value and value_max are given."),
    _field("reported", TEXT, "The value and unit exactly as the source prints them."),
    _field("temperature_c", NUMBER, "The test temperature (°C).", file="temperature", unit="\u00a0°C"),
    _field(
        "stack_pressure_mpa",
        NUMBER,
        "The stack pressure of the test (MPa).",
        file="stack_pressure",
        unit="\u00a0MPa",
    ),
    _field(
        "current_density_ma_cm2",
        NUMBER,
        "The current density of the cycling or CCD test (mA/cm²).",
        file="current_density",
        unit="\u00a0mA/cm²",
    ),
    _field(
        "areal_capacity_mah_cm2",
        NUMBER,
        "The areal capacity per half-cycle of the test (mAh/cm²).",
        file="areal_capacity",
        unit="\u00a0mAh/cm²",
    ),
    _field("cell_type", CHOICE, "The test cell.", csv="test_cell", choices=CellType),
    _field("condition", TEXT, 'What distinguishes this figure in its paper: "bare", "coated", "x = 30".'),
    _field(
        "role",
        CHOICE,
        "treated (with the strategy) or control (without it); empty where the paper pairs none.",
        choices=Role,
    ),
    _field(
        "control",
        ID,
        "The id of the untreated figure a treated one is compared with (in the curated files: its "
        "position in the study's list).",
        column="control_id",
        csv="control_id",
    ),
    _field(
        "locator", TEXT, 'Where in the source the figure was read: "review §2.3.1", "Fig. 4f".', required=True
    ),
    _field(
        "source",
        CHOICE,
        "Where the figure was read: the review, the abstract or the full text.",
        choices=Source,
        required=True,
    ),
    _field("source_url", TEXT, "For a figure read in the paper: the address of the page where it was read."),
    _field(
        "source_kind",
        CHOICE,
        "Stated in the text or a caption, read from a figure, or stated in a table.",
        choices=SourceKind,
        required=True,
    ),
    _field("note", TEXT, "A curator's remark on the figure."),
    # The second reading (interfaces/second_reading.py). Who read it is kept in the curated
    # files; the pages, the API and the exports give whether and when it was checked.
    _field("entered_by", TEXT, "The curator who entered or last changed it.", csv=None, in_json=False),
    _field("entered_at", DATE, "When it was entered or last changed.", csv=None, in_json=False),
    _field("checked_by", TEXT, "The second curator who checked it.", csv=None, in_json=False),
    _field(
        "checked_at",
        DATE,
        "When a second curator checked the figure against its source; null while it is entered, not "
        "yet checked. A later change of the figure clears it.",
    ),
)

BY_NAME = {field.name: field for field in FIGURE_FIELDS}
# The stored fields, in order: what a figure's row of values holds.
STORED_FIELDS = tuple(field for field in FIGURE_FIELDS if field.column is not None)
JSON_FIELDS = tuple(field for field in FIGURE_FIELDS if field.in_json)
CSV_FIELDS = tuple(field for field in FIGURE_FIELDS if field.csv is not None)
FILE_FIELDS = tuple(field for field in FIGURE_FIELDS if field.file is not None)
# The test conditions that decide whether two figures compare.
CONDITION_FIELDS = tuple(field for field in FIGURE_FIELDS if field.unit) + (BY_NAME["cell_type"],)

UNITS_BY_QUANTITY = {quantity.value: unit_of(quantity) for quantity in Quantity}
LABELS_BY_QUANTITY = dict(Quantity.choices)
# What a derived field is read from: the figure's quantity.
DERIVED_FROM_QUANTITY = {"unit": UNITS_BY_QUANTITY, "quantity_label": LABELS_BY_QUANTITY}


def row_reader(
    name: str, columns: tuple[str, ...], result: str, namespace: dict
) -> Callable[[tuple], object]:
    """A function that unpacks a row of values into the names of its columns and returns
    `result`, an expression over those names. It is written out once from the declaration, as
    collections.namedtuple writes its classes, so that reading a row by name costs what
    unpacking it by hand does; `columns` and `result` come from the declaration alone."""
    source = f"def {name}(row):\n    ({', '.join(columns)},) = row\n    return {result}\n"
    namespace = dict(namespace)
    exec(source, namespace)
    return namespace[name]


def conditions_of(get: Callable[[str], object], space: str = "\u00a0") -> list[str]:
    """A figure's test conditions as short texts ("25 °C", "symmetric cell"); get(name) reads a field."""
    parts = []
    for field in CONDITION_FIELDS:
        value = get(field.name)
        if value is None or value == "":
            continue
        unit = field.unit.replace("\u00a0", space)
        parts.append(CELL_SHORT[value] if field.choices else f"{value:g}{unit}")
    return parts


def moment(value) -> str | None:
    """A stored moment as every export and the curated files write it: ISO 8601 in UTC, to the second."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
