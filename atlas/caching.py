"""Counts that stay the same between two edits of the data, cached until the next edit.

Every cached value is keyed by a data version that any save or delete of the atlas's
records replaces (at once, and again when the transaction commits), so a curator's save
is never followed by old counts. What reads less than everything is keyed by a version
that fewer writes replace (`reads`):

- EVERYTHING, the data version: replaced by every write.
- RECORDS, everything but figures (a search's counts and ids): not replaced by a write of
  figures alone.
- CLASSES, what classifies a study (its paper, electrolyte, strategy, method and layers: the
  facets, the overview's counts, the unsearched lists' ids): not replaced by a write of
  figures alone, nor by a change of a study's description alone (its summary, mechanism,
  cell, notes).
- LINKS, which studies there are and the paper each is listed under (the bibliography's
  papers and their counts of studies): not replaced by a change of what classifies a study
  otherwise (its strategy, method, electrolyte, layers).

A record says how far its write reaches by `cache_reach(saved=…)` ("figures", "description",
"classification", or None for everything; `saved` is false for a delete or a change of its
links); a curator typing figures or rewording a summary keeps the counts warm.

Counts are also kept part by part (`cached_by_part`): the studies fall into parts of
PART_SIZE consecutive ids, and each part's counts are kept under that part's own version of
what they read. A write that touches some studies alone (a study, its figures, its layers, its
paper, its authors: the record's `cache_studies()`) replaces their parts' versions, and the next
count reads the other parts from the cache and counts only theirs; any other write replaces the
version of the shared records it is one of, under which only the parts that read those records
are kept (`shared`): ELECTROLYTES for an electrolyte or a family, MATERIALS for a material (its
kind: the interlayer kinds' counts), PAPERS for one of the papers' records that names no studies
(a filter by year); a search reads them all (their names). What is counted by electrolyte or
material is counted by its id (families and kinds are put together after the parts are added
up), and a filter that names such records (a family, an interlayer kind) keys its counts by the
ids it names instead of their version: a rename leaves them, a move changes the ids.

SHARED, replaced by every write that is not some studies' own, keys what is drawn of one study
under its own record key (a list row, an API document): the study's own writes change that key
(its version and time of saving), so do its paper's (the key holds the paper's time of saving
too; a write of the paper's authors marks the paper saved), and what it shows of the atlas's own
records (its electrolyte, materials) is theirs, whose writes replace SHARED. A curator's save of
one study, of its paper or of an author, then redraws the rows of those studies alone.

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
from contextlib import contextmanager
from contextvars import ContextVar
from functools import reduce
from operator import or_
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q

from .routers import primary_reads

VERSION_KEY = "atlas:data-version"
# What a cached value reads: the key of the version it is kept under.
EVERYTHING = VERSION_KEY
RECORDS = "atlas:records-version"
CLASSES = "atlas:classes-version"
LINKS = "atlas:links-version"
LEVELS = (EVERYTHING, RECORDS, CLASSES, LINKS)
# What studies share (vocabularies, papers, authors): replaced by every write that is not some
# studies' own. Every part's counts (cached_by_part) and every drawing of one study keyed by
# its record are kept under it.
SHARED = "atlas:shared-version"
# The shared records a part's counts may read (cached_by_part's `shared`), each a version that
# their writes replace: electrolytes and families, interlayer materials, and the papers' records
# (a write of which that names no studies).
ELECTROLYTES = "atlas:electrolytes-version"
MATERIALS = "atlas:materials-version"
PAPERS = "atlas:papers-version"
SHARED_RECORDS = (ELECTROLYTES, MATERIALS, PAPERS)
# Which of them a model's records are, by app or by model; any other model's write: all of them.
SHARED_RECORDS_OF = {"references": PAPERS, "Electrolyte": ELECTROLYTES, "ElectrolyteFamily": ELECTROLYTES,
                     "InterlayerMaterial": MATERIALS}  # fmt: skip
VERSION_KEYS = (*LEVELS, SHARED, *SHARED_RECORDS)
# The versions a write replaces, by how far it reaches (cache_reach()); anything else: all.
REPLACED_BY = {
    "figures": (EVERYTHING,),
    "description": (EVERYTHING, RECORDS),
    "classification": (EVERYTHING, RECORDS, CLASSES),
}
# Studies by consecutive ids, counted and kept part by part.
PART_SIZE = 1000
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
            cache.set_many(dict.fromkeys(VERSION_KEYS, uuid4().hex), None)
        return operation()
    except Exception as exc:  # noqa: BLE001 - any failure of a cache backend (socket, protocol, server)
        _breaker.trip(exc)
        return default


# The versions read during one request (VersionsReadOnceMiddleware), and what else it reads once
# (read_once), dropped by any write.
_read_once: ContextVar[dict | None] = ContextVar("atlas_versions_read_once", default=None)


def _made_when_missing(keys) -> dict[str, str]:
    """The versions under these keys, each made when missing (never read as an old one: a
    version another process made meanwhile is kept), in one round trip when none is missing and
    two more otherwise (add_many, where the cache has it: Redis)."""
    versions = cache.get_many(keys)
    missing = [key for key in keys if key not in versions]
    if missing:
        made = {key: uuid4().hex for key in missing}
        if hasattr(cache, "add_many"):
            cache.add_many(made, None)
        else:
            for key, version in made.items():
                cache.add(key, version, None)
        found = cache.get_many(missing)
        versions |= {key: found.get(key, made[key]) for key in missing}
    return versions


def _versions() -> dict[str, str]:
    """The data versions, each made when missing."""
    return _made_when_missing(VERSION_KEYS)


def data_version(reads: str = EVERYTHING) -> str | None:
    """The current version of what `reads` names (the data version by default: any write replaces
    it), or None while the cache is away. Within a request the versions are read once."""
    known = _read_once.get()
    if known is not None and reads in known:
        version = known[reads]
    else:
        versions = _ask(_versions, None)
        if versions is None:
            return None
        if known is not None:
            known.update(versions)
        version = versions[reads]
    return version if reads == EVERYTHING else f"{reads.split(':')[1]}-{version}"


class VersionsReadOnceMiddleware:
    """Each request reads the data versions from the cache once, in one round trip, however many
    cached parts it uses; a write during the request makes the next use read them again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _read_once.set({})
        try:
            return self.get_response(request)
        finally:
            _read_once.reset(token)


