"""Adding a paper from its DOI: Crossref's BibTeX answer previewed, then confirmed; offline, a plain message.

The answer below is written in the shape Crossref's content negotiation gives
(a one-line @article with DOI, ISSN, url and an en dash in pages), for a test DOI of
Crossref's 10.5555 test prefix; no test reaches the internet.
"""

import pytest
import requests
import responses

from references.crossref import ENDPOINT
from references.models import Reference
from tests.helpers import IMPORT_URL, sample

pytestmark = pytest.mark.django_db
DOI = "10.5555/atlas.test.2024"
ANSWER = sample("crossref_answer.bib")
CROSSREF_URL = ENDPOINT.format(doi=DOI)


@responses.activate
def test_a_curator_adds_a_paper_from_its_doi(client, curator):
    responses.get(CROSSREF_URL, body=ANSWER.encode(), content_type="application/x-bibtex")
    response = client.post(IMPORT_URL, {"doi": f"https://doi.org/{DOI}"})
    page = response.content.decode()
    assert "A Test Interlayer for Garnet Electrolytes against Lithium Metal" in page
    assert "Müller, Jörg" in page and "<strong>1</strong> new, to be created" in page
    assert "citation key Nouveau_2024 → nouveau2024test" in page  # the key we will use, said
    assert not Reference.objects.filter(doi=DOI).exists()  # a preview saves nothing
    confirm = {
        "bibtex_text": response.context["text"],
        "confirm": "yes",
        "choose": "1",
        "include": "Nouveau_2024",
    }
    response = client.post(IMPORT_URL, confirm)
    assert response.status_code == 302
    reference = Reference.objects.get(doi=DOI)
    assert (reference.journal, reference.year, reference.volume, reference.pages) == (
        "Journal of Test Interfaces",
        2024,
        "12",
        "101–109",
    )
    assert [a.family for a in reference.author_list] == ["Nouveau", "Müller", "Second"]
    assert reference.history.first().history_user == curator  # the history says who added it


def test_fill_from_doi_is_offered_on_the_reference_form(client, curator):
    page = client.get("/admin/references/reference/add/").content.decode()
    assert f'action="{IMPORT_URL}"' in page and 'name="doi"' in page and "Fetch from Crossref" in page


@responses.activate
def test_the_reference_forms_doi_link_previews(client, curator):
    responses.get(CROSSREF_URL, body=ANSWER.encode())
    response = client.get(IMPORT_URL, {"doi": DOI})
    assert "A Test Interlayer for Garnet Electrolytes" in response.content.decode()
    assert not Reference.objects.filter(doi=DOI).exists()


@responses.activate
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (requests.ConnectionError("offline"), "Crossref could not be reached (no network connection)"),
        (requests.Timeout("slow"), "Crossref did not answer within 10 s"),
        (404, "Crossref has no record of the DOI 10.5555/atlas.test.2024"),
        (503, "Crossref answered with an error (HTTP 503)"),
        ("<html>Not BibTeX</html>", "Crossref&#x27;s answer was not BibTeX"),
    ],
    ids=["offline", "timeout", "unknown", "error", "not-bibtex"],
)
def test_crossref_trouble_is_said_plainly_and_saves_nothing(client, curator, answer, message):
    if isinstance(answer, Exception):
        responses.get(CROSSREF_URL, body=answer)
    elif isinstance(answer, int):
        responses.get(CROSSREF_URL, status=answer)
    else:
        responses.get(CROSSREF_URL, body=answer)
    before = Reference.objects.count()
    response = client.post(IMPORT_URL, {"doi": DOI})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Reference.objects.count() == before


@responses.activate
def test_a_doi_that_is_not_one_is_refused_without_asking_crossref(client, curator):
    before = Reference.objects.count()
    response = client.post(IMPORT_URL, {"doi": "not a doi"})
    assert "is not a DOI" in response.content.decode()
    assert len(responses.calls) == 0  # no request left for Crossref
    assert Reference.objects.count() == before
