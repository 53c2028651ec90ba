"""Counts that stay the same between two edits of the data, cached until the next edit.

Every cached value is keyed by a data version that any save or delete of the atlas's
records replaces (at once, and again when the transaction commits), so a curator's save
is never followed by old counts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "atlas:data-version"
TIMEOUT_SECONDS = 3600


def data_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def _new_version() -> None:
    cache.set(VERSION_KEY, uuid4().hex, None)


# The atlas's records: their writes change what the counts count. History rows, readers'
# reports and the curated files' bookkeeping do not.
ATLAS_APPS = {"interfaces", "references"}
NOT_COUNTED = {"Report", "CuratedRecord"}


def data_changed(sender, **kwargs) -> None:
    """Signal receiver: a record of the atlas changed, so every cached count is out of date."""
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.app_label not in ATLAS_APPS:
        return
    if sender.__name__ in NOT_COUNTED or sender.__name__.startswith("Historical"):
        return
    _new_version()
    transaction.on_commit(_new_version)  # what was computed before the commit is dropped too


def cached(name: str, key: str, compute: Callable[[], object]):
    digest = hashlib.sha1(key.encode()).hexdigest()
    return cache.get_or_set(f"atlas:{name}:{data_version()}:{digest}", compute, TIMEOUT_SECONDS)
