"""The read-only API: the HTML lists' rows, filters and pages as JSON, in the exports' shapes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.validation import validate_schema

from interfaces.models import Study
from tests.helpers import STUDY_FILTERS, csv_rows, make_study

pytestmark = pytest.mark.django_db

STUDY_QUERIES = [
    "",
    "family=garnet",
    "family=garnet&sort=-ccd",
    "strategy=artificial-interlayer&method=ald",
    "q=Li3PO4",
    "ccd_min=1&year_min=2015",
    "interlayer_kind=oxide&sort=year",
]


def api_pages(client, url: str) -> list[dict]:
    """Every result of an API list, following `next` as a script would."""
    results, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        results += body["results"]
        url, pages = body["next"], pages + 1
        assert pages <= body["num_pages"]
    return results


@pytest.mark.parametrize("query", STUDY_QUERIES)
def test_studies_page_by_page_equal_the_html_list(client, query):
    html = client.get(f"/studies/?{query}")
    api = client.get(f"/api/studies/?{query}").json()
    paginator = html.context["page_obj"].paginator
    assert api["count"] == paginator.count and api["num_pages"] == paginator.num_pages
    for number in paginator.page_range:
        shown = [s.pk for s in client.get(f"/studies/?{query}&page={number}").context["page_obj"]]
        api_page = client.get(f"/api/studies/?{query}&page={number}").json()
        assert [s["id"] for s in api_page["results"]] == shown


@pytest.mark.parametrize("query", STUDY_QUERIES)
def test_studies_have_the_shape_of_the_json_export(client, query):
    export = client.get(f"/studies/?{query}&format=json").json()["results"]
    api = api_pages(client, f"/api/studies/?{query}&page_size=7")
    assert api == [row | {"url": f"http://testserver{row['url']}"} for row in export]


def test_a_notebook_pages_through_the_garnet_studies(client):
    first = client.get("/api/studies/", {"family": "garnet", "page_size": 10}).json()
    assert first["previous"] is None and first["next"].startswith("http://testserver/api/studies/?")
    assert "family=garnet" in first["next"] and "page=2" in first["next"]
    studies = api_pages(client, "/api/studies/?family=garnet&page_size=10")
    assert len(studies) == first["count"] == Study.objects.filter(electrolyte__family__slug="garnet").count()
    assert {s["electrolyte"]["family"]["slug"] for s in studies} == {"garnet"}


def test_study_detail_is_the_export_row(client):
    study = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    row = client.get(f"/studies/?id={study.pk}&format=json").json()["results"][0]
    assert client.get(f"/api/studies/{study.pk}/").json() == row | {"url": f"http://testserver{row['url']}"}
    assert row["reference"]["doi"] == "10.1002/adma.202000030"


def test_measurements_are_the_rows_of_the_csv_export(client):
    rows = [r for r in csv_rows(client.get("/studies/?family=garnet&format=csv")) if r["measurement_id"]]
    api = api_pages(client, "/api/measurements/?family=garnet&page_size=100")
    assert sorted(m["id"] for m in api) == sorted(int(r["measurement_id"]) for r in rows)
    by_id = {int(r["measurement_id"]): r for r in rows}
    for m in api:
        assert (
            m["study"] == int(by_id[m["id"]]["study_id"])
            and m["study_url"] == f"http://testserver/studies/{m['study']}/"
        )
        assert m["control"] == (int(by_id[m["id"]]["control_id"]) if by_id[m["id"]]["control_id"] else None)
    ccd = api_pages(client, "/api/measurements/?family=garnet&quantity=ccd")
    assert ccd and {m["quantity"] for m in ccd} == {"ccd"}
    assert len(ccd) == sum(r["quantity"] == "ccd" for r in rows)


@pytest.mark.parametrize("query", ["", "year_min=2020", "q=garnet", "author=Kim&journal=Nature"])
def test_references_equal_the_html_list(client, query):
    html = client.get(f"/references/?{query}")
    shown = [
        r.citekey
        for page in html.context["page_obj"].paginator.page_range
        for r in client.get(f"/references/?{query}&page={page}").context["page_obj"]
    ]
    api = api_pages(client, f"/api/references/?{query}")
    assert [r["citekey"] for r in api] == shown
    export = client.get(f"/references/?{query}&format=json").json()["results"]
    assert sorted(api, key=lambda r: r["citekey"]) == sorted(export, key=lambda r: r["citekey"])
    assert client.get(f"/api/references/?{query}").json()["page_size"] == 30  # as the HTML list


def test_electrolytes_interlayers_and_families_as_their_pages_list_them(client):
    html = client.get("/electrolytes/")
    shown = [e.slug for family in html.context["families"] for e in family.electrolytes.all()]
    assert [e["slug"] for e in api_pages(client, "/api/electrolytes/")] == shown
    shown = [m.slug for m in client.get("/interlayers/").context["materials"]]
    interlayers = api_pages(client, "/api/interlayers/")
    assert [m["slug"] for m in interlayers] == shown
    families = api_pages(client, "/api/families/")
    shown = [f.slug for f in client.get("/").context["families"]]
    assert [f["slug"] for f in families] == shown
    garnet = client.get("/api/families/garnet/").json()
    assert garnet["label"] == "Garnet oxide" and garnet["forms_stable_interphase"] is True
    assert garnet["study_count"] == Study.objects.filter(electrolyte__family__slug="garnet").count()
    llzto = client.get("/api/electrolytes/llzto/").json()
    assert (
        llzto["family"] == {"slug": "garnet", "label": "Garnet oxide"}
        and llzto["url"] == "http://testserver/electrolytes/llzto/"
    )
    assert (
        client.get("/api/references/kim2023interfacial/").json()["journal"]
        == "Corrosion Science and Technology"
    )


@pytest.mark.parametrize(
    "url, status, parameter",
    [
        ("/api/studies/?family=atlantis", 400, "family"),
        ("/api/studies/?ccd_min=lots", 400, "ccd_min"),
        ("/api/studies/?year_min=99", 400, "year_min"),
        ("/api/studies/?sort=best", 400, "sort"),
        ("/api/studies/?page_size=1000", 400, "page_size"),
        ("/api/studies/?page=0", 400, "page"),
        ("/api/studies/?page=999", 404, "page"),
        ("/api/studies/123456789/", 404, "id"),
        ("/api/studies/abc/", 404, "id"),
        ("/api/measurements/?quantity=mass", 400, "quantity"),
        ("/api/references/?citekey=a%20b", 400, "citekey"),
        ("/api/references/nobody2099/", 404, "citekey"),
        ("/api/electrolytes/unobtainium/", 404, "slug"),
    ],
)
def test_errors_are_json_and_name_the_parameter(client, url, status, parameter):
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] and list(body["errors"]) == [parameter] and body["errors"][parameter][0]


def test_a_repeated_request_with_the_etag_is_304(client):
    first = client.get("/api/studies/?family=garnet")
    etag, modified = first["ETag"], first["Last-Modified"]
    again = client.get("/api/studies/?family=garnet", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert client.get("/api/studies/?family=garnet", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get("/api/studies/?family=nasicon", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_change_of_the_data_changes_the_etag(client):
    etag = client.get("/api/studies/")["ETag"]
    make_study(key="new-study")
    response = client.get("/api/studies/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert response.json()["results"][0]["key"] == "new-study"


def test_cors_lets_any_origin_read_the_api_only(client):
    response = client.get("/api/families/", HTTP_ORIGIN="https://notebook.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/families/", HTTP_ORIGIN="https://x.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    assert not client.get("/studies/", HTTP_ORIGIN="https://x.example").has_header(
        "Access-Control-Allow-Origin"
    )


def test_the_api_is_read_only(client):
    study = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    before = client.get(f"/api/studies/{study.pk}/").json()
    for url in ("/api/studies/", "/api/families/", "/api/references/"):
        assert client.post(url, {}).status_code == 405, url
    for url in (f"/api/studies/{study.pk}/", "/api/families/garnet/", "/api/references/deng2020tuning/"):
        for method in (client.put, client.patch, client.delete):
            response = method(url, {"summary": "Changed"}, content_type="application/json")
            assert response.status_code == 405, (method.__name__, url)
    assert client.get(f"/api/studies/{study.pk}/").json() == before


def _api_routes() -> set[str]:
    """The API's URL patterns, as OpenAPI paths."""
    resolver = next(
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "api/"
    )
    routes = set()
    for pattern in resolver.url_patterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        if "openapi" in route or route == "":
            continue
        for name in ("id", "slug", "citekey"):
            route = route.replace(f"(?P<{name}>[^/.]+)", f"{{{name}}}").replace(
                f"(?P<{name}>[-a-zA-Z0-9_]+)", f"{{{name}}}"
            )
        routes.add("/api/" + route)
    return routes


