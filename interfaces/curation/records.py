"""A curated record's values as the curated files name them, the same whether read from the
files or from the database: what the three-way merge compares and the dump writes."""

from __future__ import annotations

from datetime import datetime

from references.models import Reference

from ..fields import DATE, FILE_FIELDS, NUMBER, moment
from ..models import Electrolyte, ElectrolyteFamily, InterlayerMaterial, Measurement, Study

# The fields of each kind of record, as the YAML names them, in the order they are written.
FAMILY_FIELDS = [
    "label",
    "examples",
    "forms_stable_interphase",
    "stability_note",
    "stability_reference",
    "stability_locator",
]
ELECTROLYTE_FIELDS = ["name", "formula", "family", "form", "dopants", "aliases", "description"]
INTERLAYER_FIELDS = ["name", "formula", "kind", "aliases", "description"]
STUDY_FIELDS = [
    "reference",
    "strategy",
    "electrolyte",
    "interlayers",
    "method",
    "method_detail",
    "anode",
    "cell_type",
    "cell",
    "summary",
    "mechanism",
    "review_locator",
    "figures_source",
    "curation_note",
]
# A figure's fields as the files name them, from its declaration (interfaces/fields.py).
MEASUREMENT_FIELDS = [field.file for field in FILE_FIELDS]
REFERENCE_FIELDS = [
    "entry_type",
    "title",
    "authors",
    "journal",
    "publisher",
    "year",
    "month",
    "volume",
    "number",
    "pages",
    "doi",
    "url",
    "abstract",
    "curation_note",
]
# The model field behind each of a figure's names in the files, and which of them are numbers.
MEASUREMENT_COLUMNS = {field.file: field.column for field in FILE_FIELDS}
NUMBERS = {field.file for field in FILE_FIELDS if field.kind == NUMBER}
MOMENTS = {field.file for field in FILE_FIELDS if field.kind == DATE}
# What a figure's field left out of the files is: the model field's default (source: review).
MEASUREMENT_DEFAULTS = {
    field.file: str(Measurement._meta.get_field(field.column).default)
    for field in FILE_FIELDS
    if field.column != "pk" and Measurement._meta.get_field(field.column).has_default()
}
SECTIONS = {"families", "electrolytes", "interlayers", "studies"}


def as_written(value):
    """A stored value as the files write it: 10.0 as 10, a moment in ISO 8601 (UTC, to the second)."""
    if isinstance(value, datetime):
        return moment(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def family_values(family: ElectrolyteFamily) -> dict:
    reference = family.stability_reference
    return {
        "label": family.label,
        "examples": family.examples,
        "forms_stable_interphase": family.forms_stable_interphase,
        "stability_note": family.stability_note,
        "stability_reference": reference.citekey if reference else "",
        "stability_locator": family.stability_locator,
        "position": family.position,
    }


def electrolyte_values(electrolyte: Electrolyte) -> dict:
    values = {name: getattr(electrolyte, name) for name in ELECTROLYTE_FIELDS}
    return values | {"family": electrolyte.family.slug, "aliases": electrolyte.alias_list}


def interlayer_values(material: InterlayerMaterial) -> dict:
    values = {name: getattr(material, name) for name in INTERLAYER_FIELDS}
    return values | {"aliases": material.alias_list}


def study_values(study: Study) -> dict:
    values = {name: getattr(study, name) for name in STUDY_FIELDS if name not in {"interlayers"}}
    return values | {
        "reference": study.reference.citekey,
        "electrolyte": study.electrolyte.slug,
        "interlayers": [layer.material.slug for layer in study.ordered_layers],
    }


def measurement_values(measurement: Measurement) -> dict:
    values = {}
    for name in MEASUREMENT_FIELDS:
        if name == "control":  # in the files, the position of the control in its study's list
            control = measurement.control
            values[name] = control.position if control else None
        else:
            values[name] = as_written(getattr(measurement, MEASUREMENT_COLUMNS[name]))
    return values


def reference_values(reference: Reference) -> dict:
    values = {name: getattr(reference, name) for name in REFERENCE_FIELDS if name != "authors"}
    return values | {"authors": [author.inverted for author in reference.author_list]}


def record_of(instance) -> tuple[str, str, dict] | None:
    """The kind, key and current values of a curated record, as the files name them."""
    if isinstance(instance, Study):
        return "study", instance.key, study_values(instance)
    if isinstance(instance, Measurement):
        return "measurement", f"{instance.study.key}/{instance.position}", measurement_values(instance)
    if isinstance(instance, Reference):
        return "reference", instance.citekey, reference_values(instance)
    if isinstance(instance, Electrolyte):
        return "electrolyte", instance.slug, electrolyte_values(instance)
    if isinstance(instance, InterlayerMaterial):
        return "interlayer", instance.slug, interlayer_values(instance)
    if isinstance(instance, ElectrolyteFamily):
        return "family", instance.slug, family_values(instance)
    return None