class Changes:
    """What the atlas's writes within changes_tracked() changed: anything, and which studies."""

    def __init__(self) -> None:
        self.any = False
        self.studies: set[int] = set()


_changes: ContextVar[Changes | None] = ContextVar("atlas_changes", default=None)


@contextmanager
def changes_tracked():
    """The Changes the writes made within (data_changed notes them): what a request changed."""
    changes = Changes()
    token = _changes.set(changes)
    try:
        yield changes
    finally:
        _changes.reset(token)


def read_once(name: str, compute: Callable[[], object]):
    """compute(), read once within a request (VersionsReadOnceMiddleware), as the versions are,
    until a write during it; outside a request, each time it is asked."""
    known = _read_once.get()
    if known is None:
        return compute()
    key = f"once:{name}"
    if key not in known:
        known[key] = compute()
    return known[key]


def _new_version(keys=VERSION_KEYS) -> None:
    new = uuid4().hex
    known = _read_once.get()
    if known:
        known.clear()  # this request reads the new versions from now on
    if _ask(lambda: cache.set_many(dict.fromkeys(keys, new), None), _MISSING) is _MISSING:
        _breaker.version_owed = True  # replaced once the cache answers again


# The atlas's records: their writes change what the counts count. History rows, readers'
# reports and the curated files' bookkeeping do not.
ATLAS_APPS = {"interfaces", "references"}
NOT_COUNTED = {"Report", "CuratedRecord", "CurationLoad"}
# Records nothing refers to when they are made (a study points to its paper, electrolyte and
# materials, an authorship to its author; never the other way): a new one changes what lists
# them, no study's counts or drawings.
UNREFERENCED_WHEN_NEW = {"ElectrolyteFamily", "Electrolyte", "InterlayerMaterial", "Reference", "Author"}


def part_version_key(reads: str, part: int) -> str:
    return f"{reads}:part:{part}"


def replaced_by(reach: str | None, studies, records: tuple[str, ...] = SHARED_RECORDS) -> tuple[str, ...]:
    """The versions a write replaces: those of what it reaches (REPLACED_BY, else all), and when
    it touches these studies alone (ids), their parts' versions of the same; else SHARED too, and
    the version of the shared records it is one of (`records`)."""
    levels = REPLACED_BY.get(reach, LEVELS)
    if studies is None:
        return (*levels, SHARED, *records)
    parts = sorted({part_of(study) for study in studies if study is not None})
    return (*levels, *(part_version_key(level, part) for level in levels for part in parts))


