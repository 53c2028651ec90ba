"""Cache-Control and validators: public pages kept by caches and revalidated with 304s, anything
personal never kept."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from interfaces.models import Electrolyte, InterlayerMaterial, Study
from references.models import Reference


def public_pages() -> list[str]:
    study = Study.objects.order_by("pk").first()
    reference = Reference.objects.order_by("pk").first()
    return [
        "/",
        "/studies/",
        "/studies/?q=LLZO&sort=-ccd",
        study.get_absolute_url(),
        "/studies/charts/",
        "/matrix/",
        "/references/",
        reference.get_absolute_url(),
        "/electrolytes/",
        Electrolyte.objects.order_by("pk").first().get_absolute_url(),
        "/interlayers/",
        InterlayerMaterial.objects.order_by("pk").first().get_absolute_url(),
        "/about/",
        "/data/",
        "/feeds/studies.atom",
        "/sitemap.xml",
        "/robots.txt",
        "/api/studies/",
        f"/api/studies/{study.pk}/",
        "/api/references/",
    ]


def is_public(response, settings) -> bool:
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    return control == {
        "public",
        f"max-age={settings.PUBLIC_MAX_AGE}",
        f"stale-while-revalidate={settings.PUBLIC_STALE_SECONDS}",
    }


def is_never_kept(response) -> bool:
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    return {"private", "no-store"} <= control and "public" not in control


@pytest.mark.django_db
@pytest.mark.parametrize("etags_from_data_version", [False, True], ids=["body etag", "data-version etag"])
def test_every_public_page_may_be_kept_and_is_revalidated_with_a_304(
    client, settings, etags_from_data_version
):
    settings.ETAGS_FROM_DATA_VERSION = etags_from_data_version
    for url in public_pages():
        response = client.get(url)
        assert response.status_code == 200, url
        assert is_public(response, settings), (url, response["Cache-Control"])
        assert "Cookie" in response["Vary"], url
        assert response.has_header("ETag"), url
        again = client.get(url, headers={"If-None-Match": response["ETag"]})
        assert again.status_code == 304 and not again.content, url
        assert again["ETag"] == response["ETag"] and again["Cache-Control"] == response["Cache-Control"], url


@pytest.mark.django_db
def test_a_copy_that_still_holds_costs_no_query(client, settings, django_assert_num_queries):
    settings.ETAGS_FROM_DATA_VERSION = True
    etag = client.get("/studies/")["ETag"]
    with django_assert_num_queries(0):
        assert client.get("/studies/", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.django_db
@pytest.mark.parametrize("etags_from_data_version", [False, True], ids=["body etag", "data-version etag"])
def test_a_save_makes_every_kept_copy_stale(client, settings, etags_from_data_version):
    settings.ETAGS_FROM_DATA_VERSION = etags_from_data_version
    study = Study.objects.order_by("pk").first()
    etag = client.get(study.get_absolute_url())["ETag"]
    study.summary = "A corrected summary, saved by a curator."
    study.save()
    response = client.get(study.get_absolute_url(), headers={"If-None-Match": etag})
    assert response.status_code == 200 and b"A corrected summary" in response.content
    assert response["ETag"] != etag


@pytest.mark.django_db
def test_a_new_release_makes_the_pages_kept_copies_stale(client, settings, tmp_path):
    settings.ETAGS_FROM_DATA_VERSION = True
    settings.RELEASES_DIR = tmp_path
    etag = client.get("/data/")["ETag"]
    (tmp_path / "1.0.0").mkdir()
    assert client.get("/data/", headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.django_db
def test_the_ages_are_the_settings(client, settings):
    settings.PUBLIC_MAX_AGE, settings.PUBLIC_STALE_SECONDS = 5, 7
    assert client.get("/studies/")["Cache-Control"] == "public, max-age=5, stale-while-revalidate=7"


@pytest.mark.django_db
@pytest.mark.parametrize("etags_from_data_version", [False, True], ids=["body etag", "data-version etag"])
def test_a_signed_in_curator_is_never_served_a_kept_copy(client, curator, settings, etags_from_data_version):
    settings.ETAGS_FROM_DATA_VERSION = etags_from_data_version
    study = Study.objects.order_by("pk").first()
    public_etag = Client().get(study.get_absolute_url())["ETag"]
    for url in [
        study.get_absolute_url(),
        "/studies/",
        "/api/studies/",
        "/admin/",
        "/admin/interfaces/study/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert is_never_kept(response) and "Cookie" in response["Vary"], (url, response["Cache-Control"])
    # The anonymous page's ETag is no answer to a curator: they see their save at once.
    study.summary = "Saved a moment ago."
    study.save()
    response = client.get(study.get_absolute_url(), headers={"If-None-Match": public_etag})
    assert response.status_code == 200 and b"Saved a moment ago." in response.content


@pytest.mark.django_db
def test_a_form_with_a_csrf_token_is_never_kept(client):
    study = Study.objects.order_by("pk").first()
    response = client.get(f"/studies/{study.pk}/report/")
    assert b"csrfmiddlewaretoken" in response.content
    assert is_never_kept(response) and "Cookie" in response["Vary"]
    assert not response.has_header("ETag")


@pytest.mark.django_db
def test_writes_and_sign_ins_are_never_kept(client):
    study = Study.objects.order_by("pk").first()
    assert is_never_kept(client.post(f"/studies/{study.pk}/report/", {"message": ""}))
    User.objects.create_user("carla", password="pw", is_staff=True)
    login = client.get("/admin/login/")
    assert is_never_kept(login)
    assert is_never_kept(client.post("/admin/login/", {"username": "carla", "password": "pw"}))


@pytest.mark.django_db
def test_an_answer_no_reader_should_keep_is_not_stored(client):
    response = client.get("/api/studies/?family=no-such-family")
    assert response.status_code == 400 and response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_the_health_check_keeps_its_own_never_cache(client):
    response = client.get("/health/")
    assert "no-cache" in response["Cache-Control"] and "public" not in response["Cache-Control"]


@pytest.mark.django_db
def test_while_the_cache_is_away_the_etag_is_the_bodys(client, settings, monkeypatch):
    settings.ETAGS_FROM_DATA_VERSION = True
    monkeypatch.setattr("atlas.freshness.data_version", lambda: None)
    response = client.get("/studies/")
    assert is_public(response, settings) and not response["ETag"].startswith("W/")
    assert client.get("/studies/", headers={"If-None-Match": response["ETag"]}).status_code == 304


@pytest.mark.django_db
def test_every_public_answer_is_rendered_once_per_data_version(client, settings, django_assert_num_queries):
    """With one shared data version, the second reader of an address gets the first one's answer,
    byte for byte and with the same headers, without a view or a query running."""
    settings.ETAGS_FROM_DATA_VERSION = True
    for url in public_pages():
        first = client.get(url)
        with django_assert_num_queries(0):
            again = Client().get(url)
        assert again.status_code == 200 and again.content == first.content, url
        for header in ["Content-Type", "ETag", "Cache-Control", "Vary", "X-Frame-Options"]:
            assert again.get(header) == first.get(header), (url, header)


@pytest.mark.django_db
def test_a_kept_answer_is_never_read_after_a_save(client, settings):
    settings.ETAGS_FROM_DATA_VERSION = True
    study = Study.objects.order_by("pk").first()
    for url in [study.get_absolute_url(), "/studies/", f"/api/studies/{study.pk}/"]:
        assert b"Corrected a moment ago" not in client.get(url).content
    study.summary = "Corrected a moment ago by a curator."
    study.save()
    for url in [study.get_absolute_url(), f"/api/studies/{study.pk}/"]:
        assert b"Corrected a moment ago" in client.get(url).content, url


@pytest.mark.django_db
def test_a_curator_and_a_form_are_never_served_a_readers_kept_answer(client, curator, settings):
    settings.ETAGS_FROM_DATA_VERSION = True
    study = Study.objects.order_by("pk").first()
    report = f"/studies/{study.pk}/report/"
    for url in [study.get_absolute_url(), "/studies/", "/api/studies/", report]:
        Client().get(url)
        for reader in [client, Client()]:  # the curator, and (for the form) a second reader
            with CaptureQueriesContext(connection) as queries:
                response = reader.get(url)
            if reader is client or url == report:
                assert queries.captured_queries and is_never_kept(response), url


@pytest.mark.django_db
def test_answers_are_kept_only_whole_public_and_small(client, settings, monkeypatch):
    settings.ETAGS_FROM_DATA_VERSION = True
    kept = {}
    monkeypatch.setattr("atlas.freshness.keep_answer", lambda key, answer: kept.setdefault(key, answer))
    client.get("/studies/")
    client.get("/api/studies/?family=no-such-family")  # a 400
    client.get("/health/")  # its own never-cache
    client.get("/studies/?format=csv")  # a download, sent from its file
    client.head("/references/")
    assert [answer[0] for answer in kept.values()] == [200] and len(kept) == 1
    monkeypatch.setattr("atlas.freshness.KEPT_ANSWER_MAX_BYTES", 100)
    client.get("/references/")
    assert len(kept) == 1


CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.django_db
def test_browsers_share_a_kept_page_and_the_api_answers_each_accept_apart(
    client, settings, django_assert_num_queries
):
    """A page is the same whatever a browser accepts: one kept answer serves them all. The API's
    index answers by what the reader accepts, and so does its ETag."""
    settings.ETAGS_FROM_DATA_VERSION = True
    first = Client().get("/studies/", HTTP_ACCEPT=CHROME)
    with django_assert_num_queries(0):
        again = Client().get("/studies/", HTTP_ACCEPT=FIREFOX)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert Client().get("/studies/", HTTP_ACCEPT=FIREFOX, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    html = Client().get("/api/", HTTP_ACCEPT=CHROME)
    json = Client().get("/api/", HTTP_ACCEPT="application/json")
    assert "text/html" in html["Content-Type"] and json["Content-Type"] == "application/json"
    assert html["ETag"] != json["ETag"]
    assert Client().get("/api/", HTTP_ACCEPT="application/json").json() == json.json()


@pytest.mark.django_db
def test_an_answer_that_varies_by_accept_where_the_etag_does_not_is_never_kept(client, settings, monkeypatch):
    settings.ETAGS_FROM_DATA_VERSION = True
    kept = []
    monkeypatch.setattr("atlas.freshness.keep_answer", lambda key, answer: kept.append(key))
    monkeypatch.setattr("atlas.freshness.NEGOTIATED_PREFIXES", ("/health/",))
    assert Client().get("/api/", HTTP_ACCEPT=CHROME)["Vary"]
    assert kept == []
    Client().get("/studies/", HTTP_ACCEPT=CHROME)
    assert len(kept) == 1
