"""A figure's second reading: every figure is entered by one curator and checked against its
source by another.

- Whoever saves a new or changed figure through the admin is its curator (`entered`).
- Another curator marks it checked (`mark_checked`); a curator's own figures are refused.
- A figure changed after its check is unchecked again, by the database itself: a trigger
  clears the check when any column of what the figure says changes (not its place in the
  list, not the curator's note) while the check stays as it was. It is made after every
  migration from the model's columns as they stand, so a column added later is watched too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from atlas.caching import data_changed

from .models import Measurement, content_columns

TRIGGER = "interfaces_measurement_uncheck"
TABLE = "interfaces_measurement"


def _postgresql_trigger(columns: list[str]) -> list[str]:
    changed = " OR ".join(f'NEW."{column}" IS DISTINCT FROM OLD."{column}"' for column in columns)
    return [
        f"""CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger AS $$
BEGIN
    IF NEW.checked_at IS NOT NULL AND NEW.checked_at IS NOT DISTINCT FROM OLD.checked_at
       AND ({changed}) THEN
        NEW.checked_by := '';
        NEW.checked_at := NULL;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql""",
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
        f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()",
    ]


def _sqlite_trigger(columns: list[str]) -> list[str]:
    # SQLite cannot change a row before it is written: it is written again just after. Its
    # IS NOT compares NULLs as values, as PostgreSQL's IS DISTINCT FROM does.
    changed = " OR ".join(f'NEW."{column}" IS NOT OLD."{column}"' for column in columns)
    return [
        f"DROP TRIGGER IF EXISTS {TRIGGER}",
        f"""CREATE TRIGGER {TRIGGER} AFTER UPDATE ON {TABLE}
WHEN NEW.checked_at IS NOT NULL AND NEW.checked_at IS OLD.checked_at AND ({changed})
BEGIN
    UPDATE {TABLE} SET checked_by = '', checked_at = NULL WHERE id = NEW.id;
END""",
    ]


TRIGGERS = {"postgresql": _postgresql_trigger, "sqlite": _sqlite_trigger}


def ensure_trigger(using: str = "default") -> None:
    """(Re)make the trigger that unchecks a changed figure, over today's columns."""
    connection = connections[using]
    if TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for statement in TRIGGERS[connection.vendor](content_columns()):
            cursor.execute(statement)


def entered(measurement: Measurement, username: str) -> None:
    """Record `username` as the curator of a figure being saved new or changed; a check it
    had no longer holds (the trigger would clear it too, but a curator's own edit must not
    first meet the rule that they cannot be its checker)."""
    measurement.entered_by = username
    measurement.entered_at = timezone.now().replace(microsecond=0)
    measurement.checked_by = ""
    measurement.checked_at = None


@dataclass
class Checked:
    checked: int  # figures now checked by this curator
    own: int  # figures left unchecked because this curator entered them
    already: int  # figures someone had checked already

    @property
    def message(self) -> str:
        parts = [f"{self.checked} figure{'s' if self.checked != 1 else ''} marked checked"]
        if self.own:
            parts.append(
                f"{self.own} left unchecked: you entered {'them' if self.own != 1 else 'it'}, "
                "and a figure is checked by a second curator"
            )
        if self.already:
            parts.append(f"{self.already} already checked")
        return "; ".join(parts) + "."


def awaiting(queryset: QuerySet[Measurement] | None = None) -> QuerySet[Measurement]:
    """Figures no second curator has checked yet."""
    return (queryset if queryset is not None else Measurement.objects.all()).filter(checked_at__isnull=True)


def mark_checked(queryset: QuerySet[Measurement], username: str) -> Checked:
    """Mark the figures `username` did not enter as checked by them, now, in one write."""
    with transaction.atomic():
        pending = awaiting(queryset)
        own = pending.filter(entered_by=username).count()
        already = queryset.count() - pending.count()
        checked = pending.filter(~Q(entered_by=username)).update(
            checked_by=username, checked_at=timezone.now().replace(microsecond=0)
        )
    if checked:
        data_changed(Measurement)  # the pages, the API and the exports show the check
    return Checked(checked, own, already)
