"""The charts' data for a filter: built from the export JSON, comparable figures only, empties explained."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interfaces.models import Quantity, Role, Study
from tests.helpers import make_study

pytestmark = pytest.mark.django_db


def chart_json(client, **params) -> dict:
    response = client.get("/studies/charts/", params | {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_every_study_with_a_treated_ccd_is_one_point_at_its_best_value(client):
    data = chart_json(client, family="garnet")
    garnet = Study.objects.filter(electrolyte__family__slug="garnet")
    expected = {s.pk: s.best_ccd_value for s in garnet if s.best_ccd_value}
    assert {p["id"]: p["value"] for p in data["ccd"]} == expected
    assert data["count"] == garnet.count()
    deng = next(
        p
        for p in data["ccd"]
        if p["url"] == Study.objects.get(key="deng2020tuning-li3po4-llzto").get_absolute_url()
    )
    assert deng["title"].startswith("Deng et al. 2020 · Li3PO4 on LLZTO\n")
    assert "Best CCD: 2.2 mA/cm²" in deng["title"] and "review §2.3.1" in deng["title"]
    assert deng["strategy"] == "Artificial interlayer" and deng["family"] == "Garnet oxide"


def test_pairs_join_a_treated_resistance_to_its_control_and_sort_by_the_cut(client):
    data = chart_json(client)
    han = data["pairs"][0]
    assert han["label"] == "Han et al. 2017 · Al2O3 on LLCZN"
    assert (han["before"], han["after"]) == (1710, 1) and "×1710 lower" in han["title"]
    assert "Before: 1710 Ω·cm²" in han["title"] and "After: 1 Ω·cm²" in han["title"]
    cuts = [p["before"] / p["after"] for p in data["pairs"]]
    assert cuts == sorted(cuts, reverse=True)
    paired = Study.objects.filter(
        measurements__quantity=Quantity.INTERFACIAL_RESISTANCE, measurements__control__isnull=False
    ).distinct()
    assert sorted(p["id"] for p in data["pairs"]) == sorted(paired.values_list("pk", flat=True))


def test_controls_unnormalised_and_zero_values_stay_off_the_axes(client):
    electrolyte = Study.objects.get(key="deng2020tuning-li3po4-llzto").electrolyte
    only_control = make_study(
        electrolyte=electrolyte,
        measurements=[{"quantity": Quantity.CCD, "value": 50, "role": Role.CONTROL}],
    )
    ohms = make_study(
        electrolyte=electrolyte,
        measurements=[{"quantity": Quantity.RESISTANCE, "value": 300}],
    )
    zero = make_study(electrolyte=electrolyte, measurements=[{"quantity": Quantity.CCD, "value": 0}])
    data = chart_json(client, electrolyte="llzto")
    ids = {p["id"] for p in data["ccd"]}
    assert only_control.pk not in ids and ohms.pk not in ids and zero.pk not in ids
    assert data["left_out"]["unnormalised"] == 1 and data["left_out"]["zero"] == 1
    assert any("without the electrode area" in note for note in data["notes"])
    assert any("of zero cannot be placed on a log axis" in note for note in data["notes"])


def test_an_empty_chart_says_why(client):
    data = chart_json(client, family="halide")
    assert data["count"] == 0 and data["ccd"] == [] and data["pairs"] == []
    assert data["summary"]["ccd"] == "No study in this filter reports a critical current density."
    html = client.get("/studies/charts/", {"family": "halide"}).content.decode()
    assert "No study in this filter reports a critical current density." in html


def test_the_charts_page_shows_the_data_as_tables_without_javascript(client):
    html = client.get("/studies/charts/", {"family": "garnet"}).content.decode()
    data = chart_json(client, family="garnet")
    assert 'id="table-pairs"' in html and 'id="table-ccd"' in html
    for point in data["ccd"]:
        assert f'<a href="{point["url"]}">' in html
    assert data["summary"]["pairs"].split(";")[0] in html


def test_the_list_links_its_charts_for_the_same_filter(client):
    html = client.get("/studies/", {"family": "garnet", "page": "2"}).content.decode()
    assert 'data-charts-src="/studies/charts/?family=garnet&amp;format=json"' in html
    assert "/static/vendor/observablehq-plot/plot.umd.min.js" in html


def test_a_bad_filter_is_a_clear_message_not_a_500(client):
    response = client.get("/studies/charts/", {"ccd_min": "lots", "format": "json"})
    assert response.status_code == 400 and "ccd_min" in response.json()["errors"]
    response = client.get("/studies/charts/", {"ccd_min": "lots"})
    assert response.status_code == 400 and "Enter a number" in response.content.decode()
    response = client.get("/studies/charts/", {"format": "xml"})
    assert response.status_code == 400 and "format" in response.json()["errors"]


def test_chart_data_queries(client, django_assert_num_queries):
    # the ids, then the studies, their layers, authors and figures (per 500), the family slugs' check
    with django_assert_num_queries(6):
        chart_json(client, family="garnet")
    with django_assert_num_queries(1):  # the slugs' check; the marks are cached until the data change
        chart_json(client, family="garnet")


def test_a_family_of_thousands_draws_one_dot_per_occupied_pixel():
    from interfaces.charts import family_strip
    from interfaces.charts import placed as on_strip

    def in_family(own, values, higher_is_better):
        return on_strip(family_strip(values), own, higher_is_better)

    values = [0.1 + i * 0.001 for i in range(5000)]
    placed = in_family(values[100], values, higher_is_better=True)
    assert placed["n"] == 5000 and placed["rank"] == 4900
    assert len(placed["dots"]) < 700 and len(set(placed["dots"])) == len(placed["dots"])
    assert len(in_family(1.0, [0.5, 1.0, 2.0], higher_is_better=True)["dots"]) == 3


@given(
    values=st.lists(st.sampled_from([0.1, 0.5, 1.0, 1.0, 2.5, 10.0, 400.0]), min_size=1, max_size=40),
    own=st.sampled_from([0.1, 1.0, 2.5, 400.0]),
    higher_is_better=st.booleans(),
)
def test_a_study_is_ranked_on_its_familys_strip_as_by_counting_who_did_better(values, own, higher_is_better):
    from interfaces.charts import family_strip, placed

    values = [*values, own]  # a study's own figure is among its family's
    ranked = placed(family_strip(values), own, higher_is_better)
    better = sum(1 for v in values if (v > own if higher_is_better else v < own))
    assert ranked["rank"] == better + 1 and ranked["n"] == len(values)
