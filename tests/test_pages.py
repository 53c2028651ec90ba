"""Every page answers 200 with exactly one <h1>; list and detail pages run a fixed number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interfaces.models import Electrolyte, InterlayerMaterial, Study
from references.models import Reference

pytestmark = pytest.mark.django_db


def every_url() -> list[str]:
    urls = ["/", "/studies/", "/electrolytes/", "/interlayers/", "/references/", "/studies/?page=2"]
    urls += ["/about/", "/data/", "/api/"]
    urls += ["/studies/charts/", "/studies/charts/?family=garnet"]
    urls += ["/matrix/", "/matrix/?by=strategy&open=garnet"]
    first, second = Study.objects.order_by("pk").values_list("pk", flat=True)[:2]
    urls += [f"/compare/?id={first}&id={second}"]
    urls += [study.get_absolute_url() for study in Study.objects.all()]
    urls += [electrolyte.get_absolute_url() for electrolyte in Electrolyte.objects.all()]
    urls += [material.get_absolute_url() for material in InterlayerMaterial.objects.all()]
    urls += [reference.get_absolute_url() for reference in Reference.objects.all()]
    return urls


def test_crawl_every_page(client):
    urls = every_url()
    assert len(urls) > 100
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert len(re.findall(r"<h1[\s>]", html)) == 1, url
        assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html, url
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), f"duplicate id on {url}"


def test_every_link_on_the_overview_and_lists_works(client):
    seen = set()
    for page in ["/", "/studies/", "/electrolytes/", "/interlayers/", "/references/", "/matrix/"]:
        html = client.get(page).content.decode()
        for href in re.findall(r'href="(/[^"#]*)"', html):
            href = href.replace("&amp;", "&")
            if href in seen or href.startswith("/static/"):
                continue
            seen.add(href)
            assert client.get(href).status_code == 200, f"{href} (linked from {page})"
    assert len(seen) > 50


def test_tables_have_column_headers_and_forms_are_labelled(client):
    for url in ["/studies/", "/references/", "/electrolytes/", "/interlayers/", "/studies/2/"]:
        html = client.get(url).content.decode()
        assert html.count("<th ") == html.count('<th scope="col"'), url
    html = client.get("/studies/").content.decode()
    for control_id in re.findall(r'<(?:input|select)[^>]*\bid="(id_[^"]+)"', html):
        assert f'for="{control_id}"' in html, control_id


def test_the_navigation_marks_the_current_section(client):
    html = client.get("/electrolytes/llzo/").content.decode()
    assert '<a href="/electrolytes/" aria-current="page">Electrolytes</a>' in html
    study = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    for url, section in [
        ("/electrolytes/llzo/", "Electrolytes"),
        ("/interlayers/si/", "Interlayers"),
        ("/references/deng2020tuning/", "References"),
        (study.get_absolute_url(), "Studies"),
        ("/matrix/", "Matrix"),
    ]:
        html = client.get(url).content.decode()
        navigation = html[html.index('<nav aria-label="Main">') :]
        navigation = navigation[: navigation.index("</nav>")]
        assert re.findall(r'aria-current="page">([^<]*)<', navigation) == [section], url  # only it


# -- query counts -----------------------------------------------------------------------
# The same for one row as for all rows: nothing is fetched per row.


def one_study_id() -> int:
    return Study.objects.get(key="deng2020tuning-li3po4-llzto").pk


@pytest.mark.parametrize("one_row", [True, False])
def test_study_list_queries(client, django_assert_num_queries, one_row):
    # Drawn for the first time: the page's ids, the keys of its rows (id, version, time), the
    # facets, which also give the sidebar its options (the rows found are the sum of the family
    # counts, not a count of their own), then the rows to draw with their 3 prefetches (layers,
    # authors, measurements), and the papers for Zotero's COinS with their authors. The facets:
    # the last study's id (which parts of the studies there are), the studies found counted by
    # electrolyte, strategy and method in one query and by material and interlayer kind in
    # another (part by part); then the electrolytes with their families, and the materials.
    params = {"id": one_study_id()} if one_row else {}
    with django_assert_num_queries(13):
        response = client.get("/studies/", params)
    assert len(response.context["page_obj"].object_list) == (1 if one_row else 25)
    # Again: the rows' keys alone; the ids, counts, drawn rows and papers come from the cache.
    with django_assert_num_queries(1):
        again = client.get("/studies/", params)
    assert again.content == response.content


@pytest.mark.parametrize("url", ["/studies/", "/references/", "/"])
def test_a_records_parts_are_read_without_joining_their_record(client, url):
    """A study's layers and figures and a paper's authors, read for the rows a page draws, are
    ordered within their study or paper by its id: their models' ordering names that record,
    which would join it to order by its own ordering."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    owners = {
        '"interfaces_studyinterlayer"': '"interfaces_study"',
        '"interfaces_measurement"': '"interfaces_study"',
        '"references_authorship"': '"references_reference"',
    }
    read = 0
    for query in (q["sql"] for q in queries.captured_queries):
        for parts, owner in owners.items():
            prefetch = rf"WHERE {parts}\.\"\w+_id\" IN"
            if re.search(rf"FROM {parts} (INNER|LEFT)", query) and re.search(prefetch, query):
                read += 1
                assert f"JOIN {owner}" not in query, query
    assert read  # the rows' parts were read


