"""Two to six studies side by side: their facts, interface stacks on one scale, and figures by quantity."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms

from .filters import IdListField
from .headline import headline, headline_value, top
from .models import LOWER_IS_BETTER, Measurement, Quantity, Role, Study, unit_html_of

MIN_COMPARED, MAX_COMPARED = 2, 6


def compared_ids(raw: list[str]) -> tuple[list[int], str]:
    """The ids asked for, in order and without repeats, or a message saying what is wrong."""
    try:
        ids = list(dict.fromkeys(IdListField(required=False).clean(raw)))
    except forms.ValidationError as error:
        return [], " ".join(error.messages)
    if len(ids) < MIN_COMPARED:
        return ids, (
            f"Choose at least {MIN_COMPARED} studies to compare ({len(ids)} chosen): tick their rows "
            "on the list of studies, then “Compare the ticked studies”."
        )
    if len(ids) > MAX_COMPARED:
        return ids, f"Compare at most {MAX_COMPARED} studies at a time ({len(ids)} chosen)."
    return ids, ""


@dataclass
class FactRow:
    label: str
    values: list[str]

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


@dataclass
class FigureRow:
    quantity: str
    label: str
    unit_html: str
    cells: list[list[Measurement]]
    best: set[int] = field(default_factory=set)
    conditions_differ: bool = False


def facts(studies: list[Study]) -> list[FactRow]:
    def layers(study: Study) -> str:
        return " + ".join(layer.material.name for layer in study.ordered_layers) or "none"

    return [
        FactRow("Strategy", [str(s.get_strategy_display()) for s in studies]),
        FactRow("Electrolyte", [s.electrolyte.name for s in studies]),
        FactRow("Electrolyte family", [s.electrolyte.family.label for s in studies]),
        FactRow("Interlayer(s)", [layers(s) for s in studies]),
        FactRow("Method", [str(s.get_method_display()) if s.method else "not stated" for s in studies]),
        FactRow("Anode", [s.anode for s in studies]),
        FactRow("Cell", [s.cell or (str(s.get_cell_type_display()) or "not stated") for s in studies]),
        FactRow("Year", [str(s.reference.year or "not stated") for s in studies]),
    ]


def _headline(figures: list[Measurement], quantity: str) -> float | None:
    best = headline(figures, quantity)
    return None if best is None else headline_value(best, quantity)


# Quantities where "best" means something; for the others (thickness, pressure …) none is marked.
RANKED = {
    Quantity.CCD,
    Quantity.INTERFACIAL_RESISTANCE,
    Quantity.OVERPOTENTIAL,
    Quantity.CYCLING_TIME,
    Quantity.CYCLE_COUNT,
    Quantity.CAPACITY_RETENTION,
    Quantity.IONIC_CONDUCTIVITY,
    Quantity.SPECIFIC_CAPACITY,
    Quantity.COULOMBIC_EFFICIENCY,
}


def figure_rows(studies: list[Study]) -> list[FigureRow]:
    """One row per quantity any of the studies reports, in the vocabulary's order."""
    rows = []
    for quantity in Quantity:
        cells = [[m for m in s.measurements.all() if m.quantity == quantity] for s in studies]
        if not any(cells):
            continue
        row = FigureRow(quantity.value, str(quantity.label), unit_html_of(quantity), cells)
        headlines = [_headline(cell, quantity) for cell in cells]
        known = [h for h in headlines if h is not None]
        if quantity in RANKED and len(known) > 1 and len(set(known)) > 1:
            target = min(known) if quantity in LOWER_IS_BETTER else max(known)
            row.best = {i for i, h in enumerate(headlines) if h == target}
        treated_conditions = {tuple(m.conditions) for cell in cells for m in cell if m.role != Role.CONTROL}
        row.conditions_differ = sum(1 for cell in cells if cell) > 1 and len(treated_conditions) > 1
        rows.append(row)
    return rows


@dataclass
class Segment:
    kind: str  # anode, interlayer, electrolyte
    label: str
    x: float
    width: float
    thickness: str = ""  # "10 nm", or "" where the source gives none


# The stack is drawn in a 1000-unit-wide box: the anode and the electrolyte are bulk and drawn
# at a fixed width (not to scale); the interlayers share one linear nanometre scale.
BOX, ANODE, ELECTROLYTE, UNKNOWN, HAIRLINE = 1000, 140, 180, 60, 6


def _thickness_nm(study: Study) -> float | None:
    """The interlayer thickness the study reports, when it has exactly one interlayer."""
    figures = [m for m in study.measurements.all() if m.quantity == Quantity.THICKNESS]
    if len(study.ordered_layers) != 1 or not figures:
        return None
    return max(top(m.value, m.value_max) for m in figures)


def stacks(studies: list[Study]) -> tuple[list[list[Segment]], float | None]:
    """Each study's stack as segments on a shared scale, and the nanometres the scale's span stands for."""
    thicknesses = [_thickness_nm(s) for s in studies]
    known = [t for t in thicknesses if t]
    span = BOX - ANODE - ELECTROLYTE - 20
    longest = max(known) if known else None
    result = []
    for study, thickness in zip(studies, thicknesses, strict=True):
        segments = [Segment("anode", study.anode, 0, ANODE)]
        x = ANODE
        for layer in study.ordered_layers:
            if thickness:
                width = max(HAIRLINE, span * thickness / longest)
                segments.append(Segment("interlayer", layer.material.name, x, width, f"{thickness:g} nm"))
            else:
                segments.append(Segment("interlayer unknown", layer.material.name, x, UNKNOWN))
            x += segments[-1].width
        segments.append(Segment("electrolyte", study.electrolyte.name, x, BOX - x))
        result.append(segments)
    return result, longest
