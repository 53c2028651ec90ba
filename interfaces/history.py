"""A study's history as a whole: its own changes, its figures' and its layers', and a revert that
restores all three as they were at one moment.

Each row keeps its own history (django-simple-history). A version of a study stands until the
study's next version: the admin saves a study, then its figure and interlayer rows, so what those
rows were just before the next version is what they were in this one. A row with no history at
all predates the history and is left as it is."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .models import Measurement, Study, StudyInterlayer

RELATED = (StudyInterlayer, Measurement)


def related_changes(study: Study) -> list:
    """The history rows of the study's figures and layers, newest first, with who made them."""
    changes = []
    for model in RELATED:
        changes += model.history.filter(study_id=study.pk).select_related("history_user")
    return sorted(changes, key=lambda change: change.history_date, reverse=True)


def version_end(version) -> datetime:
    """When a version of a study stopped being current: its study's next version, or now."""
    later = (
        Study.history.filter(id=version.id, history_date__gt=version.history_date)
        .order_by("history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    return later or timezone.now()


def _as_of(model, study: Study, moment: datetime) -> tuple[dict[int, object], set[int]]:
    """The study's rows of a model just before the moment (their historical records, by id), and
    the ids of every row of the study the history knows."""
    records = model.history.filter(study_id=study.pk).order_by("id", "history_date", "history_id")
    then, known = {}, set()
    for record in records:
        known.add(record.id)
        if record.history_date < moment:
            then[record.id] = record
    return {pk: record for pk, record in then.items() if record.history_type != "-"}, known


@transaction.atomic
def restore_related(study: Study, moment: datetime, reason: str) -> None:
    """Put the study's figures and layers back as they were just before the moment: rows added since are
    deleted, rows changed since are changed back, rows deleted since come back with their ids.
    Every write is recorded in the history with `reason`."""
    for model in RELATED:
        then, known = _as_of(model, study, moment)
        for row in model.objects.filter(study=study):
            if row.pk in known and row.pk not in then:
                row._change_reason = reason
                row.delete()
        # Positions are unique within a study: the rows to restore step aside first (an update,
        # not a save, so the history records only where they end up).
        for offset, pk in enumerate(pk for pk in then if model.objects.filter(pk=pk).exists()):
            model.objects.filter(pk=pk).update(position=30000 + offset)
        # Controls before the figures compared with them.
        for record in sorted(
            then.values(), key=lambda record: getattr(record, "control_id", None) is not None
        ):
            row = record.instance
            row._change_reason = reason
            row.save()