def test_the_openapi_document_validates_and_matches_the_routes(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate_schema(document)  # raises on an invalid OpenAPI 3 document
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == _api_routes()
    studies = document["paths"]["/api/studies/"]["get"]
    params = {p["name"] for p in studies["parameters"]}
    html_filters = {*STUDY_FILTERS, "id", "sort"}
    assert params == html_filters | {"page", "page_size"}
    assert set(studies["responses"]) == {"200", "304", "400", "404"}
    references = document["paths"]["/api/references/"]["get"]
    assert {p["name"] for p in references["parameters"]} == {
        "q",
        "author",
        "journal",
        "year_min",
        "year_max",
        "citekey",
        "page",
        "page_size",
    }


def test_the_docs_page_explains_the_api(client):
    response = client.get("/api/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'href="/api/openapi.json"' in text and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in text
    assert "page_size" in text and "requests.get" in text


def test_the_list_needs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    client.get("/api/studies/?page_size=5")  # the last change date and the list's count are cached
    # The page's ids, its rows' keys, then the rows to write, with three prefetches.
    with django_assert_max_num_queries(6):
        page = client.get("/api/studies/?page_size=100").json()
    assert len(page["results"]) > 50
    with django_assert_max_num_queries(1):  # again: the keys; the ids and documents are cached
        assert client.get("/api/studies/?page_size=100").json() == page
    with django_assert_max_num_queries(7):  # a new filter counts its rows once
        client.get("/api/studies/?family=garnet&sort=-ccd")
    with django_assert_max_num_queries(6):
        client.get("/api/studies/?family=garnet&sort=-ccd&page=2&page_size=5")
    client.get("/api/measurements/?page_size=5")
    with django_assert_max_num_queries(2):
        client.get("/api/measurements/?page_size=100")


def test_the_last_page_is_read_from_the_end_as_the_html_list_does(client):
    first = client.get("/api/studies/?sort=-ccd&page_size=10").json()
    with CaptureQueriesContext(connection) as last_queries:
        last = client.get(f"/api/studies/?sort=-ccd&page_size=10&page={first['num_pages']}").json()
    # The page's ids are read in the reversed order, skipping none of them, not past all the others.
    (ids,) = [q["sql"] for q in last_queries.captured_queries if 'AS "pk" FROM' in q["sql"]]
    assert "OFFSET" not in ids.upper()
    everything = [s["id"] for s in client.get("/studies/?sort=-ccd&format=json").json()["results"]]
    assert [s["id"] for s in last["results"]] == everything[(first["num_pages"] - 1) * 10 :]


def test_a_new_study_is_counted_at_once(client):
    before = client.get("/api/studies/?family=garnet").json()["count"]
    make_study()
    assert client.get("/api/studies/?family=garnet").json()["count"] == before + 1


@pytest.mark.parametrize("path", ["/api/nothing/", "/api/studies/1/nothing/", "/api/openapi.yaml"])
def test_an_api_address_that_names_nothing_answers_in_the_apis_json(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"error": "not found", "errors": {"path": [f"The API has no address {path}."]}}
    assert "<html" in client.get("/nothing/").content.decode()  # the site's own page elsewhere


def test_a_page_number_of_any_length_past_the_end_is_not_found(client):
    response = client.get("/api/studies/", {"page": "9" * 30})
    assert response.status_code == 404 and "the last page is" in response.json()["errors"]["page"][0]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/studies/", "family"),
        ("/api/studies/", "strategy"),
        ("/api/measurements/", "quantity"),
        ("/studies/", "family"),
    ],
)
def test_a_blank_choice_chooses_nothing_as_an_unticked_box_does(client, path, name):
    everything = client.get(path)
    blank = client.get(path, {name: ""})
    assert blank.status_code == 200
    if path.startswith("/api/"):
        assert blank.json()["count"] == everything.json()["count"]
    both = client.get(path, {name: ["", "garnet" if name == "family" else ""]})
    assert both.status_code == 200


