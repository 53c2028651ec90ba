"""Loading the curated dataset of fixtures/ into the database, idempotently and atomically."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from references.bibtex import import_bibtex
from references.models import Reference

from .models import (
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Study,
    StudyInterlayer,
)


class CurationError(Exception):
    """A fixture is wrong; the message names the file and the entry."""


@dataclass
class LoadReport:
    counts: Counter = field(default_factory=Counter)

    def count(self, model: type[models.Model], outcome: str) -> None:
        self.counts[(model._meta.verbose_name_plural, outcome)] += 1

    @property
    def changed(self) -> int:
        return sum(n for (_, outcome), n in self.counts.items() if outcome != "unchanged")

    def summary(self) -> str:
        names = sorted({name for name, _ in self.counts})
        parts = []
        for name in names:
            created, updated = self.counts[(name, "created")], self.counts[(name, "updated")]
            unchanged, deleted = self.counts[(name, "unchanged")], self.counts[(name, "deleted")]
            text = f"{name}: {created} created, {updated} updated, {unchanged} unchanged"
            parts.append(text + (f", {deleted} deleted" if deleted else ""))
        return "\n".join(parts)


# The keys each section of the YAML may use; anything else is a typo.
FAMILY_KEYS = {
    "slug",
    "label",
    "examples",
    "forms_stable_interphase",
    "stability_note",
    "stability_reference",
    "stability_locator",
}
ELECTROLYTE_KEYS = {"slug", "name", "formula", "family", "form", "dopants", "aliases", "description"}
INTERLAYER_KEYS = {"slug", "name", "formula", "kind", "aliases", "description"}
STUDY_KEYS = {
    "key",
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
    "curation_note",
    "measurements",
}
MEASUREMENT_KEYS = {
    "quantity",
    "qualifier",
    "value",
    "value_max",
    "reported",
    "temperature",
    "stack_pressure",
    "condition",
    "role",
    "control",
    "locator",
    "source",
    "note",
}
SECTIONS = {"families", "electrolytes", "interlayers", "studies"}


class _Loader:
    def __init__(self, directory: Path):
        self.directory = directory
        self.report = LoadReport()
        self.references: dict[str, Reference] = {}
        self.where = ""

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
        return self.report

    # -- references ---------------------------------------------------------------
    def load_bib(self, path: Path) -> None:
        self.where = path.name
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        report = import_bibtex(text)
        for problem in report.problems:
            raise self.fail(str(problem))
        for entry in report.failed:
            raise self.fail(f"entry {entry.key} (line {entry.line}): {'; '.join(entry.errors)}")
        for entry, reference in zip(report.created, report.saved, strict=True):
            self.references[entry.key] = reference
            self.report.count(Reference, "created")
        for entry, reference in report.duplicates:
            self.references[entry.key] = reference
            self.report.count(Reference, "unchanged")

    # -- the YAML -----------------------------------------------------------------
    def load_yaml(self, path: Path) -> None:
        self.where = path.name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" at line {mark.line + 1}" if mark else ""
            raise self.fail(f"malformed YAML{line}: {getattr(exc, 'problem', exc)}") from exc
        if not isinstance(data, dict) or set(data) - SECTIONS:
            raise self.fail(f"expected the sections {', '.join(sorted(SECTIONS))}")
        for spec in data.get("families") or []:
            self.load_family(path, spec)
        for spec in data.get("electrolytes") or []:
            self.load_electrolyte(path, spec)
        for spec in data.get("interlayers") or []:
            self.load_interlayer(path, spec)
        for spec in data.get("studies") or []:
            self.load_study(path, spec)

    def entry(self, path: Path, kind: str, spec, id_key: str, allowed: set[str]) -> dict:
        if not isinstance(spec, dict) or not spec.get(id_key):
            self.where = f"{path.name}: {kind} {spec!r:.60}"
            raise self.fail(f"each {kind} needs a {id_key}")
        self.where = f"{path.name}: {kind} {spec[id_key]}"
        unknown = set(spec) - allowed
        if unknown:
            raise self.fail(f"unknown field(s) {', '.join(sorted(unknown))}")
        return dict(spec)

    def reference(self, citekey: str) -> Reference:
        reference = self.references.get(citekey)
        if reference is None:
            reference = Reference.objects.filter(citekey=citekey).first()
        if reference is None:
            raise self.fail(f"cites {citekey!r}, which is in no .bib file of the curated data")
        return reference

    def lookup(self, model: type[models.Model], slug, what: str):
        found = model.objects.filter(slug=slug).first()
        if found is None:
            raise self.fail(f"unknown {what} {slug!r}")
        return found

    def load_family(self, path: Path, spec) -> None:
        spec = self.entry(path, "family", spec, "slug", FAMILY_KEYS)
        position = ElectrolyteFamily.objects.count() + 1
        existing = ElectrolyteFamily.objects.filter(slug=spec["slug"]).first()
        citekey = spec.pop("stability_reference", None)
        spec["stability_reference"] = self.reference(citekey) if citekey else None
        spec.setdefault("position", existing.position if existing else position)
        for key in ("examples", "stability_note", "stability_locator"):
            spec[key] = spec.get(key) or ""
        self.sync(ElectrolyteFamily, {"slug": spec.pop("slug")}, spec)

    def load_electrolyte(self, path: Path, spec) -> None:
        spec = self.entry(path, "electrolyte", spec, "slug", ELECTROLYTE_KEYS)
        spec["family"] = self.lookup(ElectrolyteFamily, spec.get("family"), "family")
        spec["aliases"] = "; ".join(spec.get("aliases") or [])
        for key in ("formula", "form", "dopants", "description"):
            spec[key] = spec.get(key) or ""
        self.sync(Electrolyte, {"slug": spec.pop("slug")}, spec)

    def load_interlayer(self, path: Path, spec) -> None:
        spec = self.entry(path, "interlayer", spec, "slug", INTERLAYER_KEYS)
        spec["aliases"] = "; ".join(spec.get("aliases") or [])
        for key in ("formula", "description"):
            spec[key] = spec.get(key) or ""
        self.sync(InterlayerMaterial, {"slug": spec.pop("slug")}, spec)

    def load_study(self, path: Path, spec) -> None:
        spec = self.entry(path, "study", spec, "key", STUDY_KEYS)
        interlayers = spec.pop("interlayers", None) or []
        measurements = spec.pop("measurements", None) or []
        spec["reference"] = self.reference(spec.get("reference"))
        spec["electrolyte"] = self.lookup(Electrolyte, spec.get("electrolyte"), "electrolyte")
        for key in (
            "method",
            "method_detail",
            "cell_type",
            "cell",
            "mechanism",
            "review_locator",
            "curation_note",
            "summary",
        ):
            spec[key] = spec.get(key) or ""
        spec["anode"] = spec.get("anode") or "Li"
        study = self.sync(Study, {"key": spec.pop("key")}, spec)
        self.sync_layers(study, interlayers)
        self.sync_measurements(study, measurements)

    def sync_layers(self, study: Study, slugs: list[str]) -> None:
        wanted = [
            (position, self.lookup(InterlayerMaterial, slug, "interlayer").pk)
            for position, slug in enumerate(slugs, start=1)
        ]
        current = list(study.layers.order_by("position").values_list("position", "material_id"))
        if current == wanted:
            self.report.counts[("study interlayers", "unchanged")] += len(wanted)
            return
        study.layers.all().delete()
        for position, material_id in wanted:
            StudyInterlayer.objects.create(study=study, position=position, material_id=material_id)
            self.report.counts[("study interlayers", "created")] += 1

    def sync_measurements(self, study: Study, specs: list) -> None:
        where = self.where
        controls = {}
        for position, spec in enumerate(specs, start=1):
            self.where = f"{where}, measurement {position}"
            spec = self.entry_measurement(spec)
            controls[position] = spec.pop("control", None)
            self.sync(Measurement, {"study": study, "position": position}, spec)
        self.where = where
        stale = study.measurements.filter(position__gt=len(specs))
        for _ in stale:
            self.report.count(Measurement, "deleted")
        stale.delete()
        for position, control_position in controls.items():
            self.where = f"{where}, measurement {position}"
            control = None
            if control_position is not None:
                control = study.measurements.filter(position=control_position).first()
                if control is None:
                    raise self.fail(f"control {control_position} is not a measurement of this study")
            measurement = study.measurements.get(position=position)
            if measurement.control_id != (control.pk if control else None):
                measurement.control = control
                self.validate(measurement)
                measurement.save(update_fields=["control"])
        self.where = where

    def entry_measurement(self, spec) -> dict:
        if not isinstance(spec, dict):
            raise self.fail("a measurement must be a mapping")
        unknown = set(spec) - MEASUREMENT_KEYS
        if unknown:
            raise self.fail(f"unknown field(s) {', '.join(sorted(unknown))}")
        values = {
            "quantity": spec.get("quantity", ""),
            "qualifier": spec.get("qualifier") or "",
            "value": spec.get("value"),
            "value_max": spec.get("value_max"),
            "reported": str(spec.get("reported") or ""),
            "temperature_c": spec.get("temperature"),
            "stack_pressure_mpa": spec.get("stack_pressure"),
            "condition": spec.get("condition") or "",
            "role": spec.get("role") or "",
            "locator": spec.get("locator") or "",
            "source_kind": spec.get("source") or "text",
            "note": spec.get("note") or "",
            "control": spec.get("control"),
        }
        for key in ("value", "value_max", "temperature_c", "stack_pressure_mpa"):
            if values[key] is not None and not isinstance(values[key], int | float):
                raise self.fail(f"{key} must be a number, not {values[key]!r}")
        return values

    # -- writing ------------------------------------------------------------------
    def validate(self, instance: models.Model) -> None:
        try:
            instance.full_clean()
        except ValidationError as exc:
            messages = "; ".join(
                f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
                for name, errors in exc.message_dict.items()
            )
            raise self.fail(messages) from exc

    def sync(self, model: type[models.Model], lookup: dict, values: dict):
        """Create the row, or update just the fields that differ; count what happened."""
        instance = model.objects.filter(**lookup).first()
        if instance is None:
            instance = model(**lookup, **values)
            self.validate(instance)
            self.save(instance)
            self.report.count(model, "created")
            return instance
        changed = [name for name, value in values.items() if getattr(instance, name) != value]
        if not changed:
            self.report.count(model, "unchanged")
            return instance
        for name in changed:
            setattr(instance, name, values[name])
        self.validate(instance)
        self.save(instance)
        self.report.count(model, "updated")
        return instance

    def save(self, instance: models.Model) -> None:
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError as exc:
            raise self.fail(f"the database refused it: {exc}") from exc


@transaction.atomic
def load_curated(directory: Path) -> LoadReport:
    """Load every .bib, then every .yaml, of `directory`; all or nothing."""
    return _Loader(Path(directory)).run()
