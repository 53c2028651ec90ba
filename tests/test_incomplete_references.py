"""A reference the atlas holds without its authors says so; no page or export calls it anonymous."""

import re

import pytest

from interfaces.models import Study
from references.models import Reference

pytestmark = pytest.mark.django_db

ANONYMOUS = re.compile(r"\bAnon(ymous|\.)", re.IGNORECASE)


def _without_authors() -> list[Reference]:
    references = list(Reference.objects.filter(authorships__isnull=True))
    assert references, "the curated atlas holds references whose authors are not recorded"
    return references


def test_no_page_calls_a_paper_anonymous(client):
    pages = ["/", "/studies/", "/references/", "/references/?sort=author", "/compare/?id=1&id=2"]
    for reference in _without_authors():
        pages.append(reference.get_absolute_url())
        pages += [study.get_absolute_url() for study in Study.objects.filter(reference=reference)]
    pages += [f"/references/?page={n}" for n in range(2, 5)]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert not ANONYMOUS.search(response.content.decode()), page


def test_the_page_of_a_reference_without_authors_says_they_are_not_recorded(client):
    reference = _without_authors()[0]
    html = client.get(reference.get_absolute_url()).content.decode()
    assert '<p class="citation"><span class="none">Authors not yet recorded</span>.' in html
    assert f"<title>Authors not yet recorded {reference.year or ''}".strip() in html


@pytest.mark.parametrize("fmt", ["json", "csv", "bib", "ris", "csl"])
def test_no_export_calls_a_paper_anonymous(client, fmt):
    for url in ("/studies/", "/references/"):
        if url == "/references/" and fmt == "csv":
            continue
        body = client.get(url, {"format": fmt}).content.decode()
        assert body and not ANONYMOUS.search(body), (url, fmt)


def test_a_data_file_leaves_an_unknown_first_author_empty(client):
    from tests.helpers import csv_rows

    keys = {study.pk for study in Study.objects.filter(reference__authorships__isnull=True)}
    assert keys
    rows = csv_rows(client.get("/studies/", {"format": "csv"}))
    unknown = [row for row in rows if int(row["study_id"]) in keys]
    assert unknown and {row["first_author"] for row in unknown} == {""}
    assert all(row["first_author"] for row in rows if int(row["study_id"]) not in keys)


CITE_TEXT = re.compile(r'<dt>([^<]+)</dt>\s*<dd><span class="cite-text"[^>]*>(.*?)</span>', re.DOTALL)


@pytest.mark.parametrize(
    ("fields", "authors", "expected"),
    [
        (
            {
                "journal": "Adv. Mater.",
                "volume": "32",
                "pages": "2000030",
                "year": 2020,
                "doi": "10.1000/a.1",
            },
            (("Deng", "Tao"), ("Hu", "Liangbing")),
            {
                "ACS": "Deng, T.; Hu, L. A Title. Adv. Mater. 2020, 32, 2000030. https://doi.org/10.1000/a.1.",
                "RSC": "T. Deng and L. Hu, A title, Adv. Mater., 2020, 32, 2000030.",
                "Nature": "Deng, T. &amp; Hu, L. A title. Adv. Mater. 32, 2000030 (2020).",
                "APA": "Deng, T., &amp; Hu, L. (2020). A title. Adv. Mater., 32, 2000030. https://doi.org/10.1000/a.1",
            },
        ),
        (
            {"journal": "", "year": None},
            (),
            {"ACS": "A Title.", "RSC": "A title.", "Nature": "A title.", "APA": "A title. (n.d.)."},
        ),
        (
            {"journal": "", "year": 2021},
            (),
            {
                "ACS": "A Title. 2021.",
                "RSC": "A title.",
                "Nature": "A title. (2021).",
                "APA": "A title. (2021).",
            },
        ),
        (
            {"journal": "Nature Energy", "year": None},
            (("Kim", "J."),),
            {
                "ACS": "Kim, J. A Title. Nature Energy.",
                "RSC": "J. Kim, A title, Nature Energy.",
                "Nature": "Kim, J. A title. Nature Energy.",
                "APA": "Kim, J. (n.d.). A title. Nature Energy.",
            },
        ),
    ],
)
def test_the_plain_text_citation_is_well_formed_from_what_is_known(client, fields, authors, expected):
    """Written by the citation processor in each style offered; what is unknown is left out,
    with no stray punctuation, and the title is printed once even in the authors' place."""
    from tests.helpers import make_reference

    reference = make_reference(title="A title", authors=authors, **fields)
    html = client.get(reference.get_absolute_url()).content.decode()
    assert dict(CITE_TEXT.findall(html)) == expected
