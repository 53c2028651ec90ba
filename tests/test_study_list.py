"""The study list: filters alone and combined, facets, sorting, pagination, empty results."""

import re

import pytest
from django.db.models import Q

from interfaces.models import Quantity, Study
from tests.helpers import every_page, exported_keys, facet_counts, make_reference, make_study

pytestmark = pytest.mark.django_db

URL = "/studies/"


def keys(response) -> list[str]:
    """Keys of the studies on the page, in the order shown."""
    assert response.status_code == 200, response.content[:500]
    return [study.key for study in response.context["page_obj"].object_list]


def expected(condition: Q) -> list[str]:
    return sorted(Study.objects.filter(condition).distinct().values_list("key", flat=True))


def expected_where(predicate) -> list[str]:
    """Keys of the studies for which predicate(study) holds, computed in Python from the model."""
    return sorted(study.key for study in Study.objects.for_list() if predicate(study))


def best_ccd(study) -> float | None:
    figure = study.best_ccd
    return None if figure is None else (figure.value_max or figure.value)


# -- each filter alone ------------------------------------------------------------


def test_no_filter_lists_every_study_on_two_pages(client):
    response = client.get(URL)
    assert response.context["page_obj"].paginator.count == Study.objects.count() > 25
    assert len(keys(response)) == 25


def test_family(client):
    found = exported_keys(client, family="garnet")
    assert sorted(found) == expected(Q(electrolyte__family__slug="garnet"))
    assert "deng2020tuning-li3po4-llzto" in found and "hao2019constructing-zno-latp" not in found


def test_family_repeated_is_or(client):
    found = keys(client.get(URL, {"family": ["nasicon", "argyrodite"]}))
    assert sorted(found) == expected(Q(electrolyte__family__slug__in=["nasicon", "argyrodite"]))
    assert {"hao2019constructing-zno-latp", "doux2020stack-pressure-li6ps5cl"} <= set(found)


def test_strategy(client):
    found = keys(client.get(URL, {"strategy": "anode-design"}))
    assert sorted(found) == expected(Q(strategy="anode-design"))
    assert "yang2018continuous-3d-llczn" in found and len(found) >= 5


def test_method_repeated_is_or(client):
    ald = sorted(keys(client.get(URL, {"method": "ald"})))
    assert ald == expected(Q(method="ald"))
    assert {"deng2020tuning-li3po4-llzto", "han2017negating-al2o3-llczn"} <= set(ald)
    found = keys(client.get(URL, {"method": ["ald", "sputtering"]}))
    assert sorted(found) == expected(Q(method__in=["ald", "sputtering"]))
    assert "hao2019constructing-zno-latp" in found


def test_electrolyte(client):
    found = keys(client.get(URL, {"electrolyte": ["llzto", "lpscl"]}))
    assert sorted(found) == expected(Q(electrolyte__slug__in=["llzto", "lpscl"]))
    assert {"deng2020tuning-li3po4-llzto", "yu2016synthesis-liin-li6ps5cl"} <= set(found)


def test_interlayer_repeated_is_or_and_lists_a_study_once(client):
    assert sorted(keys(client.get(URL, {"interlayer": "si"}))) == [
        "luo2016transition-si-llzo",
        "ogawa2012highcapacity-si-lps",
    ]
    found = keys(client.get(URL, {"interlayer": ["lif", "lii", "au"]}))
    assert sorted(found) == expected(Q(interlayers__slug__in=["lif", "lii", "au"]))
    assert found.count("xu2018interface-lif-lii-li7p3s11") == 1


def test_interlayer_kind(client):
    found = keys(client.get(URL, {"interlayer_kind": "metal"}))
    assert sorted(found) == expected(Q(interlayers__kind="metal"))
    assert "fu2017garnet-al-llzo" in found and "deng2020tuning-li3po4-llzto" not in found


def test_ccd_min_and_max_use_the_best_ccd(client):
    high = exported_keys(client, ccd_min=3)
    assert sorted(high) == expected_where(lambda s: best_ccd(s) is not None and best_ccd(s) >= 3)
    assert {"han2018suppressing-lii-lps", "shinzo2021highrate-ni-collector-li3ps4lii"} <= high
    low = exported_keys(client, ccd_max=3)
    assert sorted(low) == expected_where(lambda s: best_ccd(s) is not None and best_ccd(s) <= 3)
    assert "deng2020tuning-li3po4-llzto" in low and "han2018suppressing-lii-lps" not in low
    between = exported_keys(client, ccd_min=2.2, ccd_max=3.9)
    assert sorted(between) == expected_where(lambda s: best_ccd(s) is not None and 2.2 <= best_ccd(s) <= 3.9)