def test_a_client_that_asks_for_json_gets_an_index_of_the_lists(client):
    response = client.get("/api/", HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("application/json") and "Accept" in response["Vary"]
    index = response.json()
    assert set(index) == {
        "studies",
        "measurements",
        "references",
        "electrolytes",
        "interlayers",
        "families",
        "openapi",
        "docs",
    }
    assert index["studies"] == "http://testserver/api/studies/"
    for url in index.values():
        assert client.get(url.removeprefix("http://testserver")).status_code == 200
    # A browser, or a client that takes anything, gets the documentation page.
    assert "text/html" in client.get("/api/", HTTP_ACCEPT="text/html,*/*;q=0.8")["Content-Type"]
    assert "text/html" in client.get("/api/", HTTP_ACCEPT="*/*")["Content-Type"]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/studies/?familly=garnet", "familly"),
        ("/api/measurements/?quantities=ccd", "quantities"),
        ("/api/references/?authors=Han", "authors"),
        ("/api/families/?sort=name", "sort"),
        ("/api/studies/?id=1&sort=year&colour=red", "colour"),
    ],
)
def test_an_unknown_parameter_is_refused_by_name(client, url, name):
    response = client.get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid parameters" and list(body["errors"]) == [name]
    assert "Not a parameter of this address" in body["errors"][name][0]


def test_a_record_takes_no_filter(client):
    study = Study.objects.first()
    assert client.get(f"/api/studies/{study.pk}/").status_code == 200
    assert client.get(f"/api/studies/{study.pk}/", {"family": "garnet"}).status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/studies/",
        "/api/measurements/?family=garnet",
        "/api/electrolytes/",
        "/api/interlayers/",
        "/api/families/",
    ],
)
def test_every_address_in_a_record_is_absolute_and_answers(client, path):
    records = api_pages(client, path + ("&" if "?" in path else "?") + "page_size=100")
    addresses = [r[name] for r in records for name in ("url", "study_url") if name in r]
    assert addresses and all(a.startswith("http://testserver/") for a in addresses)
    for address in set(addresses[:40]):
        assert client.get(address.removeprefix("http://testserver")).status_code == 200


def test_behind_a_tls_proxy_the_addresses_are_https(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "atlas.example.org"]
    study = Study.objects.first()
    record = client.get(
        f"/api/studies/{study.pk}/", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="atlas.example.org"
    ).json()
    assert record["url"] == f"https://atlas.example.org/studies/{study.pk}/"
