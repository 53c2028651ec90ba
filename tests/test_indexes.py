"""Every filter and sort of the study list reads studies and figures through an index, never a
sequential scan, so a page costs the same at 100 studies and at 100,000 (PostgreSQL's plans).

The curated atlas is small enough that PostgreSQL would rightly scan it. With sequential scans
priced out it still scans a table when no index can serve the query, which is what these tests
look for; with plain index scans priced out too, an index is read only through a condition on
it (a bitmap scan), so walking a whole index in order cannot pass for using one."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL"),
]

# The big tables: one row per study, per figure, per layer of a study, per paper.
BIG_TABLES = (
    "interfaces_study",
    "interfaces_measurement",
    "interfaces_studyinterlayer",
    "references_reference",
)

FILTERED_PAGES = [
    {"family": "garnet"},
    {"strategy": "anode-design"},
    {"method": "ald"},
    {"electrolyte": "llzto"},
    {"interlayer": "li3po4"},
    {"interlayer_kind": "oxide"},
    {"ccd_min": "1"},
    {"ccd_max": "0.5"},
    {"resistance_max": "10"},
    {"year_min": "2020"},
    {"year_max": "2016"},
    {"q": "Li3PO4"},
    {"q": "suppressed dendrite"},
    {"family": "garnet", "method": "ald", "ccd_min": "1"},
]
SORTS = ["ccd", "-ccd", "resistance", "-resistance", "year", "-year", "electrolyte", "-electrolyte", ""]


def plans(client, params, *, ordered_scans: bool = True) -> list[tuple[str, str]]:
    """(query, plan) of each SELECT the page runs, planned with sequential scans priced out and,
    unless ordered_scans, plain index scans too. The cache is emptied first, so that the page
    runs every query it would for a new filter (its ids are otherwise kept until the data change)."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/studies/", params).status_code == 200
    result = []
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        if not ordered_scans:
            cursor.execute("SET enable_indexscan = off")
            cursor.execute("SET enable_indexonlyscan = off")
        try:
            for query in captured.captured_queries:
                sql = query["sql"]
                if sql.startswith("DECLARE "):  # a server-side cursor: its SELECT
                    sql = sql.split(" FOR ", 1)[1]
                if not sql.startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN " + sql)
                result.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
        finally:
            cursor.execute("RESET ALL")
    return result


def scanned(plan: str) -> set[str]:
    return {table for table in re.findall(r"Seq Scan on (\w+)", plan) if table in BIG_TABLES}


# Which parts of the studies there are (atlas/caching.py, cached_by_part): the last study's id,
# one row read from the end of the primary key, checked by a test of its own.
LAST_ID = 'SELECT MAX("interfaces_study"."id")'


@pytest.mark.parametrize("params", FILTERED_PAGES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_a_filtered_page_scans_no_big_table(client, params):
    for sql, plan in plans(client, params, ordered_scans=False):
        if not sql.startswith(LAST_ID):
            assert not scanned(plan), f"{sql}\n{plan}"


def test_the_last_studys_id_is_read_from_the_end_of_the_primary_key(client):
    last = [plan for sql, plan in plans(client, {"family": "garnet"}) if sql.startswith(LAST_ID)]
    assert last and all("Index Only Scan Backward using interfaces_study_pkey" in plan for plan in last), last


SORT_INDEXES = {
    "": "study_recent",
    "ccd": "interfaces_study_best_ccd_value",
    "-ccd": "study_ccd_desc",
    "resistance": "interfaces_study_lowest_resistance_value",
    "-resistance": "study_resistance_desc",
    "year": "reference_year",
    "-year": "reference_year_desc",
    "electrolyte": "study_electrolyte_name",
    "-electrolyte": "study_electrolyte_name_desc",
}


def page_plan(client, params, **options) -> str:
    """The plan of the query that reads the page's rows (the one that orders them)."""
    return [
        plan for sql, plan in plans(client, params, **options) if " ORDER BY " in sql and " LIMIT " in sql
    ][0]


# An unfiltered list counts every study and every layer for its facets (part by part, once per
# data version, grouped every way in one reading: atlas.lookups.grouped_rows): the queries that
# read whole tables by nature, whatever the sort.
COUNTS_OF_EVERY_STUDY = "GROUP BY GROUPING SETS"


@pytest.mark.parametrize("sort", SORTS)
def test_each_sort_reads_its_page_from_an_index(client, sort):
    found = plans(client, {"sort": sort})
    assert sum(COUNTS_OF_EVERY_STUDY in sql for sql, _ in found) == 2  # the studies', the layers'
    for sql, plan in found:
        if COUNTS_OF_EVERY_STUDY not in sql:
            assert not scanned(plan), f"{sql}\n{plan}"
    if sort in SORT_INDEXES:
        plan = page_plan(client, {"sort": sort})
        assert SORT_INDEXES[sort] in plan, plan


def test_a_search_reads_the_trigram_index_for_its_words(client):
    # Words choose the studies by containment, through the trigram index, where each part of
    # the studies ranks its first matches (the stored tsvector only ranks what they chose); the
    # page is then ranked among those, read by their keys.
    for query in ("Li3PO4", "garnet dendrite"):
        found = plans(client, {"q": query}, ordered_scans=False)
        ranked = [plan for sql, plan in found if "ROW_NUMBER() OVER" in sql]
        assert ranked and all("interfaces_study_search_text_trgm" in plan for plan in ranked), found
        assert "interfaces_study_pkey" in page_plan(client, {"q": query}, ordered_scans=False)


def test_the_plans_are_read_not_assumed(client):
    # A query that has no index to use is reported: the check itself can fail.
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT * FROM interfaces_study WHERE anode LIKE '%In%'")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET ALL")
    assert scanned(plan) == {"interfaces_study"}
