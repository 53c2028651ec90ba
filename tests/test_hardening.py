"""Each hole the adversarial test found, as the test that would have caught its class."""

import re

import pytest

from references.bibtex import make_citekey, plan_import
from references.models import Reference
from tests.helpers import make_reference, post_bibtex

pytestmark = pytest.mark.django_db


def test_a_hundred_colliding_keys_stay_valid_url_safe_and_distinct(client):
    taken: set[str] = set()
    keys = []
    for _ in range(100):
        key = make_citekey("Kim", 2020, "Garnet interfaces", taken)
        taken.add(key)
        keys.append(key)
    assert len(set(keys)) == 100
    assert all(re.fullmatch(r"kim2020garnet[a-z]*", key) for key in keys)
    assert keys[26] == "kim2020garnetz" and keys[27] == "kim2020garnetaa"
    for key in keys[-3:]:
        reference = make_reference(citekey=key, title=f"Garnet interfaces {key}")
        assert client.get(reference.get_absolute_url()).status_code == 200
        assert client.get(f"/references/{key}.bib").status_code == 200
    assert client.get("/references/").status_code == 200


@pytest.mark.parametrize("page", ["²", "①", "٣", "9" * 4301, "-0", "+1", " 1", "1_000"])
def test_any_page_parameter_gives_a_page(client, page):
    for url in ("/studies/", "/references/"):
        response = client.get(url, {"page": page})
        assert response.status_code == 200, (url, page)
        assert response.context["page_obj"].object_list, (url, page)  # a page of rows


@pytest.mark.parametrize(
    "text", ["-" * 33, "Li " + "-" * 60, "or " * 60, '"' * 50, "!(&|) " * 30, "- - -" * 40]
)
def test_searches_postgresql_cannot_parse_are_answered(client, text):
    response = client.get("/studies/", {"q": text})
    assert response.status_code == 200
    assert client.get("/studies/", {"q": text, "format": "json"}).status_code == 200


@pytest.mark.parametrize(
    "latex",
    [
        r"\href{https://example.org}{a link}",
        r"\textcolor{red}{x}",
        r"\colorbox{yellow}",
        r"\textsubscript",
        r"\footnote{a note}",
        r"\sqrt{2}",
        r"\verb|x|",
        "{" * 248 + "deep" + "}" * 248,
    ],
)
def test_latex_the_decoder_cannot_read_fails_the_entry_with_a_message(client, curator, latex):
    text = f"@article{{e, title = {{Title {latex}}}, author = {{A, B}}, year = 2020}}"
    response = post_bibtex(client, text)
    assert response.status_code == 200
    report = response.context["report"]
    assert len(report.created) + len(report.failed) == 1
    for entry in report.failed:
        assert any("cannot be read as LaTeX" in error for error in entry.errors), entry.errors
        assert "cannot be read as LaTeX" in response.content.decode()  # said on the page too


def test_a_doi_too_long_for_the_database_is_dropped_in_the_preview_not_at_confirm(client, curator):
    # An invalid DOI drops the DOI, with a warning, not the entry.
    text = "@article{long, title = {T}, author = {A, B}, year = 2020, doi = {10.1234/" + "a" * 300 + "}}"
    report = plan_import(text)
    [entry] = report.created
    assert entry.doi == "" and any("at most 255" in warning for warning in entry.warnings)
    response = post_bibtex(client, text, confirm=True)
    assert response.status_code == 302
    assert Reference.objects.get(citekey=entry.citekey).doi == ""


def test_the_page_after_a_large_import_is_reached_by_a_short_address(client, curator):
    text = "\n".join(
        f"@article{{k{i}, title = {{Paper number {i} on garnets}}, author = {{Author{i}, A.}}, year = 2020,"
        f" doi = {{10.5555/large.{i}}}}}"
        for i in range(300)
    )
    response = post_bibtex(client, text, confirm=True)
    assert response.status_code == 302 and len(response["Location"]) < 200
    listing = client.get(response["Location"])
    assert listing.context["cl"].result_count == 300
