"""What a curator changed in the database since the curated files were last loaded."""

from __future__ import annotations

from ..models import CuratedRecord
from .records import record_of


def edited_since_loaded(instance) -> list[str] | None:
    """The fields changed in the database since the curated files were last loaded;
    None when the record is not in the files (added in the admin or by an import)."""
    found = record_of(instance)
    if found is None:
        return None
    kind, key, current = found
    record = CuratedRecord.objects.filter(kind=kind, key=key).first()
    if record is None:
        return None
    return [name for name, value in record.values.items() if name in current and current[name] != value]
