"""The curators' metadata gaps page, and filling a reference from Crossref field by field.

Crossref's answers are recorded in tests/samples/crossref/, in the shape its REST API gives
(a `work` message, a `work-list`), for test DOIs of Crossref's 10.5555 prefix; no test
reaches the internet.
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interfaces.models import Study
from references.crossref import WORK, WORKS
from references.models import Reference
from tests.helpers import make_reference, make_study, sample

pytestmark = pytest.mark.django_db
GAPS = "/admin/references/reference/gaps/"
DOI = "10.5555/atlas.gaps.2024"
WORK_URL = WORK.format(doi=DOI)
ANSWER = json.loads(sample("crossref/work.json"))
SEVERAL = json.loads(sample("crossref/search_several.json"))
NONE = json.loads(sample("crossref/search_none.json"))


def lookup_url(reference) -> str:
    return f"/admin/references/reference/{reference.pk}/crossref/"


def fresh(reference) -> Reference:
    return Reference.objects.with_authors().get(pk=reference.pk)


def seen_values(response) -> dict:
    """The form as the page shows it: the DOI compared and what the atlas held."""
    return {row.name and f"seen_{row.name}": row.atlas for row in response.context["rows"]} | {
        "doi": response.context["work"].doi
    }


def test_the_gaps_page_lists_every_incomplete_reference_with_what_it_lacks(client, curator):
    make_reference(doi="10.5555/complete.1", volume="3", pages="1–9", citekey="complete2020paper")
    bare = make_reference(authors=[], journal="", year=None, citekey="bare0000paper")
    for _ in range(2):
        make_study(reference=bare)
    response = client.get(GAPS)
    page = response.content.decode()
    assert response.status_code == 200
    listed = [reference.citekey for reference, _ in response.context["rows"]]
    assert "complete2020paper" not in listed
    assert listed[0] == "bare0000paper"  # the reference most studies rest on comes first
    reference, lacks = response.context["rows"][0]
    assert lacks == ["DOI", "authors", "journal", "year", "volume", "pages"]
    assert reference.study_count == 2
    assert f'href="{lookup_url(bare)}"' in page and "Look up by title" in page
    total = response.context["page"].paginator.count
    incomplete = [
        r
        for r in Reference.objects.with_authors()
        if not (r.doi and r.author_list and r.journal and r.year and r.volume and r.pages)
    ]
    assert total == len(incomplete) > 20  # the curated atlas's own gaps are there too
    assert f"{total} references lack" in page


def test_the_gaps_page_costs_the_same_few_queries_however_many_rows(client, curator):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(GAPS).status_code == 200
        return len(captured)

    before = queries()
    for n in range(30):
        make_reference(authors=[], journal="", citekey=f"more{n}gap")
    assert queries() == before <= 12


def test_the_reference_list_and_form_lead_to_the_gaps_and_crossref(client, curator):
    reference = make_reference()
    assert f'href="{GAPS}"' in client.get("/admin/references/reference/").content.decode()
    form = client.get(f"/admin/references/reference/{reference.pk}/change/").content.decode()
    assert f'href="{lookup_url(reference)}"' in form and "Look up on Crossref" in form


@responses.activate
def test_a_doi_is_compared_field_by_field_and_only_the_ticked_fields_are_filled(client, curator, settings):
    settings.CROSSREF_MAILTO = "curators@example.org"
    responses.get(WORK_URL, json=ANSWER)
    reference = make_reference(
        doi=DOI,
        title="A Li3PO4 interlayer for garnet electrolytes",
        journal="",
        volume="",
        pages="",
        year=2024,
    )
    response = client.get(lookup_url(reference))
    page = response.content.decode()
    rows = {row.name: row for row in response.context["rows"]}
    assert rows["journal"].crossref == "Journal of Test Interfaces" and rows["journal"].offered
    assert rows["pages"].crossref == "101–109" and rows["volume"].crossref == "12"
    assert rows["authors"].crossref == "Kim, Jae-hyun; Müller, Jörg; Interface Test Consortium"
    assert (
        rows["title"].crossref == "A Li3PO4 interlayer for garnet electrolytes" and not rows["title"].offered
    )
    assert rows["abstract"].crossref.startswith("A thin Li3PO4 interlayer on garnet lowers")
    assert "900 to 12 Ω cm2 &amp; raises" in page
    assert 'name="take" value="journal"' in page and 'name="take" value="title"' not in page
    assert "checked" not in page.split("<form")[1]  # nothing is ticked for the curator
    # Crossref is told who asks, as it requests.
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert query["mailto"] == ["curators@example.org"]
    assert "mailto:curators@example.org" in responses.calls[0].request.headers["User-Agent"]

    form = seen_values(response) | {"take": ["journal", "volume", "pages"]}
    response = client.post(lookup_url(reference), form)
    assert response.status_code == 302
    reference = fresh(reference)
    assert (reference.journal, reference.volume, reference.pages) == (
        "Journal of Test Interfaces",
        "12",
        "101–109",
    )
    assert [a.family for a in reference.author_list] == ["Doe"]  # authors were not ticked
    assert reference.abstract == ""
    assert f"Journal, Volume, Pages filled from Crossref's record of DOI {DOI}" in reference.curation_note
    assert f"https://api.crossref.org/works/{DOI}" in reference.curation_note
    latest = reference.history.first()
    assert latest.history_user == curator and "filled from Crossref" in latest.history_change_reason


@responses.activate
def test_a_reference_form_opened_before_a_fill_is_refused_not_saved_over_it(client, curator):
    from tests.helpers import admin_form_data

    responses.get(WORK_URL, json=ANSWER)
    reference = make_reference(doi=DOI, journal="", volume="")
    change = f"/admin/references/reference/{reference.pk}/change/"
    stale = admin_form_data(client.get(change))
    response = client.get(lookup_url(reference))
    client.post(lookup_url(reference), seen_values(response) | {"take": ["journal"]})
    response = client.post(change, stale | {"title": "A title typed meanwhile"})
    assert response.status_code == 409
    assert (
        fresh(reference).journal == "Journal of Test Interfaces"
        and fresh(reference).title != "A title typed meanwhile"
    )


@responses.activate
def test_authors_and_abstract_are_taken_when_ticked(client, curator):
    responses.get(WORK_URL, json=ANSWER)
    reference = make_reference(doi=DOI, authors=[], title="A Li3PO4 interlayer for garnet electrolytes")
    response = client.get(lookup_url(reference))
    client.post(lookup_url(reference), seen_values(response) | {"take": ["authors", "abstract"]})
    reference = fresh(reference)
    assert [(a.family, a.given) for a in reference.author_list] == [
        ("Kim", "Jae-hyun"),
        ("Müller", "Jörg"),
        ("Interface Test Consortium", ""),
    ]
    assert "900 to 12 Ω cm2 & raises" in reference.abstract
    page = client.get(reference.get_absolute_url()).content.decode()
    assert "Kim, J.-H.; Müller, J.; Interface Test Consortium." in page


@responses.activate
def test_a_reference_without_doi_gets_candidates_by_title_and_takes_the_one_confirmed(client, curator):
    responses.get(WORKS, json=SEVERAL)
    responses.get(WORK_URL, json=ANSWER)
    reference = make_reference(
        title="A Li3PO4 interlayer for garnet electrolytes", journal="", year=2024, authors=(("Kim", "J."),)
    )
    response = client.get(lookup_url(reference))
    page = response.content.decode()
    assert [w.doi for w in response.context["candidates"]] == [
        DOI,
        "10.5555/atlas.gaps.other",
        "10.5555/atlas.gaps.proc",
    ]
    assert f'href="?doi={DOI}"' in page
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert query["query.bibliographic"] == ["A Li3PO4 interlayer for garnet electrolytes Kim 2024"]
    assert query["rows"] == ["5"]
    assert Reference.objects.get(pk=reference.pk).doi == ""  # a search fills nothing

    response = client.get(lookup_url(reference), {"doi": DOI})
    assert "This DOI is not yet the reference" in response.content.decode()
    client.post(lookup_url(reference), seen_values(response) | {"take": ["doi", "journal"]})
    reference = fresh(reference)
    assert (reference.doi, reference.journal) == (DOI, "Journal of Test Interfaces")
    assert "DOI, Journal filled from Crossref" in reference.curation_note


@responses.activate
def test_no_candidate_says_so(client, curator):
    responses.get(WORKS, json=NONE)
    reference = make_reference(title="zzqx")
    page = client.get(lookup_url(reference)).content.decode()
    assert "Crossref found no work matching this title" in page


@responses.activate
def test_offline_a_plain_message_and_nothing_changes(client, curator):
    responses.get(WORK_URL, body=requests.ConnectionError("no network"))
    responses.get(WORKS, body=requests.ConnectionError("no network"))
    with_doi = make_reference(doi=DOI)
    without = make_reference()
    for reference in (with_doi, without):
        response = client.get(lookup_url(reference))
        assert response.status_code == 200
        assert "Crossref could not be reached (no network connection). Nothing was changed." in (
            response.content.decode()
        )
    before = Reference.objects.get(pk=with_doi.pk).journal
    response = client.post(lookup_url(with_doi), {"doi": DOI, "take": ["journal"]})
    assert response.status_code == 200 and Reference.objects.get(pk=with_doi.pk).journal == before


@responses.activate
def test_a_crossref_error_or_unknown_doi_is_said_plainly(client, curator):
    responses.get(WORK_URL, status=404)
    reference = make_reference(doi=DOI)
    assert f"Crossref has no record of the DOI {DOI}." in client.get(lookup_url(reference)).content.decode()
    responses.replace(responses.GET, WORK_URL, status=503)
    assert "HTTP 503" in client.get(lookup_url(reference)).content.decode()
    responses.replace(responses.GET, WORK_URL, body="<html>busy</html>")
    assert "could not be read" in client.get(lookup_url(reference)).content.decode()
    page = client.get(lookup_url(reference), {"doi": "not a doi"}).content.decode()
    assert "is not a DOI" in page


@responses.activate
def test_nothing_ticked_changes_nothing(client, curator):
    responses.get(WORK_URL, json=ANSWER)
    reference = make_reference(doi=DOI, journal="")
    response = client.get(lookup_url(reference))
    response = client.post(lookup_url(reference), seen_values(response), follow=True)
    assert "Nothing was ticked" in response.content.decode()
    assert fresh(reference).journal == "" and fresh(reference).curation_note == ""


@responses.activate
def test_an_edit_made_meanwhile_is_not_overwritten(client, curator):
    responses.get(WORK_URL, json=ANSWER)
    reference = make_reference(doi=DOI, journal="", volume="")
    response = client.get(lookup_url(reference))
    Reference.objects.filter(pk=reference.pk).update(journal="J. Test Interf.")  # another curator
    response = client.post(lookup_url(reference), seen_values(response) | {"take": ["journal", "volume"]})
    assert "Journal changed since you opened this page" in response.content.decode()
    assert (fresh(reference).journal, fresh(reference).volume) == ("J. Test Interf.", "")


@responses.activate
def test_a_doi_another_reference_holds_is_refused(client, curator):
    responses.get(WORK_URL, json=ANSWER)
    make_reference(doi=DOI)
    reference = make_reference()
    response = client.get(lookup_url(reference), {"doi": DOI})
    response = client.post(lookup_url(reference), seen_values(response) | {"take": ["doi", "journal"]})
    page = response.content.decode()
    assert response.status_code == 200 and f"The DOI {DOI} already belongs to" in page
    assert fresh(reference).doi == "" and fresh(reference).journal == "Journal of Tests"


def test_only_curators_see_gaps_and_only_those_who_may_change_look_up(client):
    reference = make_reference()
    assert client.get(GAPS).status_code == 302  # to the login
    reader = User.objects.create_user("reader", password="pw", is_staff=True)
    client.force_login(reader)
    assert client.get(GAPS).status_code == 403
    assert client.get(lookup_url(reference)).status_code == 403


def test_an_unknown_reference_is_not_found(client, curator):
    assert client.get("/admin/references/reference/999999/crossref/").status_code == 404
    assert Study.objects.exists()
