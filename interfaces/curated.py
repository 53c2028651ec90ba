"""The curated dataset of fixtures/ and the database, both ways.

Loading is a three-way merge: for every field, the value the files gave when they were
last loaded (a CuratedRecord) is the common ancestor. A field nobody changed since then
follows the files; a field a curator changed is kept and reported as a conflict when the
files say otherwise. Nothing is ever deleted. Exporting writes the database back in the
same form, in a stable order, so that a curator's work reads as a small diff.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from references.bibtex import (
    CITEKEY_SHAPE,
    _fields_for_model,
    _Identities,
    make_citekey,
    parse_bibtex,
    save_entries,
    write_bibtex,
)
from references.models import Author, Authorship, Reference

from .models import (
    CuratedRecord,
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Study,
    StudyInterlayer,
)

BIB_FILE = "references.bib"
YAML_FILE = "atlas.yaml"


class CurationError(Exception):
    """A fixture is wrong; the message names the file and the entry."""


@dataclass
class Conflict:
    file: str
    entry: str
    field: str
    database: object
    files: object

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.entry}: {self.field}: kept the database's {self.database!r}; "
            f"the files say {self.files!r}"
        )


@dataclass
class LoadReport:
    counts: Counter = field(default_factory=Counter)
    conflicts: list[Conflict] = field(default_factory=list)
    taken_from_files: list[Conflict] = field(default_factory=list)
    database_only: list[str] = field(default_factory=list)

    def count(self, kind: str, outcome: str) -> None:
        self.counts[(kind, outcome)] += 1

    @property
    def changed(self) -> int:
        return sum(n for (_, outcome), n in self.counts.items() if outcome != "unchanged")

    def summary(self) -> str:
        lines = []
        for kind in sorted({kind for kind, _ in self.counts}):
            created, updated = self.counts[(kind, "created")], self.counts[(kind, "updated")]
            lines.append(
                f"{kind}: {created} created, {updated} updated, {self.counts[(kind, 'unchanged')]} unchanged"
            )
        if self.database_only:
            lines.append(
                f"{len(self.database_only)} record(s) exist only in the database and were kept "
                f"(export_curated writes them to the files): {', '.join(self.database_only[:10])}"
                + (" …" if len(self.database_only) > 10 else "")
            )
        for conflict in self.taken_from_files:
            lines.append(
                f"overwritten as asked (--take-files): {conflict.file}: {conflict.entry}: {conflict.field}: "
                f"{conflict.database!r} -> {conflict.files!r}"
            )
        if self.conflicts:
            lines.append(
                f"{len(self.conflicts)} conflict(s): a curator changed these in the database and the files "
                "say otherwise; the curator's version was kept (--take-files takes the files' version):"
            )
            lines.extend(f"  {conflict}" for conflict in self.conflicts)
        return "\n".join(lines)


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
MEASUREMENT_FIELDS = [
    "quantity",
    "qualifier",
    "value",
    "value_max",
    "reported",
    "condition",
    "role",
    "control",
    "temperature",
    "stack_pressure",
    "current_density",
    "areal_capacity",
    "cell_type",
    "locator",
    "source",
    "source_url",
    "source_kind",
    "note",
]
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
# Measurement values in the YAML and the model field behind each, where the names differ.
MEASUREMENT_COLUMNS = {
    "temperature": "temperature_c",
    "stack_pressure": "stack_pressure_mpa",
    "current_density": "current_density_ma_cm2",
    "areal_capacity": "areal_capacity_mah_cm2",
}
NUMBERS = {"value", "value_max", "temperature", "stack_pressure", "current_density", "areal_capacity"}
SECTIONS = {"families", "electrolytes", "interlayers", "studies"}


def _number(value):
    """A stored float as the files write it: 10.0 as 10."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# -- the values of a record, the same whether read from the files or the database ----------
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
        if name == "control":
            control = measurement.control
            values[name] = control.position if control else None
        else:
            values[name] = _number(getattr(measurement, MEASUREMENT_COLUMNS.get(name, name)))
    return values


