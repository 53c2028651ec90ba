"""Edits saved from a stale form: the version a curated record's form was read at, the claim that
checks it, and the comparison that shows a curator what another saved meanwhile, with a merged form.

A change form carries the record's version and the values it showed (its own fields and its
inline rows'). Saving claims the record with one UPDATE … WHERE pk = … AND version = <read>, which
also bumps the version; no row updated means someone saved since: nothing is saved. The curator
then sees, field by field, the value when they opened the form, the value saved meanwhile and
theirs, on a form at the new version that holds their changes on top of the other's."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import forms
from django.db import models
from django.db.models import F
from django.http import QueryDict

from .models import Measurement

READ_VERSION = "read_version"
READ_VALUES = "read_values"
GUARD_FIELDS = (READ_VERSION, READ_VALUES)
ROW_NAME = "__row__"  # in what a form showed of an inline row: how the row was named
# How the refusal names an inline row.
ROW_NAMES = {"measurement": "figure", "study interlayer": "interlayer", "authorship": "author"}


class StaleEdit(Exception):
    """The record was saved by someone else since the form was read."""


def owner_of(instance: models.Model) -> models.Model:
    """The record whose version guards an edit of `instance`: a figure's is its study's."""
    return instance.study if isinstance(instance, Measurement) else instance


def current_version(instance: models.Model) -> int | None:
    owner = owner_of(instance)
    return type(owner)._default_manager.filter(pk=owner.pk).values_list("version", flat=True).first()


def claim(instance: models.Model, read_version: int | None) -> int:
    """Bump the version of the record guarding `instance` if it is still `read_version` (whatever it
    is, when None), in one UPDATE; the new version. StaleEdit if it moved on or is gone."""
    owner = owner_of(instance)
    rows = type(owner)._default_manager.filter(pk=owner.pk)
    if read_version is not None:
        rows = rows.filter(version=read_version)
    if not rows.update(version=F("version") + 1):
        raise StaleEdit
    owner.version = rows.model._default_manager.filter(pk=owner.pk).values_list("version", flat=True).get()
    return owner.version


# -- what a form showed -------------------------------------------------------------------
def shown_values(form) -> dict:
    """A form's values as it shows them (bound or not), the guard fields and delete box left out."""
    return {name: form[name].value() for name in form.fields if name not in (*GUARD_FIELDS, "DELETE")}


def snapshot(form, formsets) -> str:
    """What a change page shows, as its read_values: the record's fields and each inline's saved rows."""
    values = {"record": shown_values(form)}
    for formset in formsets:
        values[formset.prefix] = {
            str(row.instance.pk): {**shown_values(row), ROW_NAME: _row_name(formset, row.instance)}
            for row in formset.initial_forms
            if row.instance.pk
        }
    return json.dumps(values, default=str)


def _text(value) -> str:
    return "" if value is None else str(value)


def same(field: forms.Field, a, b) -> bool:
    """Whether two values of a form field mean the same, whether typed or as posted."""
    if isinstance(field, forms.ModelChoiceField):
        return _text(a) == _text(b)
    try:
        return _text(field.to_python(a)) == _text(field.to_python(b))
    except forms.ValidationError:
        return _text(a) == _text(b)


def shown(field: forms.Field, value) -> str:
    """A value as a curator reads it: a choice's label, a record's name."""
    if value in (None, ""):
        return ""
    if isinstance(field, forms.ModelChoiceField):
        found = field.queryset.filter(pk=value).first()
        return str(found) if found is not None else _text(value)
    if isinstance(field, forms.NullBooleanField | forms.BooleanField):
        parsed = field.to_python(value)
        return {True: "yes", False: "no"}.get(parsed, "")
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, dict(field.choices).get(_text(value), value)))
    return _text(value)


# -- the comparison and the merged form -------------------------------------------------------
@dataclass
class Change:
    """One difference between the form a curator read and the record as it is now."""

    where: str
    original: str
    theirs: str
    yours: str
    both: bool = False  # the curator changed it too: their value is in the form, to be checked


def _row_name(formset, instance) -> str:
    verbose = str(formset.model._meta.verbose_name)
    position = getattr(instance, "position", None)
    return f"{ROW_NAMES.get(verbose, verbose)} #{position}" if position else f"{verbose} {instance}"


def _visible(form) -> list[tuple[str, forms.Field]]:
    return [
        (name, field)
        for name, field in form.fields.items()
        if name not in (*GUARD_FIELDS, "DELETE") and not field.widget.is_hidden
    ]