def data_changed(sender, instance=None, **kwargs) -> None:
    """Signal receiver: a record of the atlas changed, so every cached count is out of date;
    but for a record whose `cache_reach()` says this write changed figures alone (a figure; a
    study saved with its figures, nothing else of it changed) or a study's description alone,
    what reads less stays; and when its `cache_studies()` names the studies it touches (none,
    for a record nothing refers to yet: UNREFERENCED_WHEN_NEW), the other parts' counts stay."""
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.app_label not in ATLAS_APPS:
        return
    if sender.__name__ in NOT_COUNTED or sender.__name__.startswith("Historical"):
        return
    reach = getattr(instance, "cache_reach", None)
    saved = "created" in kwargs  # post_save; else the record was deleted, or its links changed
    studies = getattr(instance, "cache_studies", None)
    if callable(studies):
        studies = studies()
    elif kwargs.get("created") and sender.__name__ in UNREFERENCED_WHEN_NEW:
        studies = set()  # it touches no study
    else:
        studies = None
    changes = _changes.get()
    if changes is not None:
        changes.any = True
        changes.studies.update(studies or ())
    records = SHARED_RECORDS_OF.get(meta.app_label) or SHARED_RECORDS_OF.get(sender.__name__)
    keys = replaced_by(
        reach(saved=saved) if callable(reach) else None,
        studies,
        (records,) if records else SHARED_RECORDS,
    )
    _new_version(keys)
    # What was computed before the commit is dropped too.
    transaction.on_commit(lambda: _new_version(keys))


def _kept(full_key: str, compute: Callable[[], object], seconds: int = TIMEOUT_SECONDS):
    """What the cache holds under `full_key`, or compute() from the primary, then kept there for
    `seconds` (a cache away costs the computing, never the answer)."""
    value = _ask(lambda: cache.get(full_key, _MISSING), _MISSING)
    if value is _MISSING:
        with primary_reads():
            value = compute()
        _ask(lambda: cache.set(full_key, value, seconds), None)
    return value


def cached(name: str, key: str, compute: Callable[[], object], *, reads: str = EVERYTHING):
    """compute(), from the primary, cached under the current version of what it reads (the data
    version by default) while the cache answers."""
    version = data_version(reads)
    if version is None:
        with primary_reads():
            return compute()
    return _kept(f"atlas:{name}:{version}:{hashlib.sha1(key.encode()).hexdigest()}", compute)


def cached_many(
    name: str, keys: list[str], compute: Callable[[list[str]], dict[str, object]], *, reads: str = EVERYTHING
) -> dict:
    """{key: value} for many keys in one round trip: those cached under the current version of
    what they read are read, compute(missing keys) gives the others (from the primary), which
    are then cached."""
    version = data_version(reads)
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


def parts_up_to(last_id: int | None) -> int:
    """How many parts the studies fill when the last one's id is `last_id`."""
    return (last_id or 0) // PART_SIZE + 1


def part_of(study_id: int) -> int:
    """The part a study falls in, by its id."""
    return study_id // PART_SIZE


def part_number(field: str = "pk") -> F:
    """The part a row's study falls in, as the database computes it (`field`: the study's id)."""
    return F(field) / PART_SIZE


def in_parts(parts: list[int], field: str = "pk") -> Q:
    """The rows whose study (`field`: its id) falls in one of these parts."""
    return reduce(
        or_,
        (Q(**{f"{field}__gte": part * PART_SIZE, f"{field}__lt": (part + 1) * PART_SIZE}) for part in parts),
    )


def _part_keys(name: str, key: str, parts: int, reads: str, shared: tuple[str, ...]) -> dict[int, str] | None:
    """Each part's cache key: the part's version of what it reads, the versions of the shared
    records it reads (`shared`) and the key; None while the cache is away."""
    versions_of_shared = [data_version(records) for records in sorted(set(shared))]
    if None in versions_of_shared:
        return None
    generation = "-".join(versions_of_shared)
    version_keys = {part: part_version_key(reads, part) for part in range(parts)}
    versions = _ask(lambda: _made_when_missing(list(version_keys.values())))
    if versions is _MISSING:
        return None
    digest = hashlib.sha1(key.encode()).hexdigest()
    return {
        part: f"atlas:{name}:{generation}:{part}:{versions[version_key]}:{digest}"
        for part, version_key in version_keys.items()
    }


def _from_primary(compute: Callable[[list[int], bool], dict[int, object]], parts: int):
    """compute(asked, every) for the parts asked, from the primary (`every`: all `parts` of them)."""

    def from_primary(asked: list[int]) -> dict[int, object]:
        with primary_reads():
            return compute(asked, len(asked) == parts)

    return from_primary


