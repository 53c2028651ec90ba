"""A lookup for the exports, which read thousands of rows by their ids a batch at a time, a
function for counts computed in the database that must match those computed in Python, and the
rows of a query built around the ORM's own SQL: as it is, or grouped several ways at once."""

import math
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Grouping:
    """One way of grouping the rows of a query (grouped_rows): its name (a number), the columns
    it groups by, what its rows give (expressions of those columns, or NULL), which of its groups
    are kept, and its aggregates (each row of every grouping gives as many of each)."""

    name: int
    by: tuple[str, ...]
    given: tuple[str, ...]
    aggregates: tuple[str, ...]
    kept: str = "1 = 1"


def grouped_rows(
    sql: str, params, using: str, columns: tuple[str, ...], groupings: list[Grouping]
) -> list[tuple]:
    """The rows of the ORM's query `sql` (its columns named `columns`) grouped each way of
    `groupings`, as (name, *given, *aggregates) for each group kept, reading the rows once:
    PostgreSQL groups them every way in one pass (GROUPING SETS), SQLite reads them materialised
    once, then once a grouping."""
    if connections[using].vendor != "postgresql":
        selects = [
            f"SELECT {g.name}, {', '.join((*g.given, *g.aggregates))} FROM found WHERE {g.kept} "
            f"GROUP BY {', '.join(g.by)}"
            for g in groupings
        ]
        query = f"WITH found ({', '.join(columns)}) AS MATERIALIZED ({sql}) " + " UNION ALL ".join(selects)
        return raw_rows(query, params, using)
    # GROUPING() of every grouped column: a bit set (the first column's the highest) for each
    # column a grouping does not group by, which tells the groupings apart.
    grouped = list(dict.fromkeys(column for g in groupings for column in g.by))
    grouping = f"GROUPING({', '.join(grouped)})"
    bits = {
        g.name: sum(1 << (len(grouped) - 1 - i) for i, c in enumerate(grouped) if c not in g.by)
        for g in groupings
    }

    def each(expressions: list[tuple[int, str]]) -> str:
        whens = " ".join(f"WHEN {bits[name]} THEN {e}" for name, e in expressions if e != "NULL")
        return f"CASE {grouping} {whens} END" if whens else "NULL"

    names = each([(g.name, str(g.name)) for g in groupings])
    given = [each([(g.name, g.given[i]) for g in groupings]) for i in range(len(groupings[0].given))]
    aggregates = [
        each([(g.name, g.aggregates[i]) for g in groupings]) for i in range(len(groupings[0].aggregates))
    ]
    sets = ", ".join(f"({', '.join(g.by)})" for g in groupings)
    kept = " OR ".join(f"({grouping} = {bits[g.name]} AND {g.kept})" for g in groupings)
    query = (
        f"SELECT {', '.join((names, *given, *aggregates))} FROM ({sql}) AS found ({', '.join(columns)}) "
        f"GROUP BY GROUPING SETS ({sets}) HAVING {kept}"
    )
    return raw_rows(query, params, using)
