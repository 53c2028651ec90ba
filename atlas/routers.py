"""Reads to PostgreSQL replicas, writes to the primary.

Only the reads of a public, read-only request (GET or HEAD outside the admin) go to a
replica; everything else, management commands included, stays on the primary, so a
curator never reads back an older copy of what they just saved."""

import random
from contextvars import ContextVar

from django.conf import settings

_replicas_allowed: ContextVar[bool] = ContextVar("replicas_allowed", default=False)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        replicas = replica_aliases()
        return random.choice(replicas) if replicas and _replicas_allowed.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas hold the same data as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """Lets a public read-only request read from the replicas, for its whole response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        read_only = request.method in {"GET", "HEAD"} and not request.path.startswith("/admin/")
        token = _replicas_allowed.set(read_only)
        try:
            return self.get_response(request)
        finally:
            _replicas_allowed.reset(token)
