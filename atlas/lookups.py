"""A lookup for the exports, which read thousands of rows by their ids a batch at a time."""

from django.core.exceptions import EmptyResultSet
from django.db.models import Lookup


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
