"""Loading the curated files into the database: a three-way merge that never loses a curator's edit.

For every field, the value the files gave when they were last loaded (a CuratedRecord) is
the common ancestor. A field nobody changed since then follows the files; a field a curator
changed is kept and reported as a conflict when the files say otherwise. Nothing is ever
deleted; a record a curator deleted stays deleted."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F

from atlas.caching import data_changed
from references.bibtex import (
    Identities,
    citekey_for,
    known_identities,
    parse_bibtex,
    reference_fields,
    replace_authors,
    save_entries,
)
from references.models import Reference

from ..models import (
    CuratedRecord,
    CurationLoad,
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Study,
    StudyInterlayer,
)
from .records import (
    ELECTROLYTE_FIELDS,
    FAMILY_FIELDS,
    INTERLAYER_FIELDS,
    MEASUREMENT_COLUMNS,
    MEASUREMENT_DEFAULTS,
    MEASUREMENT_FIELDS,
    MOMENTS,
    NUMBERS,
    REFERENCE_FIELDS,
    SECTIONS,
    STUDY_FIELDS,
    as_written,
    electrolyte_values,
    family_values,
    interlayer_values,
    measurement_values,
    reference_values,
    study_values,
)


class CurationError(Exception):
    """A fixture is wrong; the message names the file and the entry."""


@dataclass
class Conflict:
    file: str
    entry: str
    field: str
    database: object
    files: object
    during_load: bool = False  # saved in the database between load_curated's read and its write

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.entry}: {self.field}: kept the database's {self.database!r}; "
            f"the files say {self.files!r}" + (" (saved while load_curated ran)" if self.during_load else "")
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
        return sum(n for (_, outcome), n in self.counts.items() if outcome not in {"unchanged", "kept"})

    def summary(self) -> str:
        lines = []
        for kind in sorted({kind for kind, _ in self.counts}):
            created, updated = self.counts[(kind, "created")], self.counts[(kind, "updated")]
            kept = self.counts[(kind, "kept")]
            lines.append(
                f"{kind}: {created} created, {updated} updated, {self.counts[(kind, 'unchanged')]} unchanged"
                + (f", {kept} kept as saved in the database while loading" if kept else "")
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


def columns(instance: models.Model) -> dict:
    """A record's stored values by column, as read: what a write is compared with."""
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def compare_and_set(instance: models.Model, read: dict, changed: dict, version: int | None = None) -> bool:
    """Write the `changed` columns of the record in one UPDATE … WHERE pk = … AND each of them still
    holds its `read` value (AND version = `version`, when given), bumping its version; False when no
    row matched: someone saved those fields, or deleted the record, since they were read."""
    model = type(instance)
    rows = model._default_manager.filter(pk=instance.pk, **{column: read[column] for column in changed})
    values = dict(changed)
    if any(field.name == "version" for field in model._meta.concrete_fields):
        values["version"] = F("version") + 1
        if version is not None:
            rows = rows.filter(version=version)
    written = bool(values) and rows.update(**values) == 1
    if written:
        # An UPDATE sends no signal, and the save that follows it for the history finds the row
        # already written: the cached counts and pages are told here, as of a change of links.
        data_changed(model, instance=instance)
    return written


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
        known = known_identities()
        in_file = Identities()
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
        wanted = reference_fields(entry) | {
            "authors": [f"{family}, {given}" if given else family for family, given in entry.authors]
        }
        wanted = {name: wanted[name] for name in REFERENCE_FIELDS}
        key = reference.citekey if reference else entry.key
        if reference is None:
            if self.deleted_by_curator("reference", key):
                return Reference.objects.none().first()
            taken = set(Reference.objects.values_list("citekey", flat=True))
            entry.citekey = citekey_for(entry, taken, keep_key=True)
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
        read = columns(reference)
        for name, value in changes.items():
            if name != "authors":
                setattr(reference, name, value)
        self.validate(reference)
        # The authors are rows of their own: the version guards them.
        if not self.write("reference", key, reference, read, changes, guard_version="authors" in changes):
            return reference
        if "authors" in changes:
            replace_authors(reference, [name.partition(", ")[::2] for name in changes["authors"]])
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
            self.save(StudyInterlayer(study=study, position=position, material=material))

    def load_measurements(self, study: Study, specs: list) -> None:
        where = self.where
        if not isinstance(specs, list):
            raise self.fail("measurements must be a list")
        self.controls: dict[int, tuple[int | None, int | None]] = {}
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
        for position, (control_position, read_control) in self.controls.items():
            self.where = f"{where}, measurement {position}"
            measurement = study.measurements.get(position=position)
            control = study.measurements.get(position=control_position) if control_position else None
            if measurement.control_id == (control.pk if control else None):
                continue
            # Compared with the control the merge read, not with this second read.
            read = columns(measurement) | {"control_id": read_control}
            measurement.control = control
            self.validate(measurement)
            self.write(
                "measurement",
                f"{study.key}/{position}",
                measurement,
                read,
                {"control": control_position},
                values_of=measurement_values,
            )
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
            wanted[name] = as_written(value)
        for name in MOMENTS:
            wanted[name] = self.moment(spec.get(name), name)
        for name, default in MEASUREMENT_DEFAULTS.items():
            wanted[name] = wanted[name] or default
        return wanted

    def moment(self, value, name: str) -> str | None:
        """A moment of the files (ISO 8601; UTC where no zone is given) as the files write it."""
        if value is None or value == "":
            return None
        if not isinstance(value, datetime):
            try:
                value = datetime.fromisoformat(str(value))
            except ValueError:
                raise self.fail(f"{name} must be a date and time (ISO 8601), not {value!r}") from None
        return as_written(value if value.tzinfo else value.replace(tzinfo=UTC))

    def set_measurement(self, measurement: Measurement, values: dict) -> None:
        for name, value in values.items():
            if name == "control":
                self.controls[measurement.position] = (value, measurement.control_id)
            elif name in MOMENTS:
                setattr(measurement, MEASUREMENT_COLUMNS[name], value and datetime.fromisoformat(value))
            else:
                setattr(measurement, MEASUREMENT_COLUMNS[name], value)

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
            instance = model(**lookup)
            assign(instance, wanted)
            if set(wanted) - {"control", "interlayers"}:
                self.validate(instance)
                self.save(instance)
            if model is Study:
                self.after_study(instance, wanted)
            self.remember(kind, key, wanted)
            self.report.count(label, "created")
            return instance
        changes = self.merge(kind, key, instance, values_of(instance), wanted)
        if not changes:
            self.report.count(label, "unchanged")
            return instance
        read = columns(instance)
        assign(instance, changes)
        if set(changes) - {"control"}:  # a control is linked once the study's figures all exist
            self.validate(instance)
            # A study's interlayers are rows of their own: the version guards them.
            guard = "interlayers" in changes
            if not self.write(kind, key, instance, read, changes, guard_version=guard, values_of=values_of):
                return instance
        if model is Study:
            self.after_study(instance, changes)
        self.report.count(label, "updated")
        return instance

    def write(self, kind, key, instance, read: dict, changes: dict, *, guard_version=False, values_of=None):
        """Write only the columns the merge changed, and only if they still hold what was read (the
        version too, when `guard_version`); otherwise report each field as a conflict and keep the
        database's. True when written."""
        changed = {column: value for column, value in columns(instance).items() if value != read[column]}
        if not changed and not guard_version:
            return True
        try:
            with transaction.atomic():
                written = compare_and_set(
                    instance, read, changed, read.get("version") if guard_version else None
                )
        except IntegrityError as exc:
            raise self.fail(f"the database refused it: {exc}") from exc
        label = type(instance)._meta.verbose_name_plural
        if not written:
            self.report_saved_meanwhile(kind, key, instance, changes, values_of or reference_values)
            self.report.count(label, "kept")
            return False
        # Read back under the write's lock, so that the history records the row as it now stands.
        instance.refresh_from_db()
        if changed:
            auto = [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
            names = [instance._meta.get_field(column).name for column in changed]
            self.save(instance, update_fields=[*names, *auto])
        return True

    def report_saved_meanwhile(self, kind, key, instance, changes: dict, values_of) -> None:
        current = type(instance)._default_manager.filter(pk=instance.pk).first()
        entry = f"{kind} {key}"
        if current is None:
            self.report.conflicts.append(Conflict(self.file, entry, "(record)", "deleted", "present", True))
            return
        now = values_of(current)
        for name, value in changes.items():
            if now.get(name) != value:
                self.report.conflicts.append(Conflict(self.file, entry, name, now.get(name), value, True))

    def validate(self, instance: models.Model) -> None:
        try:
            instance.full_clean()
        except ValidationError as exc:
            messages = "; ".join(
                f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
                for name, errors in exc.message_dict.items()
            )
            raise self.fail(messages) from exc

    def save(self, instance: models.Model, update_fields=None) -> None:
        instance._change_reason = "load_curated"
        try:
            with transaction.atomic():
                instance.save(update_fields=update_fields)
        except IntegrityError as exc:
            raise self.fail(f"the database refused it: {exc}") from exc


@transaction.atomic
def load_curated(directory: Path, *, take_files: bool = False) -> LoadReport:
    """Load every .bib, then every .yaml, of `directory`; all or nothing, and a completed run
    recorded as a CurationLoad."""
    report = _Loader(Path(directory), take_files).run()
    record(report, Path(directory), take_files)
    return report


def record(report: LoadReport, directory: Path, take_files: bool) -> CurationLoad:
    """The run as the admin lists it: its counts by kind, its conflicts and what it overwrote."""
    counts: dict[str, dict[str, int]] = {}
    for (kind, outcome), number in sorted(report.counts.items()):
        counts.setdefault(str(kind), {})[outcome] = number
    return CurationLoad.objects.create(
        directory=str(directory),
        took_files=take_files,
        counts=counts,
        conflicts=[asdict(conflict) for conflict in report.conflicts],
        overwritten=[asdict(conflict) for conflict in report.taken_from_files],
    )
