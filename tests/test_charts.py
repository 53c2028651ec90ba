"""The charts' data for a filter: comparable figures only, empties explained, and the same marks
(or their bins) as every study's export document gives."""

import math
from collections import Counter

import pytest
from django.http import QueryDict
from django.utils.http import urlencode
from hypothesis import given
from hypothesis import strategies as st

from interfaces import charts
from interfaces.charts import UNNORMALISED, _best_pair, _ccd_marks, chart_data, notes
from interfaces.exports import export_ids, study_documents
from interfaces.filters import StudyFilter
from interfaces.headline import headline_of_documents
from interfaces.management.benchmark import synthetic_atlas
from interfaces.models import Measurement, Quantity, Role, Strategy, Study
from tests.helpers import make_reference, make_study

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


def test_chart_data_queries(client, django_assert_max_num_queries, monkeypatch):
    # the family slugs' check, the family's electrolytes' ids (what the counts are kept by), the
    # last study's id (the parts), what each part adds: its counts and bins, its few studies with
    # an unnormalised resistance or a lowest of zero, and its pairs; the ids of the studies drawn
    # one by one (when binned, the highest CCD's), then their values, layers, authors and figures
    with django_assert_max_num_queries(12):
        chart_json(client, family="garnet")
    with django_assert_max_num_queries(1):  # the slugs' check; the marks are cached until the data change
        chart_json(client, family="garnet")
    monkeypatch.setattr(charts, "MARKS_MAX", 3)
    with django_assert_max_num_queries(12):  # and the electrolytes' families, to group the bars
        assert chart_json(client)["binned"]["ccd"]


# -- the same marks as the export documents give --------------------------------------------
def charts_from_documents(studies) -> dict:
    """The charts as computed from every filtered study's export document: the reference the
    database's reading must agree with (its marks, or their bins, left-out counts and texts)."""
    pairs, ccd, ccd_resistance, count = [], [], [], 0
    left_out = {"unnormalised": 0, "zero": 0, "resistance_without_control": 0}
    ids = export_ids(studies.order_by("pk"))
    labels = {s.pk: s.reference.first_author_label for s in Study.objects.for_list().filter(pk__in=ids)}
    for document in study_documents(ids):
        study = document | {"first_author": labels[document["id"]]}
        count += 1
        figures = study["measurements"]
        if any(m["quantity"] == UNNORMALISED for m in figures):
            left_out["unnormalised"] += 1
        best_ccd = headline_of_documents(figures, Quantity.CCD)
        if best_ccd is not None and charts._top(best_ccd) <= 0:
            left_out["zero"] += 1
        point, with_resistance = _ccd_marks(study, figures)
        if point is not None:
            ccd.append(point)
        if with_resistance is not None:
            ccd_resistance.append(with_resistance)
        pair = _best_pair(study, figures, {m["id"]: m for m in figures})
        lowest = headline_of_documents(
            [m for m in figures if m["value"] > 0], Quantity.INTERFACIAL_RESISTANCE
        )
        if pair is not None:
            pairs.append(pair)
        elif lowest is not None:
            left_out["resistance_without_control"] += 1
    pairs.sort(key=lambda p: (-p["improvement"], p["label"]))
    years = sorted(p["year"] for p in ccd if p["year"])
    totals = {"pairs": len(pairs), "ccd": len(ccd), "ccd_resistance": len(ccd_resistance)}
    highest = max(ccd, key=lambda p: p["value"], default=None)
    data = {
        "count": count,
        "pairs": pairs,
        "ccd": ccd,
        "ccd_resistance": ccd_resistance,
        "left_out": left_out,
    }
    summary = charts.summary(pairs, totals, highest, (years[0], years[-1]) if years else None)
    return data | {"totals": totals, "summary": summary, "notes": notes(data)}


def filtered(**params):
    return StudyFilter(QueryDict(urlencode(params)), queryset=Study.objects.for_list()).qs


FILTERS = [{}, {"family": "garnet"}, {"family": "thiophosphate"}, {"electrolyte": "llzto"}, {"q": "LiF"}]


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: "&".join(p) or "all")
def test_the_curated_studies_give_every_mark_the_export_documents_give(params):
    data, expected = chart_data(filtered(**params)), charts_from_documents(filtered(**params))
    assert expected["ccd"], "the filter has marks to compare"
    assert (
        data["binned"] == {}
        and data["ccd_bins"] == data["ccd_year_bins"] == data["ccd_resistance_bins"] == []
    )
    for key in ("count", "totals", "pairs", "ccd", "ccd_resistance", "left_out", "summary", "notes"):
        assert data[key] == expected[key], key


