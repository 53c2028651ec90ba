"""Bad input never gives a 500: the page shows the form and a message; exports answer 400."""

import pytest

from interfaces.models import InterlayerMaterial, Study
from tests.helpers import make_study

pytestmark = pytest.mark.django_db

URL = "/studies/"
BAD = [
    ({"family": "unknown-family"}, "family", "Select a valid choice"),
    ({"family": ["garnet", "nope"]}, "family", "Select a valid choice"),
    ({"strategy": "anything"}, "strategy", "Select a valid choice"),
    ({"method": "telekinesis"}, "method", "Select a valid choice"),
    ({"electrolyte": "no-such-electrolyte"}, "electrolyte", "Select a valid choice"),
    ({"interlayer": "no-such-interlayer"}, "interlayer", "Select a valid choice"),
    ({"interlayer_kind": "plasma"}, "interlayer_kind", "Select a valid choice"),
    ({"ccd_min": "abc"}, "ccd_min", "Enter a number."),
    ({"ccd_max": "1e999"}, "ccd_max", "Enter a number."),
    ({"ccd_min": "nan"}, "ccd_min", "Enter a number."),
    ({"ccd_min": "-1"}, "ccd_min", "greater than or equal to 0"),
    ({"resistance_max": "lots"}, "resistance_max", "Enter a number."),
    ({"year_min": "abc"}, "year_min", "Enter a whole number."),
    ({"year_max": "99999999999999999999999"}, "year_max", "less than or equal to 2200"),
    ({"sort": "anything"}, "sort", "Select a valid choice"),
    ({"sort": "-id; DROP TABLE"}, "sort", "Select a valid choice"),
    ({"q": "x" * 5000}, "q", "at most 200 characters (it has 5000)"),
    ({"q": "nul\x00byte"}, "q", "Null characters are not allowed."),
    ({"id": "abc"}, "id", "Row ids must be whole numbers."),
    ({"id": "99999999999999999999"}, "id", "Row ids must be positive whole numbers."),
    ({"id": "0"}, "id", "Row ids must be positive whole numbers."),
]


@pytest.mark.parametrize("params, field, message", BAD)
def test_the_page_shows_the_form_and_a_clear_message(client, params, field, message):
    response = client.get(URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert '<form class="filters"' in html
    assert "Some filters need fixing" in html
    assert message in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize("fmt", ["json", "csv", "bib", "ris"])
@pytest.mark.parametrize("params, field, message", BAD)
def test_exports_answer_400_with_a_short_error_body(client, params, field, message, fmt):
    response = client.get(URL, {**params, "format": fmt})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert field in body["errors"]
    assert any(message in error for error in body["errors"][field])
    assert len(response.content) < 1000


def test_an_unknown_format_is_a_400(client):
    response = client.get(URL, {"format": "xml"})
    assert response.status_code == 400
    assert response.json()["errors"]["format"] == ["Choose one of: json, csv, bib, ris, csl."]
    assert client.get("/references/", {"format": "csv"}).status_code == 400


@pytest.mark.parametrize("page", ["9999", "abc", "-1", "0", "1.5", "9" * 40])
def test_any_page_number_gives_a_page(client, page):
    response = client.get(URL, {"page": page})
    assert response.status_code == 200
    last = response.context["page_obj"].paginator.num_pages
    assert response.context["page_obj"].number in {1, last}
    assert "this is" in response.content.decode()


def test_exports_ignore_the_page_and_return_everything(client):
    assert client.get(URL, {"page": "9999", "format": "json"}).json()["count"] == Study.objects.count()


def test_what_a_user_typed_is_escaped(client):
    attack = '<script>alert("x")</script>'
    for params in ({"q": attack}, {"family": attack}, {"ccd_min": attack}, {"page": attack}):
        html = client.get(URL, params).content.decode()
        assert "<script>alert" not in html, params
    html = client.get(URL, {"q": attack}).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<script>alert" not in client.get("/references/", {"author": attack}).content.decode()


def test_stored_text_is_escaped_too(client):
    material = InterlayerMaterial.objects.create(slug="bold", name="<b>bold</b>", kind="other")
    study = make_study(summary='<img src=x onerror="alert(1)"> Li2S', interlayers=[material])
    html = client.get(study.get_absolute_url()).content.decode()
    assert "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Li<sub>2</sub>S" in html


@pytest.mark.parametrize(
    "url",
    [
        "/studies/999999/",
        "/electrolytes/no-such-electrolyte/",
        "/interlayers/no-such-interlayer/",
        "/references/no-such-key/",
        "/references/no-such-key.bib",
    ],
)
def test_an_unknown_slug_or_id_is_a_friendly_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    if url.endswith("/"):
        assert html.count("<h1") == 1 and "Not found" in html


REFERENCE_BAD = [
    ({"year_min": "abc"}, "year_min"),
    ({"year_max": "3000"}, "year_max"),
    ({"q": "x" * 5000}, "q"),
    ({"author": "y" * 300}, "author"),
    ({"journal": "nul\x00"}, "journal"),
    ({"citekey": "not a key!"}, "citekey"),
]


@pytest.mark.parametrize("params, field", REFERENCE_BAD)
def test_reference_list_bad_input(client, params, field):
    response = client.get("/references/", params)
    assert response.status_code == 400
    assert '<form class="filters"' in response.content.decode()
    for fmt in ("json", "bib", "ris"):
        response = client.get("/references/", {**params, "format": fmt})
        assert response.status_code == 400 and field in response.json()["errors"]


@pytest.mark.parametrize("url", ["/", "/studies/", "/studies/?format=csv", "/references/", "/electrolytes/"])
def test_pages_only_answer_get_and_head(client, url):
    assert client.get(url).status_code == 200
    assert client.head(url).status_code == 200
    for method in (client.post, client.put, client.patch, client.delete):
        assert method(url).status_code == 405, method.__name__
