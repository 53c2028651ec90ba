"""What a study list row says: its stack and strategy as its name; the sidebar's counts; sorts;
the bibliography's orders and background references; the overview's families without studies."""

import re

import pytest

from interfaces.models import ElectrolyteFamily, Study
from references.models import Reference
from tests.helpers import every_page

pytestmark = pytest.mark.django_db
URL = "/studies/"


def title_of(client, key: str) -> str:
    study = Study.objects.get(key=key)
    html = client.get(URL, {"id": study.pk}).content.decode()
    [title] = re.findall(r'class="study-link">(.*?)</a>', html)
    return re.sub(r"</?sub>", "", title)


@pytest.mark.parametrize(
    "key, title",
    [
        ("han2017negating-al2o3-llczn", "Li | Al2O3 (ALD) | LLCZN"),  # artificial interlayer
        ("deng2020tuning-li3po4-llzto", "Li | Li3PO4 (ALD, 10 nm) | LLZTO"),
        ("anon2022situ-liin-llzo", "Li–In alloy (40–90 at% Li) anode on LLZO"),  # anode design
        ("park2024rationally-liag-lpscl", "Li–Ag alloy anode on Li6PS5Cl"),
        ("doux2020stack-pressure-li6ps5cl", "Stack pressure 5–75 MPa on Li6PS5Cl"),  # other
        ("cheng2015effect-microstructure-al-llzo", "Grain size 20–40 µm on Al-substituted LLZO"),
        ("han2024borohydride-bh4substitution-lpscl-bh4", "Electrolyte composition: "),  # composition
    ],
)
def test_a_row_is_named_by_what_was_done(client, key, title):
    assert title_of(client, key).replace("\xa0", " ").startswith(title)


def test_a_row_names_its_authors_and_year_below_and_pairs_a_figure_with_its_control(client):
    study = Study.objects.get(key="han2017negating-al2o3-llczn")
    html = client.get(URL, {"id": study.pk}).content.decode()
    assert '<span class="sub">Han et al. 2017 · Artificial interlayer</span>' in html
    text = re.sub(r"<[^>]+>", "", html)
    assert "1 ←, control 1710" in text  # the arrow is read out as "control"


@pytest.mark.parametrize(
    "params", [{}, {"family": "garnet"}, {"strategy": "artificial-interlayer", "q": "Li"}, {"year_min": 2020}]
)
def test_the_count_beside_every_option_equals_the_rows_that_option_adds(client, params):
    response = client.get(URL, params)
    studies = list(response.context["filter"].qs)
    facets = response.context["facet"]
    for v in facets["electrolyte"].values:
        assert v.count == sum(s.electrolyte.slug == v.value for s in studies), v
    for v in facets["interlayer"].values:
        assert v.count == sum(
            any(layer.material.slug == v.value for layer in s.layers.all()) for s in studies
        )
    html = response.content.decode()
    for facet in facets.values():
        for v in facet.values:
            if v.count or facet.param not in {"electrolyte", "interlayer"}:
                assert f'value="{v.value}"' in html
    # An option with none among the results is greyed, not offered as if it held some.
    empty = [v for f in facets.values() for v in f.values if not v.count]
    if empty:
        assert 'class="choice empty"' in html


def test_sort_by_first_author_both_ways(client):
    names = [s.reference.first_author_label for s in client.get(URL, {"sort": "author"}).context["page_obj"]]
    assert names == sorted(names, key=str.casefold) or names[0] <= names[-1]
    descending = client.get(URL, {"sort": "-author"})
    assert descending.context["page_obj"][0].reference.first_author_label >= names[0]
    assert 'aria-sort="descending"' in descending.content.decode()
    # Every page, both ways: one order and its reverse (whatever the database's collation), and
    # the papers without an author after the others either way.
    ascending = [s.reference.first_author_label for s in every_page(client, {"sort": "author"})]
    backwards = [s.reference.first_author_label for s in every_page(client, {"sort": "-author"})]
    named = Study.objects.filter(reference__authorships__isnull=False).distinct().count()
    assert len(ascending) == len(backwards) == Study.objects.count() and named > 1
    assert backwards[:named] == ascending[:named][::-1] and ascending[0] != ascending[named - 1]
    assert ascending[named:] == backwards[named:] == ["Authors not yet recorded"] * (len(ascending) - named)


def test_the_references_sort_by_year_author_and_studies_and_mark_background_ones(client):
    by_studies = client.get("/references/", {"sort": "-studies"}).context["page_obj"].object_list
    counts = [r.study_count for r in by_studies]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 1 and 0 not in counts[:10]
    oldest = client.get("/references/", {"sort": "year"}).context["page_obj"].object_list
    years = [r.year for r in oldest if r.year]
    assert years == sorted(years)
    authors = client.get("/references/", {"sort": "author"}).context["page_obj"].object_list
    assert [r.first_author for r in authors] == sorted(r.first_author for r in authors)
    response = client.get("/references/", {"sort": "studies"})
    html = response.content.decode()
    page = response.context["page_obj"].object_list
    background = [r for r in page if r.study_count == 0 and r.citekey != "kim2023interfacial"]
    assert background and Reference.objects.filter(studies__isnull=True).count() > len(background)
    assert html.count("background, no study</span>") == len(background)
    assert "the founding review</span>" in html
    bad = client.get("/references/", {"sort": "nonsense"})
    assert bad.status_code == 200 and "is not an order this list offers" in bad.content.decode()


def test_the_overview_says_no_study_yet_for_an_empty_family(client):
    ElectrolyteFamily.objects.get_or_create(slug="empty-test", defaults={"label": "Empty test family"})
    html = client.get("/").content.decode()
    assert "no study yet" in html
    assert '<span class="card-title">Empty test family</span>' in html
    assert 'href="/references/kim2023interfacial/">the founding review</a>' in html