def test_a_study_with_a_zero_beside_its_resistances_is_drawn_at_its_lowest_above_zero(monkeypatch):
    electrolyte = Study.objects.get(key="deng2020tuning-li3po4-llzto").electrolyte
    made = make_study(
        electrolyte=electrolyte,
        measurements=[
            {"quantity": Quantity.CCD, "value": 1.5},
            {"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 0},
            {"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 40},
        ],
    )
    data, expected = (
        chart_data(filtered(electrolyte="llzto")),
        charts_from_documents(filtered(electrolyte="llzto")),
    )
    assert data["ccd_resistance"] == expected["ccd_resistance"]
    assert next(p for p in data["ccd_resistance"] if p["id"] == made.pk)["resistance"] == 40
    assert data["left_out"] == expected["left_out"]
    # Binned, it is counted in the cell of 40 Ω·cm² and its CCD, with every other study drawn.
    monkeypatch.setattr(charts, "MARKS_MAX", 1)
    binned = chart_data(filtered(electrolyte="llzto"))
    cells = {(b["x1"], b["y1"]): b["count"] for b in binned["ccd_resistance_bins"]}
    cell = (charts._edges(bin_of(40, 5), 5)[0], charts._edges(bin_of(1.5, 5), 5)[0])
    expected_cell = sum(
        1
        for p in expected["ccd_resistance"]
        if (bin_of(p["resistance"], 5), bin_of(p["value"], 5)) == (bin_of(40, 5), bin_of(1.5, 5))
    )
    assert cells[cell] == expected_cell >= 1
    assert sum(cells.values()) == len(expected["ccd_resistance"])
    assert binned["left_out"] == expected["left_out"]


def paired_study(before: float, after: float, ccd: float) -> Study:
    study = make_study(
        measurements=[
            {"quantity": Quantity.CCD, "value": ccd},
            {"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": before, "role": Role.CONTROL},
        ]
    )
    control = study.measurements.get(role=Role.CONTROL)
    Measurement.objects.create(
        study=study,
        position=3,
        quantity=Quantity.INTERFACIAL_RESISTANCE,
        value=after,
        role=Role.TREATED,
        control=control,
        locator="Fig. 2",
    )
    return study


def bin_of(value: float, per_decade: int) -> int:
    return math.floor(math.log10(value) * per_decade)


def bin_at(edge: float, per_decade: int) -> int:
    """The bin a (rounded) lower edge starts."""
    return round(math.log10(edge) * per_decade)


@pytest.mark.parametrize("params", [{}, {"family": "garnet"}], ids=["all", "garnet"])
def test_past_the_threshold_the_charts_count_the_documents_marks_in_bins(params, monkeypatch):
    synthetic_atlas(60)
    for i in range(8):
        paired_study(before=100 + 37 * i, after=1 + i, ccd=0.2 + i)
    monkeypatch.setattr(charts, "MARKS_MAX", 5)
    data, expected = chart_data(filtered(**params)), charts_from_documents(filtered(**params))
    assert len(expected["ccd"]) > 5 and len(expected["pairs"]) > 5 and len(expected["ccd_resistance"]) > 5
    assert set(data["binned"]) == {"pairs", "ccd", "ccd_year", "ccd_resistance"}
    assert (
        "largest cuts are drawn" in data["binned"]["pairs"] and "tenth of a decade" in data["binned"]["ccd"]
    )
    for key in ("count", "totals", "left_out", "summary", "notes"):
        assert data[key] == expected[key], key
    assert data["ccd"] == data["ccd_resistance"] == []
    assert data["pairs"] == expected["pairs"][:5]  # the largest cuts, each drawn as before

    strips = Counter((p["strategy"], p["family"], bin_of(p["value"], 10)) for p in expected["ccd"])
    assert {(b["strategy"], b["family"], bin_at(b["x1"], 10)): b["count"] for b in data["ccd_bins"]} == strips
    years = Counter((p["year"], bin_of(p["value"], 5)) for p in expected["ccd"] if p["year"])
    assert {(b["year"], bin_at(b["y1"], 5)): b["count"] for b in data["ccd_year_bins"]} == years
    grid = Counter((bin_of(p["resistance"], 5), bin_of(p["value"], 5)) for p in expected["ccd_resistance"])
    assert {(bin_at(b["x1"], 5), bin_at(b["y1"], 5)): b["count"] for b in data["ccd_resistance_bins"]} == grid
    assert all(b["x1"] < b["x2"] and b["count"] > 0 for b in data["ccd_bins"])
    assert {b["strategy"] for b in data["ccd_bins"]} <= {str(label) for label in Strategy.labels}


def test_the_year_chart_counts_a_paper_by_its_year_after_an_edit_and_a_move(monkeypatch):
    """The year chart counts each study by its paper's year as stored beside it: after a paper's
    year is edited and a study moved to another paper, its bins are still the documents'."""
    synthetic_atlas(60)
    monkeypatch.setattr(charts, "MARKS_MAX", 5)
    with_ccd = Study.objects.filter(best_ccd_value__gt=0).order_by("pk")
    reference = with_ccd.first().reference
    reference.year = 1987
    reference.save()
    moved = with_ccd.exclude(reference=reference).last()
    moved.reference = make_reference(year=1975)
    moved.save()
    data, expected = chart_data(filtered()), charts_from_documents(filtered())
    years = Counter((p["year"], bin_of(p["value"], 5)) for p in expected["ccd"] if p["year"])
    assert {(b["year"], bin_at(b["y1"], 5)): b["count"] for b in data["ccd_year_bins"]} == years
    assert {1975, 1987} <= {b["year"] for b in data["ccd_year_bins"]}
    assert data["summary"]["ccd_year"] == expected["summary"]["ccd_year"]


def test_the_database_bins_a_value_where_pythons_log10_puts_it(monkeypatch):
    """The bins are counted in the database: a value at a bin's edge (a power of ten, a tenth or
    fifth of a decade) falls in the bin Python's log10 puts it in, on every database (SQLite's own
    log10 puts 1000 below 3)."""
    edges = [10.0**k for k in range(-3, 4)] + [10 ** (k / 10) for k in range(-20, 31)]
    values = sorted({*edges, *(math.nextafter(v, 0) for v in edges), 0.37, 2.5, 7.0, 450.0})
    ids = [
        make_study(
            measurements=[
                {"quantity": Quantity.CCD, "value": value},
                {"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": value},
            ]
        ).pk
        for value in values
    ]
    monkeypatch.setattr(charts, "MARKS_MAX", 1)
    data = chart_data(Study.objects.filter(pk__in=ids))
    expected = Counter(bin_of(value, 10) for value in values)
    assert Counter({bin_at(b["x1"], 10): b["count"] for b in data["ccd_bins"]}) == expected
    assert {bin_at(b["x1"], 10) for b in data["ccd_bins"]} >= {30, 20, 10, 0, -10, -20}
    grid = Counter((bin_of(value, 5), bin_of(value, 5)) for value in values)
    assert {(bin_at(b["x1"], 5), bin_at(b["y1"], 5)): b["count"] for b in data["ccd_resistance_bins"]} == grid


def test_the_binned_chart_json_is_small_and_says_so(client, monkeypatch):
    synthetic_atlas(60)
    monkeypatch.setattr(charts, "MARKS_MAX", 5)
    response = client.get("/studies/charts/", {"format": "json"})
    data = response.json()
    assert data["marks_max"] == 5 and data["totals"]["ccd"] > 5
    assert data["binned"]["ccd"].startswith(f"{data['totals']['ccd']} studies, more than the 5 marks")
    assert sum(b["count"] for b in data["ccd_bins"]) == data["totals"]["ccd"]
    html = client.get("/studies/charts/").content.decode()
    assert data["binned"]["ccd"] in html and "Studies per bin of best CCD" in html


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


@given(
    values=st.lists(st.floats(min_value=1e-3, max_value=1e4), min_size=1, max_size=700),
)
def test_a_strips_dots_are_its_figures_positions_each_once(values):
    """The dots are found by skipping the figures that fall on a dot already drawn: they must be
    exactly the figures' own positions, rounded, each once."""
    from interfaces.charts import DOTS_MAX, _log_position, family_strip

    strip = family_strip(values)
    low, high = min(values), max(values)
    precision = 1 if len(values) <= DOTS_MAX else 0
    assert strip["dots"] == sorted({round(_log_position(v, low, high), precision) for v in values})
