"""Counts that stay the same between two edits of the data, cached until the next edit.

Every cached value is keyed by a data version that any save or delete of the atlas's
records replaces (at once, and again when the transaction commits), so a curator's save
is never followed by old counts.

The cache is a helper, never a dependency: when it errs or does not answer within its
short timeouts, the value is computed for the request and the cache is left alone for
CACHE_RETRY_SECONDS (so a hung cache costs one timeout, not one per lookup). A data version
that could not be replaced while the cache was away is replaced as soon as it is back.
What is cached is computed from the primary database, so a lagging replica's counts never
settle under the current data version.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .routers import primary_reads

VERSION_KEY = "atlas:data-version"
TIMEOUT_SECONDS = 3600
logger = logging.getLogger(__name__)


class _Breaker:
    """Whether the cache may be asked now, and what is owed to it once it answers again."""

    def __init__(self) -> None:
        self.open_until = 0.0
        self.version_owed = False
        self.lock = threading.Lock()

    def closed(self) -> bool:
        return time.monotonic() >= self.open_until

    def trip(self, exc: Exception) -> None:
        with self.lock:
            if self.closed():
                logger.warning("cache unavailable (%s: %s); computing without it", type(exc).__name__, exc)
            self.open_until = time.monotonic() + getattr(settings, "CACHE_RETRY_SECONDS", 15)


_breaker = _Breaker()
_MISSING = object()


def _ask(operation: Callable[[], object], default=_MISSING):
    """The cache's answer, or `default` when it is away (errs, times out, or was found away
    within the retry interval)."""
    if not _breaker.closed():
        return default
    try:
        if _breaker.version_owed:
            _breaker.version_owed = False
            cache.set(VERSION_KEY, uuid4().hex, None)
        return operation()
    except Exception as exc:  # noqa: BLE001 - any failure of a cache backend (socket, protocol, server)
        _breaker.trip(exc)
        return default


def data_version() -> str | None:
    """The current data version, or None while the cache is away."""

    def read() -> str:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid4().hex, None)
            version = cache.get(VERSION_KEY)
        return version

    return _ask(read, None)


def _new_version() -> None:
    if _ask(lambda: cache.set(VERSION_KEY, uuid4().hex, None), _MISSING) is _MISSING:
        _breaker.version_owed = True  # replaced once the cache answers again


# The atlas's records: their writes change what the counts count. History rows, readers'
# reports and the curated files' bookkeeping do not.
ATLAS_APPS = {"interfaces", "references"}
NOT_COUNTED = {"Report", "CuratedRecord", "CurationLoad"}


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
    """compute(), from the primary, cached under the current data version while the cache answers."""

    def from_primary():
        with primary_reads():
            return compute()

    version = data_version()
    if version is None:
        return from_primary()
    full_key = f"atlas:{name}:{version}:{hashlib.sha1(key.encode()).hexdigest()}"
    value = _ask(lambda: cache.get(full_key, _MISSING), _MISSING)
    if value is _MISSING:
        value = from_primary()
        _ask(lambda: cache.set(full_key, value, TIMEOUT_SECONDS), None)
    return value


def cached_many(name: str, keys: list[str], compute: Callable[[list[str]], dict[str, object]]) -> dict:
    """{key: value} for many keys in one round trip: those cached under the current data version
    are read, compute(missing keys) gives the others (from the primary), which are then cached."""
    version = data_version()
    if version is None:
        with primary_reads():
            return compute(keys)
    full = {key: f"atlas:{name}:{version}:{hashlib.sha1(key.encode()).hexdigest()}" for key in keys}
    found = _ask(lambda: cache.get_many(list(full.values())), {})
    values = {key: found[full[key]] for key in keys if full[key] in found}
    missing = [key for key in keys if key not in values]
    if missing:
        with primary_reads():
            computed = compute(missing)
        _ask(lambda: cache.set_many({full[key]: computed[key] for key in missing}, TIMEOUT_SECONDS), None)
        values |= computed
    return values


def cached_for(name: str, seconds: int, compute: Callable[[], object]):
    """compute(), from the primary, cached for `seconds` whatever the data do meanwhile: for what
    may lag a save without misleading anyone (a vocabulary that only proposes searches, each
    checked against the data before it is offered)."""
    key = f"atlas:{name}:timed"
    value = _ask(lambda: cache.get(key, _MISSING), _MISSING)
    if value is _MISSING:
        with primary_reads():
            value = compute()
        _ask(lambda: cache.set(key, value, seconds), None)
    return value


def kept_answer(key: str):
    """What keep_answer stored under `key`, or None (not stored, or the cache away)."""
    return _ask(lambda: cache.get(f"atlas:answer:{key}"), None)


def keep_answer(key: str, answer) -> None:
    """Store an answer under `key`, a name that holds the data version (an ETag from it): a save
    gives every address a new name, so a kept answer is never read after the data change."""
    _ask(lambda: cache.set(f"atlas:answer:{key}", answer, TIMEOUT_SECONDS), None)
