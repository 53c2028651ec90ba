"""/compare/: two to six studies side by side; a wrong choice is a clear message, never a 500."""

import re

import pytest

from interfaces.models import Study
from tests.helpers import csv_rows

pytestmark = pytest.mark.django_db

KEYS = [
    "han2017negating-al2o3-llczn",
    "deng2020tuning-li3po4-llzto",
    "luo2016transition-si-llzo",
    "kato2016enhancing-au-lps",
    "doux2020stack-pressure-li6ps5cl",
    "xu2018interface-lif-lii-li7p3s11",
]


def ids(n: int) -> list[int]:
    by_key = dict(Study.objects.filter(key__in=KEYS).values_list("key", "pk"))
    return [by_key[key] for key in KEYS[:n]]


def test_two_studies_side_by_side(client):
    han, deng = ids(2)
    response = client.get("/compare/", {"id": [han, deng]})
    assert response.status_code == 200
    html = response.content.decode()
    assert [s.pk for s in response.context["studies"]] == [han, deng]
    # Facts that differ are marked in words; the family (garnet for both) is not.
    rows = {row.label: row for row in response.context["facts"]}
    assert rows["Electrolyte"].differs and not rows["Electrolyte family"].differs
    assert html.count('class="differs"') == sum(row.differs for row in rows.values())
    # Figures aligned by quantity: one row each, a dash where a study has none.
    quantities = [row.quantity for row in response.context["figures"]]
    assert quantities == ["ccd", "interfacial_resistance", "thickness"]
    assert "1710" in html and "2.2" in html
    # Exports of exactly these studies.
    assert f'href="/studies/?id={han}&amp;id={deng}&amp;format=csv"' in html
    rows = csv_rows(client.get(f"/studies/?id={han}&id={deng}&format=csv"))
    assert {row["study_id"] for row in rows} == {str(han), str(deng)}


def test_stacks_share_one_scale(client):
    response = client.get("/compare/", {"id": ids(3)})
    columns = response.context["columns"]
    deng_segments = columns[1][1]
    assert [s.kind for s in deng_segments] == ["anode", "interlayer", "electrolyte"]
    assert deng_segments[1].thickness == "10 nm"
    assert response.context["longest_nm"] == 10
    # Han's Al2O3 has no thickness in the atlas: drawn as unknown, and said so.
    assert columns[0][1][1].kind == "interlayer unknown"
    assert "thickness not stated" in response.content.decode()


def test_six_studies_and_the_best_of_each_quantity(client):
    with_ccd = Study.objects.filter(best_ccd_value__isnull=False).order_by("pk")
    chosen = list(with_ccd.values_list("pk", flat=True)[:5]) + ids(1)
    response = client.get("/compare/", {"id": chosen})
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r'<th scope="col" class="compare-study">', html)) == 6
    # The best headline value is marked where two or more studies report the quantity.
    studies = response.context["studies"]
    rows = {row.quantity: row for row in response.context["figures"]}
    ccds = [s.best_ccd_value for s in studies]
    assert sum(v is not None for v in ccds) >= 2
    assert rows["ccd"].best == {ccds.index(max(v for v in ccds if v is not None))}
    resistances = [s.lowest_resistance_value for s in studies]
    if sum(v is not None for v in resistances) >= 2:
        lowest = min(v for v in resistances if v is not None)
        assert rows["interfacial_resistance"].best == {i for i, v in enumerate(resistances) if v == lowest}
    table = html.split('<table class="compare">')[1]
    assert table.count('class="best-tag">best<') == sum(len(row.best) for row in rows.values())


@pytest.mark.parametrize(
    "query, status, message",
    [
        ("id=1", 400, "Choose at least 2 studies to compare (1 chosen)"),
        ("", 400, "Choose at least 2 studies to compare (0 chosen)"),
        ("id=1&id=1", 400, "(1 chosen)"),
        ("&".join(f"id={i}" for i in range(1, 8)), 400, "Compare at most 6 studies at a time (7 chosen)"),
        ("id=1&id=abc", 400, "Row ids must be whole numbers."),
        ("id=1&id=-3", 400, "Row ids must be positive whole numbers."),
        ("id=1&id=99999999", 404, "No study has the id 99999999"),
    ],
)
def test_a_wrong_choice_says_what_is_wrong(client, query, status, message):
    response = client.get(f"/compare/?{query}")
    assert response.status_code == status
    html = response.content.decode()
    assert message in html and 'role="alert"' in html and "<h1>Compare studies</h1>" in html


def test_the_list_offers_to_compare_the_ticked_rows(client):
    html = client.get("/studies/").content.decode()
    assert 'formaction="/compare/"' in html and 'form="selection"' in html


@pytest.mark.parametrize("n, queries", [(2, 4), (6, 4)])
def test_compare_queries(client, django_assert_num_queries, n, queries):
    # the studies, then their layers, authors and figures: the same for 2 as for 6
    chosen = ids(n)
    with django_assert_num_queries(queries):
        assert client.get("/compare/", {"id": chosen}).status_code == 200
