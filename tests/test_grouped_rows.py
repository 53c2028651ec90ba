"""atlas.lookups.grouped_rows groups a query's rows several ways at once (GROUPING SETS on
PostgreSQL, a materialised reading on SQLite): on either database, each grouping's rows are
those of grouping the query's rows that way in Python, its kept groups alone."""

from collections import Counter

import pytest

from atlas.lookups import Grouping, grouped_rows
from interfaces.models import Study
from tests.helpers import make_study

pytestmark = pytest.mark.django_db


def test_each_grouping_gives_the_groups_python_gives():
    make_study(method="")  # a study without a method: its group is not kept
    found = Study.objects.order_by().values_list("strategy", "method", "electrolyte_id")
    rows = list(found)
    sql, params = found.query.sql_with_params()
    groupings = [
        Grouping(0, ("strategy",), ("strategy", "NULL"), ("COUNT(*)", "COUNT(DISTINCT electrolyte)")),
        Grouping(1, ("method",), ("NULL", "method"), ("COUNT(*)", "NULL"), "method <> ''"),
        Grouping(2, ("strategy", "method"), ("strategy", "method"), ("COUNT(*)", "MAX(electrolyte)")),
    ]
    got = grouped_rows(sql, params, found.db, ("strategy", "method", "electrolyte"), groupings)

    by_strategy = Counter(strategy for strategy, _, _ in rows)
    electrolytes = {s: {e for strategy, _, e in rows if strategy == s} for s in by_strategy}
    by_method = Counter(method for _, method, _ in rows if method != "")
    by_both = Counter((strategy, method) for strategy, method, _ in rows)
    highest = {key: max(e for s, m, e in rows if (s, m) == key) for key in by_both}
    expected = [
        *((0, s, None, n, len(electrolytes[s])) for s, n in by_strategy.items()),
        *((1, None, m, n, None) for m, n in by_method.items()),
        *((2, s, m, n, highest[s, m]) for (s, m), n in by_both.items()),
    ]
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    assert any(method == "" for _, method, _ in rows) and (1, None, "", 1, None) not in got
