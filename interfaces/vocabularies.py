"""The atlas's vocabularies: their slugs are part of the public contract (docs/contract.md).

Each is a TextChoices (the slug stored, the label shown); a quantity's canonical unit, in
which its values are stored, is declared here once."""

import re

from django.db import models


class Strategy(models.TextChoices):
    """The review's §2.3 categories."""

    ARTIFICIAL_INTERLAYER = "artificial-interlayer", "Artificial interlayer"
    ELECTROLYTE_COMPOSITION = "electrolyte-composition", "Electrolyte composition"
    ANODE_DESIGN = "anode-design", "Anode design"
    OTHER = "other", "Other (pressure, microstructure, …)"


STRATEGY_SECTIONS = {
    Strategy.ARTIFICIAL_INTERLAYER: "§2.3.1",
    Strategy.ELECTROLYTE_COMPOSITION: "§2.3.2",
    Strategy.ANODE_DESIGN: "§2.3.3",
    Strategy.OTHER: "§2.3.4",
}


class Method(models.TextChoices):
    ALD = "ald", "Atomic layer deposition"
    SPUTTERING = "sputtering", "Sputtering"
    EVAPORATION = "evaporation", "Evaporation"
    WET_CHEMICAL = "wet-chemical", "Wet-chemical (solution / sol-gel + heat treatment)"
    GAS_TREATMENT = "gas-treatment", "Gas treatment"
    MELT_INFILTRATION = "melt-infiltration", "Melt infiltration"
    BALL_MILLING = "ball-milling", "Ball milling"
    SOLID_STATE_SYNTHESIS = "solid-state-synthesis", "Solid-state synthesis"
    IN_SITU = "in-situ", "In situ (formed at the interface)"
    OTHER = "other", "Other"


class Quantity(models.TextChoices):
    CCD = "ccd", "Critical current density"
    INTERFACIAL_RESISTANCE = "interfacial_resistance", "Interfacial resistance"
    IONIC_CONDUCTIVITY = "ionic_conductivity", "Ionic conductivity"
    CURRENT_DENSITY = "current_density", "Current density"
    STACK_PRESSURE = "stack_pressure", "Stack pressure"
    CYCLING_TIME = "cycling_time", "Cycling time"
    THICKNESS = "thickness", "Interlayer thickness"
    GRAIN_SIZE = "grain_size", "Grain size"
    RESISTANCE = "resistance", "Interfacial resistance (area not given)"
    OVERPOTENTIAL = "overpotential", "Overpotential"
    CYCLE_COUNT = "cycle_count", "Cycle count"
    CAPACITY_RETENTION = "capacity_retention", "Capacity retention"
    AREAL_CAPACITY = "areal_capacity", "Areal capacity"
    ELECTROLYTE_THICKNESS = "electrolyte_thickness", "Electrolyte thickness"
    SPECIFIC_CAPACITY = "specific_capacity", "Specific capacity"
    COULOMBIC_EFFICIENCY = "coulombic_efficiency", "Coulombic efficiency"


# The canonical unit of each quantity: values are stored in it. Plain text for
# exports, HTML for pages.
UNITS = {
    Quantity.CCD: ("mA/cm²", "mA&nbsp;cm<sup>−2</sup>"),
    Quantity.INTERFACIAL_RESISTANCE: ("Ω·cm²", "Ω&nbsp;cm<sup>2</sup>"),
    Quantity.IONIC_CONDUCTIVITY: ("mS/cm", "mS&nbsp;cm<sup>−1</sup>"),
    Quantity.CURRENT_DENSITY: ("mA/cm²", "mA&nbsp;cm<sup>−2</sup>"),
    Quantity.STACK_PRESSURE: ("MPa", "MPa"),
    Quantity.CYCLING_TIME: ("h", "h"),
    Quantity.THICKNESS: ("nm", "nm"),
    Quantity.GRAIN_SIZE: ("µm", "µm"),
    # An interfacial resistance printed without its area cannot be brought to Ω·cm²: a
    # quantity of its own, so it never meets normalised values in a sort or a filter.
    Quantity.RESISTANCE: ("Ω", "Ω"),
    Quantity.OVERPOTENTIAL: ("mV", "mV"),
    Quantity.CYCLE_COUNT: ("cycles", "cycles"),
    Quantity.CAPACITY_RETENTION: ("%", "%"),
    Quantity.AREAL_CAPACITY: ("mAh/cm²", "mAh&nbsp;cm<sup>−2</sup>"),
    Quantity.ELECTROLYTE_THICKNESS: ("µm", "µm"),
    Quantity.SPECIFIC_CAPACITY: ("mAh/g", "mAh&nbsp;g<sup>−1</sup>"),
    Quantity.COULOMBIC_EFFICIENCY: ("%", "%"),
}