@pytest.mark.parametrize("params", [{"family": "garnet"}, {"family": ["garnet", "lgps"], "sort": "-ccd"}])
def test_study_list_queries_with_a_slug_filter(client, django_assert_num_queries, params):
    # one more to check the family slugs exist, one for the ids of the family's electrolytes (what
    # its counts are kept by)
    with django_assert_num_queries(15):
        client.get("/studies/", params)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"family": "garnet"},
        {"interlayer_kind": ["oxide", "metal"]},
        {"q": "Li", "strategy": "artificial-interlayer"},
        {"ccd_min": "0.5", "sort": "-ccd"},
        {"q": "unobtainium"},
    ],
)
def test_the_rows_found_are_counted_right_without_a_count_query(client, params):
    response = client.get("/studies/", params)
    paginator = response.context["page_obj"].paginator
    assert paginator.count == response.context["filter"].qs.count()
    assert f"{paginator.count} stud" in response.content.decode()


@pytest.mark.parametrize("one_row", [True, False])
def test_reference_list_queries(client, django_assert_num_queries, one_row):
    params = {"citekey": "deng2020tuning"} if one_row else {}
    # count, the page's ids, its papers' keys, then the papers to draw, with their authors
    with django_assert_num_queries(5):
        response = client.get("/references/", params)
    assert len(response.context["page_obj"].object_list) == (1 if one_row else 30)
    with django_assert_num_queries(1):  # again: the keys; the count, ids and rows are cached
        again = client.get("/references/", params)
    assert again.content == response.content


@pytest.mark.parametrize(
    "url, queries",
    [
        # The overview's counts (cached afterwards): the unfiltered list's facets (5), the families
        # and three counts; then the latest studies with their prefetches, the latest release's review.
        ("/", 14),  # 13, and the founding review the overview links to
        ("/about/", 12),  # the overview's and the figures' counts, the review, its authors
        ("/data/", 2),  # the founding review and its authors; releases are files
        ("/api/", 0),
        ("/electrolytes/", 2),
        ("/interlayers/", 1),
        ("/electrolytes/llzto/", 5),  # 1 study
        ("/electrolytes/llzo/", 5),  # 7 studies
        ("/interlayers/li3po4/", 5),  # 1 study
        ("/interlayers/si/", 5),  # 2 studies
        ("/references/deng2020tuning/", 6),
        # the review: no study of its own; the families whose stability it states (1) and the
        # studies whose figures were read in it, with their prefetches (4)
        ("/references/kim2023interfacial/", 8),
        ("/references/deng2020tuning.bib", 2),
    ],
)
def test_page_queries(client, django_assert_num_queries, url, queries):
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "key, queries",
    [
        # study with its prefetches (4); the ids and record keys of the latest studies of its
        # family (1) and of those sharing an interlayer (1), then those named read for their
        # mentions with their prefetches (3 + 3); the last study's id (1), the family's
        # electrolytes' ids (1), the digests of the family's figures part by part (1), and the
        # figures the strips are drawn from (1)
        ("luo2016transition-si-llzo", 16),
        ("kato2016enhancing-au-lps", 16),
        ("xu2018interface-lif-lii-li7p3s11", 16),  # LiF is shared with a study beyond the review
        # no other study shares the interlayer: none to read for a mention
        ("deng2020tuning-li3po4-llzto", 13),
        # no interlayer: nothing related by interlayer to look up
        ("doux2020stack-pressure-li6ps5cl", 12),
    ],
)
def test_study_detail_queries(client, django_assert_num_queries, key, queries):
    url = Study.objects.get(key=key).get_absolute_url()
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url, params",
    [
        ("/studies/", {}),
        ("/studies/", {"sort": "-ccd"}),
        ("/studies/", {"sort": "year"}),
        ("/studies/", {"sort": "-electrolyte"}),
        ("/studies/", {"q": "Li"}),
        ("/references/", {}),
        ("/references/", {"sort": "author"}),
    ],
)
def test_pages_past_the_middle_read_from_the_end_hold_the_same_rows(client, url, params, monkeypatch):
    """Every page, read from whichever end is nearer, holds the rows of one pass through the list."""
    from django.core.paginator import Paginator

    from atlas import pagination

    def rows(page_class) -> list:
        monkeypatch.setattr(pagination, "FromEitherEnd", page_class)
        pages = client.get(url, params).context["page_obj"].paginator.num_pages
        assert pages >= 3
        return [
            [str(row.pk) for row in client.get(url, params | {"page": n}).context["page_obj"].object_list]
            for n in range(1, pages + 1)
        ]

    from_either_end = rows(pagination.FromEitherEnd)
    assert from_either_end == rows(Paginator)
    flat = [pk for page in from_either_end for pk in page]
    assert len(flat) == len(set(flat))


def test_the_about_page_says_where_the_figures_were_read(client):
    from interfaces.models import Measurement as Figure

    where = client.get("/about/").context["read_where"]
    assert where["total"] == Figure.objects.count()
    full_text = Figure.objects.filter(source="full-text").count()
    assert dict(where["sources"])["The paper's full text"] == full_text
    on_github = Figure.objects.filter(source_url__contains="github.com/").count()
    assert dict(where["sites"])["a public code repository"] == on_github
    areal = Figure.objects.filter(areal_capacity_mah_cm2__isnull=False).count()
    assert dict(where["conditions"])["areal capacity"] == areal
    html = client.get("/about/").content.decode()
    assert f"Where the atlas's {where['total']} figures were read" in html