def reference_values(reference: Reference) -> dict:
    values = {name: getattr(reference, name) for name in REFERENCE_FIELDS if name != "authors"}
    return values | {"authors": [author.inverted for author in reference.author_list]}


class _Loader:
    def __init__(self, directory: Path, take_files: bool):
        self.directory = directory
        self.take_files = take_files
        self.report = LoadReport()
        self.references: dict[str, Reference] = {}
        self.file = ""
        self.where = ""
        self.seen: set[tuple[str, str]] = set()

    def fail(self, message: str) -> CurationError:
        return CurationError(f"{self.where}: {message}" if self.where else message)

    def run(self) -> LoadReport:
        bib_files = sorted(self.directory.glob("*.bib"))
        yaml_files = sorted(self.directory.glob("*.yaml")) + sorted(self.directory.glob("*.yml"))
        if not bib_files and not yaml_files:
            raise CurationError(f"{self.directory}: no .bib or .yaml file to load")
        for path in bib_files:
            self.load_bib(path)
        for path in yaml_files:
            self.load_yaml(path)
        self.note_database_only()
        return self.report

    # -- the three-way merge ---------------------------------------------------------
    def merge(self, kind: str, key: str, instance, current: dict, wanted: dict) -> dict:
        """The fields to write: the files' value wherever nobody changed the database's."""
        self.seen.add((kind, key))
        record = CuratedRecord.objects.filter(kind=kind, key=key).first()
        base = record.values if record else {}
        changes = {}
        for name, value in wanted.items():
            have = current.get(name)
            if have == value:
                continue
            conflict = Conflict(self.file, f"{kind} {key}", name, have, value)
            if name in base and base[name] == have:
                changes[name] = value
            elif self.take_files:
                changes[name] = value
                self.report.taken_from_files.append(conflict)
            else:
                self.report.conflicts.append(conflict)
        self.remember(kind, key, wanted, record)
        return changes

    def remember(self, kind: str, key: str, wanted: dict, record: CuratedRecord | None = None) -> None:
        self.seen.add((kind, key))
        if record is None:
            CuratedRecord.objects.update_or_create(kind=kind, key=key, defaults={"values": wanted})
        elif record.values != wanted:
            record.values = wanted
            record.save(update_fields=["values", "loaded_at"])

    def deleted_by_curator(self, kind: str, key: str) -> bool:
        """A record loaded before and since deleted in the database stays deleted."""
        if self.take_files or not CuratedRecord.objects.filter(kind=kind, key=key).exists():
            return False
        self.report.conflicts.append(Conflict(self.file, f"{kind} {key}", "(record)", "deleted", "present"))
        self.seen.add((kind, key))
        return True

    def note_database_only(self) -> None:
        for kind, keys in (
            ("study", Study.objects.values_list("key", flat=True)),
            ("reference", Reference.objects.values_list("citekey", flat=True)),
        ):
            self.report.database_only += [f"{kind} {key}" for key in keys if (kind, key) not in self.seen]
        studies_seen = {key for kind, key in self.seen if kind == "study"}
        for study_key, position in Measurement.objects.values_list("study__key", "position"):
            if study_key in studies_seen and ("measurement", f"{study_key}/{position}") not in self.seen:
                self.report.database_only.append(f"measurement {study_key}/{position}")

    # -- references ---------------------------------------------------------------
    def load_bib(self, path: Path) -> None:
        self.file = self.where = path.name
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        result = parse_bibtex(text)
        for problem in result.problems:
            raise self.fail(str(problem))
        known = _Identities()
        for reference in Reference.objects.with_authors():
            known.add(reference.doi, reference.match_key, reference)
        in_file = _Identities()
        for entry in result.entries:
            self.where = f"{path.name}: entry {entry.key} (line {entry.line})"
            if entry.errors:
                raise self.fail("; ".join(entry.errors))
            twin = in_file.find(entry.doi, entry.match_key)
            if twin is not None or entry.key in self.references:
                raise self.fail(f"the same paper or key as entry {getattr(twin, 'key', entry.key)} earlier")
            in_file.add(entry.doi, entry.match_key, entry)
            existing = Reference.objects.filter(citekey=entry.key).first()
            existing = existing or known.find(entry.doi, entry.match_key)
            self.references[entry.key] = self.load_reference(entry, existing)
        self.where = ""

    def load_reference(self, entry, reference: Reference | None) -> Reference:
        wanted = _fields_for_model(entry) | {
            "authors": [f"{family}, {given}" if given else family for family, given in entry.authors]
        }
        wanted = {name: wanted[name] for name in REFERENCE_FIELDS}
        key = reference.citekey if reference else entry.key
        if reference is None:
            if self.deleted_by_curator("reference", key):
                return Reference.objects.none().first()
            taken = set(Reference.objects.values_list("citekey", flat=True))
            valid = CITEKEY_SHAPE.fullmatch(entry.key) and entry.key not in taken
            entry.citekey = (
                entry.key if valid else make_citekey(entry.first_author, entry.year, entry.title, taken)
            )
            try:
                reference = save_entries([entry])[0]
            except (IntegrityError, ValidationError) as exc:
                raise self.fail(f"the database refused it: {exc}") from exc
            self.remember("reference", reference.citekey, wanted)
            self.report.count("references", "created")
            return reference
        reference = Reference.objects.with_authors().get(pk=reference.pk)
        changes = self.merge("reference", key, reference, reference_values(reference), wanted)
        if not changes:
            self.report.count("references", "unchanged")
            return reference
        authors = changes.pop("authors", None)
        for name, value in changes.items():
            setattr(reference, name, value)
        self.validate(reference)
        self.save(reference)
        if authors is not None:
            reference.authorships.all().delete()
            for position, name in enumerate(authors, start=1):
                family, _, given = name.partition(", ")
                author, _ = Author.objects.get_or_create(family=family, given=given)
                Authorship.objects.create(reference=reference, author=author, position=position)
            reference.save(update_fields=["identity"])
        self.report.count("references", "updated")
        return reference

    # -- the YAML -----------------------------------------------------------------
    def load_yaml(self, path: Path) -> None:
        self.file = self.where = path.name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" at line {mark.line + 1}" if mark else ""
            raise self.fail(f"malformed YAML{line}: {getattr(exc, 'problem', exc)}") from exc
        if not isinstance(data, dict) or set(data) - SECTIONS:
            raise self.fail(f"expected the sections {', '.join(sorted(SECTIONS))}")
        for position, spec in enumerate(data.get("families") or [], start=1):
            self.load_family(path, spec, position)
        for spec in data.get("electrolytes") or []:
            self.load_electrolyte(path, spec)
        for spec in data.get("interlayers") or []:
            self.load_interlayer(path, spec)
        for spec in data.get("studies") or []:
            self.load_study(path, spec)
        self.where = ""

    def entry(self, path: Path, kind: str, spec, id_key: str, allowed: list[str]) -> dict:
        if not isinstance(spec, dict) or not spec.get(id_key):
            self.where = f"{path.name}: {kind} {spec!r:.60}"
            raise self.fail(f"each {kind} needs a {id_key}")
        self.where = f"{path.name}: {kind} {spec[id_key]}"
        unknown = set(spec) - set(allowed) - {id_key, "measurements"}
        if unknown:
            raise self.fail(f"unknown field(s) {', '.join(sorted(unknown))}")
        return dict(spec)

    def citekey(self, key) -> str:
        reference = self.references.get(key) or Reference.objects.filter(citekey=key).first()
        if reference is None:
            raise self.fail(f"cites {key!r}, which is in no .bib file of the curated data")
        return reference.citekey

    def lookup(self, model: type[models.Model], slug, what: str):
        found = model.objects.filter(slug=slug).first()
        if found is None:
            raise self.fail(f"unknown {what} {slug!r}")
        return found

    @staticmethod
    def text(spec: dict, name: str) -> str:
        value = spec.get(name)
        return "" if value is None else str(value)

    def load_family(self, path: Path, spec, position: int) -> None:
        spec = self.entry(path, "family", spec, "slug", FAMILY_FIELDS)
        citekey = spec.get("stability_reference")
        wanted = {name: self.text(spec, name) for name in FAMILY_FIELDS}
        wanted |= {
            "forms_stable_interphase": spec.get("forms_stable_interphase"),
            "stability_reference": self.citekey(citekey) if citekey else "",
            "position": position,
        }
        self.sync("family", ElectrolyteFamily, spec["slug"], wanted, family_values, self.set_family)

    def set_family(self, family: ElectrolyteFamily, values: dict) -> None:
        for name, value in values.items():
            if name == "stability_reference":
                family.stability_reference = (
                    Reference.objects.filter(citekey=value).first() if value else None
                )
            else:
                setattr(family, name, value)

    def load_electrolyte(self, path: Path, spec) -> None:
        spec = self.entry(path, "electrolyte", spec, "slug", ELECTROLYTE_FIELDS)
        wanted = {name: self.text(spec, name) for name in ELECTROLYTE_FIELDS}
        wanted["aliases"] = [str(alias) for alias in spec.get("aliases") or []]
        self.lookup(ElectrolyteFamily, wanted["family"], "family")
        self.sync("electrolyte", Electrolyte, spec["slug"], wanted, electrolyte_values, self.set_material)

    def load_interlayer(self, path: Path, spec) -> None:
        spec = self.entry(path, "interlayer", spec, "slug", INTERLAYER_FIELDS)
        wanted = {name: self.text(spec, name) for name in INTERLAYER_FIELDS}
        wanted["aliases"] = [str(alias) for alias in spec.get("aliases") or []]
        self.sync(
            "interlayer", InterlayerMaterial, spec["slug"], wanted, interlayer_values, self.set_material
        )

    def set_material(self, instance, values: dict) -> None:
        for name, value in values.items():
            if name == "aliases":
                instance.aliases = "; ".join(value)
            elif name == "family":
                instance.family = ElectrolyteFamily.objects.get(slug=value)
            else:
                setattr(instance, name, value)

    def load_study(self, path: Path, spec) -> None:
        spec = self.entry(path, "study", spec, "key", STUDY_FIELDS)
        wanted = {name: self.text(spec, name) for name in STUDY_FIELDS}
        wanted["reference"] = self.citekey(spec.get("reference"))
        wanted["anode"] = wanted["anode"] or "Li"
        wanted["interlayers"] = [str(slug) for slug in spec.get("interlayers") or []]
        self.lookup(Electrolyte, wanted["electrolyte"], "electrolyte")
        for slug in wanted["interlayers"]:
            self.lookup(InterlayerMaterial, slug, "interlayer")
        study = self.sync("study", Study, spec["key"], wanted, study_values, self.set_study)
        if study is not None:
            self.load_measurements(study, spec.get("measurements") or [])

    def set_study(self, study: Study, values: dict) -> None:
        for name, value in values.items():
            if name == "reference":
                study.reference = Reference.objects.get(citekey=value)
            elif name == "electrolyte":
                study.electrolyte = Electrolyte.objects.get(slug=value)
            elif name != "interlayers":
                setattr(study, name, value)

    def after_study(self, study: Study, values: dict) -> None:
        if "interlayers" not in values:
            return
        study.layers.all().delete()
        for position, slug in enumerate(values["interlayers"], start=1):
            material = InterlayerMaterial.objects.get(slug=slug)
            StudyInterlayer.objects.create(study=study, position=position, material=material)

    def load_measurements(self, study: Study, specs: list) -> None:
        where = self.where
        if not isinstance(specs, list):
            raise self.fail("measurements must be a list")
        self.controls: dict[int, int | None] = {}
        for position, spec in enumerate(specs, start=1):
            self.where = f"{where}, measurement {position}"
            wanted = self.measurement_spec(spec)
            if wanted["control"] is not None and not 1 <= wanted["control"] <= len(specs):
                raise self.fail(f"control {wanted['control']} is not a measurement of this study")
            key = f"{study.key}/{position}"
            self.sync(
                "measurement", Measurement, key, wanted, measurement_values, self.set_measurement, study
            )
        # Controls are linked once every figure of the study exists: a treated figure may
        # come before its control in the list.
        for position, control_position in self.controls.items():
            self.where = f"{where}, measurement {position}"
            measurement = study.measurements.get(position=position)
            control = study.measurements.get(position=control_position) if control_position else None
            if measurement.control_id == (control.pk if control else None):
                continue
            measurement.control = control
            self.validate(measurement)
            self.save(measurement)
        self.where = where

    def measurement_spec(self, spec) -> dict:
        if not isinstance(spec, dict):
            raise self.fail("a measurement must be a mapping")
        unknown = set(spec) - set(MEASUREMENT_FIELDS)
        if unknown:
            raise self.fail(f"unknown field(s) {', '.join(sorted(unknown))}")
        wanted = {name: self.text(spec, name) for name in MEASUREMENT_FIELDS}
        for name in NUMBERS | {"control"}:
            value = spec.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise self.fail(f"{name} must be a number, not {value!r}")
            wanted[name] = _number(value)
        wanted["source"] = wanted["source"] or "review"
        wanted["source_kind"] = wanted["source_kind"] or "text"
        return wanted

    def set_measurement(self, measurement: Measurement, values: dict) -> None:
        for name, value in values.items():
            if name == "control":
                self.controls[measurement.position] = value
            else:
                setattr(measurement, MEASUREMENT_COLUMNS.get(name, name), value)

    # -- writing ------------------------------------------------------------------
    def sync(self, kind, model, key, wanted, values_of, assign, study=None):
        """Create the record, or write the fields the merge lets through; count what happened."""
        label = model._meta.verbose_name_plural
        if study is not None:
            lookup = {"study": study, "position": int(key.rsplit("/", 1)[1])}
        else:
            lookup = {"key" if model is Study else "slug": key}
        instance = model.objects.filter(**lookup).first()
        if instance is None:
            if self.deleted_by_curator(kind, key):
                return None
            instance, changes, outcome = model(**lookup), wanted, "created"
        else:
            changes, outcome = self.merge(kind, key, instance, values_of(instance), wanted), "updated"
            if not changes:
                self.report.count(label, "unchanged")
                return instance
        assign(instance, changes)
        if set(changes) - {"control", "interlayers"}:
            self.validate(instance)
            self.save(instance)
        if model is Study:
            self.after_study(instance, changes)
        if outcome == "created":
            self.remember(kind, key, wanted)
        self.report.count(label, outcome)
        return instance

    def validate(self, instance: models.Model) -> None:
        try:
            instance.full_clean()
        except ValidationError as exc:
            messages = "; ".join(
                f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
                for name, errors in exc.message_dict.items()
            )
            raise self.fail(messages) from exc

    def save(self, instance: models.Model) -> None:
        instance._change_reason = "load_curated"
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError as exc:
            raise self.fail(f"the database refused it: {exc}") from exc


@transaction.atomic
def load_curated(directory: Path, *, take_files: bool = False) -> LoadReport:
    """Load every .bib, then every .yaml, of `directory`; all or nothing."""
    return _Loader(Path(directory), take_files).run()


# -- writing the database back --------------------------------------------------------
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
#   `value` is in the quantity's canonical unit (SPEC.md). What the source does not state
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


# -- what a curator changed since the files were loaded -------------------------------
def _record_of(instance) -> tuple[str, str, dict] | None:
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


def edited_since_loaded(instance) -> list[str] | None:
    """The fields changed in the database since the curated files were last loaded;
    None when the record is not in the files (added in the admin or by an import)."""
    found = _record_of(instance)
    if found is None:
        return None
    kind, key, current = found
    record = CuratedRecord.objects.filter(kind=kind, key=key).first()
    if record is None:
        return None
    return [name for name, value in record.values.items() if name in current and current[name] != value]