def _values_of_parts(full: dict[int, str], asked: list[int], from_primary) -> dict[int, object]:
    """The values of the parts asked: read from the cache, the missing ones computed and kept."""
    found = _ask(lambda: cache.get_many([full[part] for part in asked]), {})
    values = {part: found[full[part]] for part in asked if full[part] in found}
    missing = [part for part in asked if part not in values]
    if missing:
        computed = from_primary(missing)
        _ask(lambda: cache.set_many({full[part]: computed[part] for part in missing}, TIMEOUT_SECONDS), None)
        values |= computed
    return values


def cached_by_part(
    name: str,
    key: str,
    compute: Callable[[list[int], bool], dict[int, object]],
    *,
    parts: int,
    reads: str,
    shared: tuple[str, ...] = SHARED_RECORDS,
) -> list:
    """The values of every part of the studies (0 … parts - 1; a part holds the ids from
    part × PART_SIZE on), each cached under its part's version of what it reads (`reads`) and
    the versions of the shared records the values read (`shared`: ELECTROLYTES, MATERIALS,
    PAPERS; all by default): compute(parts, every) gives the missing ones, from the
    primary, one value for each part asked (`every` when that is all of them, so that it need
    not name them). A write to some studies alone makes only their parts be computed again."""
    numbers, from_primary = list(range(parts)), _from_primary(compute, parts)
    full = _part_keys(name, key, parts, reads, shared)
    if full is None:
        return list(from_primary(numbers).values())
    values = _values_of_parts(full, numbers, from_primary)
    return [values[part] for part in numbers]


# Parts combined into one kept value (cached_combined).
BLOCK_SIZE = 10


def cached_combined(
    name: str,
    key: str,
    compute: Callable[[list[int], bool], dict[int, object]],
    combine: Callable[[list], object],
    *,
    parts: int,
    reads: str,
    shared: tuple[str, ...] = SHARED_RECORDS,
):
    """combine() of every part's value, the values kept part by part as cached_by_part keeps
    them, and combined by blocks of BLOCK_SIZE consecutive parts, each block's combination kept
    under its parts' keys: after a write to some studies alone, their parts are computed again,
    their blocks combined again from their parts, and the blocks combined (a few dozen values,
    not one a part). `combine` takes values or combinations alike (a sum, a merge, a top k)."""
    numbers, from_primary = list(range(parts)), _from_primary(compute, parts)
    full = _part_keys(name, key, parts, reads, shared)
    if full is None:
        return combine(list(from_primary(numbers).values()))
    blocks = {
        f"atlas:{name}:block:{hashlib.sha1('|'.join(full[p] for p in block).encode()).hexdigest()}": block
        for block in (numbers[start : start + BLOCK_SIZE] for start in range(0, parts, BLOCK_SIZE))
    }
    combined = _ask(lambda: cache.get_many(list(blocks)), {})
    missing = [block_key for block_key in blocks if block_key not in combined]
    if missing:
        values = _values_of_parts(
            full, [part for block_key in missing for part in blocks[block_key]], from_primary
        )
        new = {block_key: combine([values[part] for part in blocks[block_key]]) for block_key in missing}
        _ask(lambda: cache.set_many(new, TIMEOUT_SECONDS), None)
        combined |= new
    return combine([combined[block_key] for block_key in blocks])


def cached_by_content(name: str, key: str, compute: Callable[[], object]):
    """compute(), from the primary, cached under `key` alone, which names everything it is
    computed from (a digest of its inputs as read under the current data versions): no write
    need replace it, and a save that leaves those inputs as they were finds it still there."""
    return _kept(f"atlas:{name}:content:{hashlib.sha1(key.encode()).hexdigest()}", compute)


def cached_for(name: str, seconds: int, compute: Callable[[], object]):
    """compute(), from the primary, cached for `seconds` whatever the data do meanwhile: for what
    may lag a save without misleading anyone (a vocabulary that only proposes searches, each
    checked against the data before it is offered)."""
    return _kept(f"atlas:{name}:timed", compute, seconds)


def kept_answer(key: str):
    """What keep_answer stored under `key`, or None (not stored, or the cache away)."""
    return _ask(lambda: cache.get(f"atlas:answer:{key}"), None)


def keep_answer(key: str, answer) -> None:
    """Store an answer under `key`, a name that holds the data version (an ETag from it): a save
    gives every address a new name, so a kept answer is never read after the data change."""
    _ask(lambda: cache.set(f"atlas:answer:{key}", answer, TIMEOUT_SECONDS), None)