def _merge_fields(where: str, form, original: dict | None, theirs: dict, row: dict, changes: list) -> None:
    """Field by field into `row` (the curator's posted values): their value where only they changed
    it, the curator's elsewhere; what they changed is listed. Without the original (a form that did
    not say what it showed), every difference is listed and the curator's value kept."""
    for name, field in _visible(form):
        now, mine = theirs.get(name), row.get(name)
        before = original.get(name) if original is not None else mine
        if original is not None and same(field, before, now) or original is None and same(field, now, mine):
            continue
        you_changed = original is None or not same(field, before, mine)
        if not you_changed:
            row[name] = now
        label = f"{where}: {field.label}" if where else str(field.label)
        was = shown(field, before) if original is not None else "not known"
        changes.append(Change(label, was, shown(field, now), shown(field, mine), both=you_changed))


def merge(data: QueryDict, form, formsets, version: int) -> tuple[QueryDict, list[Change]]:
    """The stale submission `data` merged onto the record as it is now (the unbound `form` and
    `formsets`), and what changed meanwhile. The merged data is a form at `version`."""
    try:
        original = json.loads(data.get(READ_VALUES) or "null")
    except ValueError:
        original = None
    original = original if isinstance(original, dict) else {}
    theirs = shown_values(form)
    fields = {name: data.get(form.add_prefix(name)) for name in theirs}
    changes: list[Change] = []
    _merge_fields("", form, original.get("record"), theirs, fields, changes)
    merged = data.copy()
    for name, value in fields.items():
        merged[form.add_prefix(name)] = _text(value)
    for formset in formsets:
        _merge_rows(data, formset, original.get(formset.prefix), merged, changes)
    merged[READ_VERSION] = str(version)
    merged[READ_VALUES] = snapshot(form, formsets)
    return merged, changes


def _merge_rows(data: QueryDict, formset, original: dict | None, merged: QueryDict, changes: list) -> None:
    """An inline's rows as they are now, each with the curator's changes merged in as for the
    record's fields, then the curator's new rows; rows added or deleted meanwhile are listed."""
    prefix, names = formset.prefix, list(formset.empty_form.fields)
    pk_name = formset.model._meta.pk.name
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), formset.absolute_max)
    except ValueError:
        total = 0
    posted = [{name: data.get(f"{prefix}-{i}-{name}") for name in names} for i in range(total)]
    yours = {row[pk_name]: row for row in posted if row.get(pk_name)}
    visible = _visible(formset.empty_form)
    new_rows = [
        row for row in posted if not row.get(pk_name) and any(_text(row[name]) for name, _ in visible)
    ]
    rows, current = [], set()
    for form in formset.initial_forms:
        pk = str(form.instance.pk)
        current.add(pk)
        theirs, where = shown_values(form), _row_name(formset, form.instance)
        if original is not None and pk not in original:
            changes.append(Change(where, "", f"added: {form.instance}", ""))
        if pk not in yours or original is not None and pk not in original:
            rows.append(theirs)
            continue
        row = dict(yours[pk])
        _merge_fields(where, form, original.get(pk) if original is not None else None, theirs, row, changes)
        rows.append(row)
    for pk, before in (original or {}).items():
        if pk in current:
            continue
        mine = yours.get(pk)
        edited = mine is not None and any(
            not same(field, before.get(name), mine.get(name)) for name, field in visible
        )
        note = "your changes to it are not in the form" if edited else ""
        changes.append(Change(before.get(ROW_NAME, pk), "as you read it", "deleted", note, both=edited))
    for key in [key for key in merged if key.startswith(f"{prefix}-")]:
        del merged[key]
    all_rows = rows + new_rows
    for index, row in enumerate(all_rows):
        for name, value in row.items():
            if name != "DELETE":
                merged[f"{prefix}-{index}-{name}"] = _text(value)
            elif value:
                merged[f"{prefix}-{index}-DELETE"] = "on"
    for name, value in {
        "TOTAL_FORMS": len(all_rows),
        "INITIAL_FORMS": len(rows),
        "MIN_NUM_FORMS": data.get(f"{prefix}-MIN_NUM_FORMS", 0),
        "MAX_NUM_FORMS": data.get(f"{prefix}-MAX_NUM_FORMS", 1000),
    }.items():
        merged[f"{prefix}-{name}"] = str(value)
