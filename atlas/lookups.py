"""A lookup for the exports, which read thousands of rows by their ids a batch at a time, a
function for counts computed in the database that must match those computed in Python, and the
rows of a query built around the ORM's own SQL."""

import math

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import FloatField, Func, Lookup


class AnyOf(Lookup):
    """field is one of a list of ids, given as one parameter: `= ANY(%s)` on PostgreSQL.

    Django prepares each value of an `__in` list on its own, which costs more than the query
    itself for a batch of 500 ids; these ids come from the database and need no preparing.
    Used as an expression: Model.objects.filter(AnyOf(F("study_id"), ids))."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet  # what Django does for an empty __in: no query, no rows
        lhs, params = compiler.compile(self.lhs)
        ids = list(map(int, self.rhs))
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*params, ids)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", (*params, *ids)


class Log10(Func):
    """The base-10 logarithm of a positive float, exactly as Python's math.log10 gives it, so that
    a value binned in the database falls in the bin Python would put it in: PostgreSQL's LOG of a
    double calls the C library's log10, as Python does; SQLite's own log10 is off in the last
    place for some values (log10(1000) < 3), so there it is Python's, registered on every
    connection (register_functions)."""

    function = "LOG"
    arity = 1
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="ATLAS_LOG10", **extra_context)


def _log10(value):
    return math.log10(value) if value is not None and value > 0 else None


def register_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: the functions above that SQLite takes from Python."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("ATLAS_LOG10", 1, _log10, deterministic=True)


def raw_rows(sql: str, params, using: str) -> list[tuple]:
    """The rows of a query built around the ORM's own SQL (its values passed as parameters), on
    the database the ORM's query reads (`using`)."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
