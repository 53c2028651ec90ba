"""Writing the database back as the curated files (references.bib and atlas.yaml), in a stable
order, so that a curator's work reads as a small diff. `manage.py export_curated` runs it."""

from __future__ import annotations

from pathlib import Path

import yaml

from references.bibtex import write_bibtex
from references.models import Reference

from ..models import Electrolyte, ElectrolyteFamily, InterlayerMaterial, Study
from .records import electrolyte_values, family_values, interlayer_values, measurement_values, study_values

BIB_FILE = "references.bib"
YAML_FILE = "atlas.yaml"


BIB_HEADER = """\
@comment{The references of Interphase Atlas: the founding review (kim2023interfacial:
J.-H. Kim, Corrosion Science and Technology, 2023), its 60 references as the review's
reference list prints them (authors' initials; pages are the first page or the article
number), and the primary papers added since, each with the fields a page of the source
shows and no other. Corrections of a source are explained in the entry's annote.
Written by `manage.py export_curated`; loaded by `manage.py load_curated`.}

"""

YAML_HEADER = """\
# The curated dataset of Interphase Atlas. Written by `manage.py export_curated`; loaded
# by `manage.py load_curated`, which never overwrites or deletes a curator's edit.
#
# Rules:
# - A value goes in only as its source states it: `reported` is the value as printed,
#   `value` is in the quantity's canonical unit (docs/contract.md). What the source does not state
#   stays empty; a lower bound keeps its qualifier.
# - `source` is where a figure was read: review, abstract or full-text; a primary source
#   carries the address where it was read (`source_url`); `source_kind` says whether it was
#   stated in the text or a caption, read off a figure, or taken from a table.
# - `control` is the position, in the study's list, of the untreated figure a treated one
#   is compared with.
# - `figures_source` is the deepest source read for a study's figures (empty: not yet).
# - Corrections of a source's typos are explained in a `curation_note` or `note`.
# - References are named by their key in references.bib.

"""


def _compact(values: dict, keep: set[str] = frozenset()) -> dict:
    return {name: value for name, value in values.items() if name in keep or value not in ("", None, [])}


def curated_data() -> dict:
    """The database as the YAML of fixtures/ holds it."""
    families = []
    for family in ElectrolyteFamily.objects.select_related("stability_reference").order_by("position", "pk"):
        values = family_values(family)
        del values["position"]
        families.append({"slug": family.slug} | _compact(values, keep={"forms_stable_interphase"}))
    electrolytes = [
        {"slug": e.slug} | _compact(electrolyte_values(e))
        for e in Electrolyte.objects.select_related("family").order_by("pk")
    ]
    interlayers = [
        {"slug": m.slug} | _compact(interlayer_values(m)) for m in InterlayerMaterial.objects.order_by("pk")
    ]
    studies = []
    for study in Study.objects.for_list().prefetch_related("measurements__control").order_by("pk"):
        spec = {"key": study.key} | _compact(study_values(study), keep={"anode"})
        measurements = [
            _compact(measurement_values(m))
            for m in sorted(study.measurements.all(), key=lambda m: m.position)
        ]
        if measurements:
            spec["measurements"] = measurements
        studies.append(spec)
    return {
        "families": families,
        "electrolytes": electrolytes,
        "interlayers": interlayers,
        "studies": studies,
    }


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)  # lists indented under their key


def _text(dumper, value: str):
    style = ">" if len(value) > 90 and "\n" not in value and value == value.strip() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def export_curated(directory: Path) -> list[Path]:
    """Write the database as references.bib and atlas.yaml in `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    bib = directory / BIB_FILE
    bib.write_text(BIB_HEADER + write_bibtex(Reference.objects.with_authors().order_by("pk"), curated=True))
    data = yaml.dump(curated_data(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=96)
    atlas = directory / YAML_FILE
    for item in ("\n- ", "\n  - slug:", "\n  - key:"):
        data = data.replace(item, "\n" + item)  # a blank line between entries
    atlas.write_text(YAML_HEADER + data.replace(":\n\n  - ", ":\n  - "))
    return [bib, atlas]