def unit_of(quantity: str) -> str:
    return UNITS[Quantity(quantity)][0]


def unit_html_of(quantity: str) -> str:
    return UNITS[Quantity(quantity)][1]


# Quantities where a smaller figure is the better one.
LOWER_IS_BETTER = {"interfacial_resistance", "resistance", "overpotential"}


class ElectrolyteForm(models.TextChoices):
    CRYSTALLINE = "crystalline", "Crystalline"
    GLASS = "glass", "Glass"
    GLASS_CERAMIC = "glass-ceramic", "Glass-ceramic"
    AMORPHOUS = "amorphous", "Amorphous"
    POLYMER = "polymer", "Polymer"
    COMPOSITE = "composite", "Composite"


class InterlayerKind(models.TextChoices):
    OXIDE = "oxide", "Oxide"
    PHOSPHATE = "phosphate", "Phosphate"
    SILICATE = "silicate", "Silicate"
    METAL = "metal", "Alloy-forming metal"
    HALIDE = "halide", "Halide"
    NITRIDE = "nitride", "Nitride"
    POLYMER = "polymer", "Polymer"
    SULFIDE = "sulfide", "Sulfide"
    OTHER = "other", "Other"


class CellType(models.TextChoices):
    SYMMETRIC = "symmetric", "Symmetric cell (Li | SE | Li)"
    FULL = "full", "Full cell"
    HALF = "half", "Half cell"
    OTHER = "other", "Other"


class Source(models.TextChoices):
    """Where a figure was read: the founding review, or the primary paper itself."""

    REVIEW = "review", "The review"
    ABSTRACT = "abstract", "The paper's abstract"
    FULL_TEXT = "full-text", "The paper's full text"


class FiguresSource(models.TextChoices):
    """How far a study's figures have been curated: the deepest source read for them."""

    NOT_CURATED = "", "Not yet curated"
    REVIEW = "review", "The review only"
    ABSTRACT = "abstract", "The paper's abstract"
    FULL_TEXT = "full-text", "The paper's full text"


CELL_SHORT = {"symmetric": "symmetric cell", "full": "full cell", "half": "half cell", "other": "other cell"}


class SourceKind(models.TextChoices):
    TEXT = "text", "Stated in the text"
    CAPTION = "caption", "Stated in a figure caption"
    FIGURE = "figure", "Read from a figure"
    TABLE = "table", "Stated in a table"


class Role(models.TextChoices):
    TREATED = "treated", "Treated (with the strategy)"
    CONTROL = "control", "Control (without the strategy)"


class Qualifier(models.TextChoices):
    APPROX = "~", "approximately"
    LESS = "<", "less than"
    AT_MOST = "≤", "at most"
    MORE = ">", "more than"
    AT_LEAST = "≥", "at least"


# The one rule for qualifiers, as curators read it in the admin and readers on /about/.
QUALIFIER_RULE = (
    "A value the experiment reached (“up to X”, “as high as X”, “reaching X”) is that value: no "
    "qualifier. “Over”, “more than” and “at least X” are > and ≥. ≤ and < only where the source "
    "bounds the value from above (a cell that shorted below X, a layer X nm or thinner); ~ for "
    "“about”, “≈”."
)
# Wording of a source for a value the experiment reached.
_REACHED = re.compile(r"^\s*(up to|as high as|reaching|reached|as long as|as low as)\b", re.IGNORECASE)


def qualifier_contradiction(qualifier: str, reported: str) -> str:
    """Why a qualifier contradicts the source's own words (`reported`), or "" when it does not."""
    if qualifier in {Qualifier.AT_MOST, Qualifier.LESS} and _REACHED.match(reported or ""):
        return (
            f"The source says “{reported.strip()[:60]}”: a value the experiment reached is exact, "
            f"not {Qualifier(qualifier).label}. Leave the qualifier empty."
        )
    return ""


# How a sentence names where a figure was read.
SOURCE_PHRASES = {
    Source.REVIEW: "the review",
    Source.ABSTRACT: "the paper's abstract",
    Source.FULL_TEXT: "the paper",
}