def test_ccd_of_a_range_counts_its_upper_end(client):
    ranged = make_study(measurements=[{"quantity": Quantity.CCD, "value": 1.0, "value_max": 4.5}])
    assert ranged.key in keys(client.get(URL, {"ccd_min": 4}))
    assert ranged.key not in keys(client.get(URL, {"ccd_max": 4}))


def test_resistance_max(client):
    low = make_study(measurements=[{"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 12}])
    high = make_study(measurements=[{"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 900}])
    both = make_study(
        measurements=[
            {"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 1500, "role": "control"},
            {"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 40, "role": "treated"},
        ]
    )
    found = exported_keys(client, resistance_max=50)
    assert {low.key, both.key} <= found and high.key not in found
    assert high.key in exported_keys(client, resistance_max=900)
    # The treated figures of the curated data, never a control: Han et al. 1 Ω·cm² (bare 1710).
    assert "han2017negating-al2o3-llczn" in exported_keys(client, resistance_max=5)


def test_years(client):
    found = exported_keys(client, year_min=2019, year_max=2020)
    assert sorted(found) == expected(Q(reference__year__gte=2019, reference__year__lte=2020))
    assert "deng2020tuning-li3po4-llzto" in found and "shinzo2021highrate-ni-collector-li3ps4lii" not in found
    recent = exported_keys(client, year_min=2021)
    assert sorted(recent) == expected(Q(reference__year__gte=2021))
    assert "shinzo2021highrate-ni-collector-li3ps4lii" in recent


def test_selected_ids(client):
    deng = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    han = Study.objects.get(key="han2018suppressing-lii-lps")
    assert sorted(keys(client.get(URL, {"id": [deng.pk, han.pk]}))) == sorted([deng.key, han.key])


# -- combinations: AND across filters ------------------------------------------------


def test_the_deng_2020_study_by_family_strategy_and_ccd(client):
    response = client.get(
        URL, {"family": "garnet", "strategy": "artificial-interlayer", "ccd_min": 2, "q": "Li3PO4"}
    )
    assert keys(response) == ["deng2020tuning-li3po4-llzto"]
    html = response.content.decode()
    assert "Li<sub>3</sub>PO<sub>4</sub>" in html
    assert '2.2&nbsp;<span class="unit">mA&nbsp;cm<sup>−2</sup></span>' in html
    assert 'href="https://doi.org/10.1002/adma.202000030"' in html
    assert "Deng et al." in html and "Advanced Materials" in html


@pytest.mark.parametrize(
    "params, condition",
    [
        (
            {"family": "garnet", "interlayer": "si"},
            Q(electrolyte__family__slug="garnet", interlayers__slug="si"),
        ),
        (
            {"family": ["garnet", "thiophosphate"], "strategy": "artificial-interlayer", "year_min": 2017},
            Q(
                electrolyte__family__slug__in=["garnet", "thiophosphate"],
                strategy="artificial-interlayer",
                reference__year__gte=2017,
            ),
        ),
        (
            {"method": ["ball-milling", "ald"], "family": "thiophosphate"},
            Q(method__in=["ball-milling", "ald"], electrolyte__family__slug="thiophosphate"),
        ),
        (
            {"interlayer_kind": "metal", "electrolyte": "llzo", "year_max": 2016},
            Q(interlayers__kind="metal", electrolyte__slug="llzo", reference__year__lte=2016),
        ),
    ],
)
def test_filters_combine_with_and(client, params, condition):
    found = keys(client.get(URL, params))
    assert found, "the combination should match something in the curated data"
    assert sorted(found) == expected(condition)


def test_a_combination_nothing_matches_says_so_and_offers_to_clear(client):
    response = client.get(URL, {"family": "nasicon", "strategy": "anode-design"})
    assert keys(response) == []
    html = response.content.decode()
    assert "0 studies" in html
    assert "No study matches these filters." in html
    assert 'href="/studies/">clear all filters</a>' in html


# -- facets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"family": "garnet"},
        {"strategy": "artificial-interlayer"},
        {"q": "Li", "year_min": 2017},
        {"interlayer_kind": ["metal", "oxide"]},
    ],
)
def test_facet_counts_match_the_filtered_rows(client, params):
    response = client.get(URL, params)
    studies = list(response.context["filter"].qs)
    counts = facet_counts(response)
    for slug, n in counts["family"].items():
        assert n == sum(s.electrolyte.family.slug == slug for s in studies)
    for slug, n in counts["strategy"].items():
        assert n == sum(s.strategy == slug for s in studies)
    for slug, n in counts["method"].items():
        assert n == sum(s.method == slug for s in studies)
    for slug, n in counts["interlayer_kind"].items():
        assert n == sum(any(layer.material.kind == slug for layer in s.layers.all()) for s in studies)
    for slug, n in counts["interlayer"].items():
        assert n == sum(any(layer.material.slug == slug for layer in s.layers.all()) for s in studies)
    assert sum(counts["family"].values()) == len(studies)
    assert sum(counts["strategy"].values()) == len(studies)


def test_facets_of_the_garnet_studies(client):
    counts = facet_counts(client.get(URL, {"family": "garnet"}))
    garnet = Q(electrolyte__family__slug="garnet")
    # Every family is listed, the others with none among the results.
    assert {slug: n for slug, n in counts["family"].items() if n} == {"garnet": len(expected(garnet))}
    assert counts["family"]["nasicon"] == 0
    assert counts["method"]["ald"] == len(expected(garnet & Q(method="ald"))) >= 2
    metal = len(expected(garnet & Q(interlayers__kind="metal")))
    assert counts["interlayer_kind"]["metal"] == metal >= 4  # Si, Al, Ge, Mg on LLZO at least
    interlayer = len(expected(garnet & Q(strategy="artificial-interlayer")))
    assert counts["strategy"]["artificial-interlayer"] == interlayer


def test_facet_links_add_or_remove_a_value_and_drop_the_page(client):
    response = client.get(URL, {"strategy": "artificial-interlayer", "sort": "-year", "page": "1"})
    facets = {facet.param: {v.value: v for v in facet.values} for facet in response.context["facets"]}
    add = facets["family"]["garnet"]
    assert not add.selected
    assert add.url == "?strategy=artificial-interlayer&sort=-year&family=garnet"
    remove = facets["strategy"]["artificial-interlayer"]
    assert remove.selected and remove.url == "?sort=-year"
    html = response.content.decode()
    # The sidebar offers the same choices as checkboxes, ticked where the filter is in use.
    assert '<input type="checkbox" name="family" value="garnet" id="f-family-1">' in html
    assert (
        '<input type="checkbox" name="strategy" value="artificial-interlayer" id="f-strategy-1" checked>'
        in html
    )
    followed = client.get(URL + add.url)
    assert all(s.electrolyte.family.slug == "garnet" for s in followed.context["page_obj"].object_list)


# -- sorting ------------------------------------------------------------------------


def test_sort_by_ccd_puts_studies_without_one_last(client):
    with_ccd = {s.key: best_ccd(s) for s in Study.objects.for_list() if best_ccd(s) is not None}
    high_first = [study.key for study in every_page(client, {"sort": "-ccd"})]
    shown = [with_ccd[key] for key in high_first[: len(with_ccd)]]
    assert shown == sorted(with_ccd.values(), reverse=True)
    low_first = [study.key for study in every_page(client, {"sort": "ccd"})]
    assert [with_ccd[key] for key in low_first[: len(with_ccd)]] == sorted(with_ccd.values())
    # Over every page, in either direction: first the studies with a CCD, then those without.
    for sort in ("ccd", "-ccd"):
        order = [study.key for study in every_page(client, {"sort": sort})]
        assert len(order) == Study.objects.count() > len(with_ccd)
        assert set(order[: len(with_ccd)]) == set(with_ccd), sort


def test_sort_by_resistance_puts_studies_without_one_last(client):
    r = Quantity.INTERFACIAL_RESISTANCE
    low = make_study(measurements=[{"quantity": r, "value": 0.1}])
    mid = make_study(measurements=[{"quantity": r, "value": 300}, {"quantity": r, "value": 0.5}])
    high = make_study(measurements=[{"quantity": r, "value": 99999}])
    ascending = keys(client.get(URL, {"sort": "resistance"}))
    assert ascending[:2] == [low.key, mid.key]  # a study counts with its lowest figure
    descending = keys(client.get(URL, {"sort": "-resistance"}))
    assert descending[0] == high.key
    known = {s.key for s in Study.objects.for_list() if s.lowest_resistance is not None}
    # Unknowns come after, in either direction.
    for order in (ascending, descending):
        assert set(order[: len(known)]) == known


def test_sort_by_year_puts_undated_studies_last(client):
    undated = make_study(reference=make_reference(year=None))
    years = dict(Study.objects.exclude(reference__year=None).values_list("key", "reference__year"))
    oldest = keys(client.get(URL, {"sort": "year"}))
    assert years[oldest[0]] == min(years.values()) == 2012  # Ogawa, Buschmann
    newest = keys(client.get(URL, {"sort": "-year"}))
    assert years[newest[0]] == max(years.values())
    last = Study.objects.count() // 25 + (1 if Study.objects.count() % 25 else 0)
    for direction in ("year", "-year"):
        last_page = keys(client.get(URL, {"sort": direction, "page": last}))
        assert last_page[-1] == undated.key


def test_sort_by_electrolyte_name(client):
    names = [
        s.electrolyte.name for s in client.get(URL, {"sort": "electrolyte"}).context["page_obj"].object_list
    ]
    assert names == sorted(names)
    names = [
        s.electrolyte.name for s in client.get(URL, {"sort": "-electrolyte"}).context["page_obj"].object_list
    ]
    assert names == sorted(names, reverse=True)


def test_sortable_headers_keep_the_filters(client):
    html = client.get(URL, {"family": "garnet", "page": 1}).content.decode()
    assert 'href="?family=garnet&amp;sort=-ccd"' in html
    assert 'href="?family=garnet&amp;sort=resistance"' in html
    html = client.get(URL, {"family": "garnet", "sort": "-ccd"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert 'href="?family=garnet&amp;sort=ccd"' in html


# -- pagination ---------------------------------------------------------------------


def test_pagination_keeps_every_other_parameter(client):
    response = client.get(
        URL,
        {
            "sort": "year",
            "year_min": 2000,
            "strategy": list(
                dict.fromkeys(["other", "artificial-interlayer", "electrolyte-composition", "anode-design"])
            ),
        },
    )
    html = response.content.decode()
    next_link = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    assert next_link == (
        "?sort=year&year_min=2000&strategy=other&strategy=artificial-interlayer"
        "&strategy=electrolyte-composition&strategy=anode-design&page=2"
    )
    page_two = client.get(URL + next_link)
    assert page_two.context["page_obj"].number == 2
    first, second = keys(response), keys(page_two)
    assert len(first) == 25 and not set(first) & set(second)
    assert len(first) + len(second) == min(50, Study.objects.filter(reference__year__gte=2000).count())
    assert re.search(r'<a href="\?sort=year[^"]*page=1" rel="prev">', page_two.content.decode())


def test_the_filter_form_drops_the_page(client):
    html = client.get(URL, {"family": "garnet", "page": 1}).content.decode()
    form = html[
        html.index('<form class="filters"') : html.index("</form>", html.index('<form class="filters"'))
    ]
    assert 'name="page"' not in form
    assert re.search(r'<input type="checkbox" name="family" value="garnet"[^>]* checked>', form)


def test_a_page_past_the_end_shows_the_last_page_and_says_so(client):
    response = client.get(URL, {"page": 9999})
    assert response.status_code == 200
    last = response.context["page_obj"].paginator.num_pages
    assert last > 1 and response.context["page_obj"].number == last
    assert f"There is no page 9999; this is the last page, {last}." in response.content.decode()


def test_a_page_that_is_not_a_number_shows_the_first(client):
    response = client.get(URL, {"page": "abc"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert "is not a page number" in response.content.decode()


# -- what a row shows ---------------------------------------------------------------------


def test_a_row_shows_first_author_electrolyte_doi_and_says_why_a_figure_is_missing(client):
    html = client.get(URL, {"electrolyte": "lgps-o"}).content.decode()
    assert "Sun et al." in html
    assert "O-substituted LGPS" in html and "LGPS-type thio-LISICON" in html
    # No CCD in the source that was read: said so, not a bare dash.
    assert '<span class="none not-stated">not stated in the abstract</span>' in html
    assert 'href="https://doi.org/' in html


def test_two_author_paper_is_named_with_both(client):
    html = client.get(URL, {"electrolyte": "li7p3s11", "interlayer": "li3n"}).content.decode()
    assert "Kızılaslan &amp; Akbulut" in html


def test_each_active_filter_has_a_link_that_removes_just_it(client):
    response = client.get(URL, {"family": ["garnet", "nasicon"], "ccd_min": "1", "q": "", "page": "1"})
    active = {(f.label, f.value): f.url for f in response.context["active"]}
    assert active == {
        ("Electrolyte family", "Garnet oxide"): "?family=nasicon&ccd_min=1&q=",
        ("Electrolyte family", "NASICON phosphate"): "?family=garnet&ccd_min=1&q=",
        ("Best CCD at least (mA/cm²)", "1"): "?family=garnet&family=nasicon&q=",
    }
    html = response.content.decode()
    assert (
        '<span class="visually-hidden">Remove filter </span>Electrolyte family: <strong>Garnet oxide</strong>'
        in html
    )


@pytest.mark.parametrize(
    ("url", "formats"),
    [
        ("/studies/?family=garnet", ["csv", "json", "bib", "ris", "csl"]),
        ("/references/", ["json", "bib", "ris", "csl"]),
    ],
)
def test_a_list_links_every_format_it_serves(client, url, formats):
    page = client.get(url).content.decode().replace("&amp;", "&")
    for name in formats:
        assert f"format={name}" in page, name
        assert client.get(url, {"format": name}).status_code == 200
    assert ">CSL-JSON</a>" in page and 'value="csl"' in page
