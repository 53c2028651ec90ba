"""Reads to PostgreSQL replicas, writes to the primary; a replica that fails is skipped.

Only the reads of a public, read-only request (GET or HEAD outside the admin) go to a
replica; everything else, management commands included, stays on the primary. A browser
that has just written (a curator's save, a reader's report) reads from the primary for
READ_YOUR_WRITES_SECONDS, so it never reads back an older copy of what it saved.

A replica is a helper, never a dependency: one that refuses connections, errs during a
request, or lags more than REPLICA_MAX_LAG_BYTES of WAL behind the primary is left out for
REPLICA_RETRY_SECONDS, the request is answered from the primary (a failed read is retried
there once), and the replica comes back by itself when it answers again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

# The replica this request reads from, or None for the primary.
_replica: ContextVar[str | None] = ContextVar("replica", default=None)
RECENT_WRITE_COOKIE = "atlas_wrote"
LAG_CHECK_SECONDS = 5.0


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


class _Health:
    """Per process: when each replica may be tried again, and when its lag was last measured."""

    def __init__(self) -> None:
        self.down_until: dict[str, float] = {}
        self.checked_at: dict[str, float] = {}
        self.lock = threading.Lock()

    def usable(self, alias: str) -> bool:
        return time.monotonic() >= self.down_until.get(alias, 0.0)

    def mark_down(self, alias: str, why: str) -> None:
        with self.lock:
            if self.usable(alias):
                logger.warning("replica %s left out for %s s: %s", alias, settings.REPLICA_RETRY_SECONDS, why)
            self.down_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        try:
            connections[alias].close()
        except DatabaseError:
            pass

    def lag_check_due(self, alias: str) -> bool:
        now = time.monotonic()
        with self.lock:
            if now - self.checked_at.get(alias, -LAG_CHECK_SECONDS) < LAG_CHECK_SECONDS:
                return False
            self.checked_at[alias] = now
            return True

    def reset(self) -> None:
        self.down_until.clear()
        self.checked_at.clear()


health = _Health()


def replica_lag_bytes(alias: str) -> int:
    """How many bytes of WAL the replica has yet to replay (0 for a server not in recovery, and
    for a database other than PostgreSQL)."""
    if connections[alias].vendor != "postgresql":
        return 0
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
        in_recovery, replayed = cursor.fetchone()
    if not in_recovery or replayed is None:
        return 0
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", [replayed])
        return max(0, int(cursor.fetchone()[0]))


def _answers(alias: str) -> bool:
    """Whether the replica answers and is close enough behind the primary to read from."""
    connection = connections[alias]
    try:
        connection.ensure_connection()
        if health.lag_check_due(alias):
            lag = replica_lag_bytes(alias)
            if lag > settings.REPLICA_MAX_LAG_BYTES:
                health.mark_down(alias, f"{lag} bytes of WAL behind the primary")
                return False
    except DatabaseError as exc:
        health.mark_down(alias, f"{type(exc).__name__}: {exc}".strip())
        return False
    return True


def choose_replica() -> str | None:
    """A replica that answers, at random among them, or None: read from the primary."""
    candidates = [alias for alias in replica_aliases() if health.usable(alias)]
    random.shuffle(candidates)
    return next((alias for alias in candidates if _answers(alias)), None)


@contextmanager
def primary_reads():
    """Within the block, every read goes to the primary."""
    token = _replica.set(None)
    try:
        yield
    finally:
        _replica.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return _replica.get() or "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas hold the same data as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """Lets a public read-only request read from a replica that answers, for its whole response;
    a read that fails there is answered again from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        read_only = request.method in {"GET", "HEAD"} and not request.path.startswith("/admin/")
        recent_writer = RECENT_WRITE_COOKIE in request.COOKIES
        replica = choose_replica() if read_only and not recent_writer and replica_aliases() else None
        token = _replica.set(replica)
        try:
            response = self.get_response(request)
        finally:
            _replica.reset(token)
        if not read_only and request.method not in {"OPTIONS"} and response.status_code < 400:
            response.set_cookie(
                RECENT_WRITE_COOKIE,
                "1",
                max_age=settings.READ_YOUR_WRITES_SECONDS,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_exception(self, request, exception):
        """A replica that fails mid-request is left out, and the request answered from the primary."""
        replica = _replica.get()
        if replica is None or not isinstance(exception, DatabaseError):
            return None
        health.mark_down(replica, f"{type(exception).__name__}: {exception}".strip())
        _replica.set(None)
        return self.get_response(request)
