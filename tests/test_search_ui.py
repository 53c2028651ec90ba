"""Search as a reader meets it: the box in every page's header, the matched words marked in
the lists, and where to go when a search finds nothing."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.urls import reverse

from interfaces.models import Study
from interfaces.views import SUGGESTED_WORDS_MAX
from tests.helpers import TEST_OUTPUT as OUTPUT
from tests.helpers import make_reference, make_study, needs_chromium, serious_accessibility_violations

KIZILASLAN = "kizilaslan2019assembling-li3n-li7p3s11"


def header_search(response) -> dict:
    """The header's search form: its action, its field's name, label and value."""
    html = response.content.decode()
    form = re.search(r'<form class="site-search"[^>]*>.*?</form>', html, re.S)
    assert form, "no search box in the header"
    form = form.group(0)
    label = re.search(r'<label for="site-search-q"[^>]*>(.*?)</label>', form, re.S).group(1)
    field = re.search(r'<input type="search" name="(\w+)" id="site-search-q"[^>]*value="([^"]*)"', form, re.S)
    return {
        "action": re.search(r'action="([^"]*)"', form).group(1),
        "role": 'role="search"' in form,
        "label": label.strip(),
        "name": field.group(1),
        "value": unescape(field.group(2)),
    }


def ways_out(response, css_class: str) -> list[tuple[str, str, int]]:
    """The empty list's links of a kind: (text, address, the count beside it)."""
    html = response.content.decode()
    found = re.findall(
        rf'<a href="([^"]*)" class="{css_class}">(.*?)</a>(?:\s*<span class="ways-count">(\d+) stud)?',
        html,
        re.S,
    )
    return [
        (unescape(re.sub(r"<[^>]+>", "", text)).strip(), unescape(url), int(n or -1))
        for url, text, n in found
    ]


def rows_found(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["page_obj"].paginator.count


# -- the box in the header ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, action, label",
    [
        ("/", "/studies/", "Search studies"),
        ("/studies/", "/studies/", "Search studies"),
        ("/electrolytes/", "/studies/", "Search studies"),
        ("/interlayers/", "/studies/", "Search studies"),
        ("/matrix/", "/studies/", "Search studies"),
        ("/about/", "/studies/", "Search studies"),
        ("/data/", "/studies/", "Search studies"),
        ("/compare/", "/studies/", "Search studies"),
        ("/references/", "/references/", "Search references"),
        ("/no-such-page/", "/studies/", "Search studies"),
    ],
)
def test_every_page_has_the_search_box_in_its_header(client, url, action, label):
    box = header_search(client.get(url))
    assert box == {"action": action, "role": True, "label": label, "name": "q", "value": ""}


@pytest.mark.django_db
def test_a_study_searches_studies_and_a_reference_searches_references(client):
    study = Study.objects.get(key=KIZILASLAN)
    assert header_search(client.get(study.get_absolute_url()))["action"] == "/studies/"
    assert header_search(client.get(f"/electrolytes/{study.electrolyte.slug}/"))["action"] == "/studies/"
    reference = study.reference.get_absolute_url()
    assert header_search(client.get(reference)) | {"value": ""} == {
        "action": "/references/",
        "role": True,
        "label": "Search references",
        "name": "q",
        "value": "",
    }


@pytest.mark.django_db
def test_the_box_holds_the_search_of_its_own_list_only(client):
    assert header_search(client.get("/studies/", {"q": "LiF", "family": "garnet"}))["value"] == "LiF"
    assert header_search(client.get("/references/", {"q": "garnet"}))["value"] == "garnet"
    # Another page's q is not a search of the studies.
    assert header_search(client.get("/studies/charts/", {"q": "LiF"}))["value"] == ""
    # The sidebar's own search field keeps working beside it.
    response = client.get("/studies/", {"q": "LiF"})
    assert 'name="q" id="id_q" value="LiF"' in response.content.decode()


@pytest.mark.django_db
def test_the_box_never_echoes_markup(client):
    attack = '"><script>alert(1)</script>'
    response = client.get("/studies/", {"q": attack})
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert header_search(response)["value"] == attack
    assert "No study matches “&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;”" in html


# -- what matched ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_author_is_marked_as_written_whatever_the_accents_typed(client):
    response = client.get("/studies/", {"q": "Kizilaslan"})
    assert [study.key for study in response.context["page_obj"].object_list] == [KIZILASLAN]
    assert "<mark>Kızılaslan</mark> &amp; Akbulut 2019" in response.content.decode()


@pytest.mark.django_db
def test_a_formula_is_marked_with_its_subscripts(client):
    response = client.get("/studies/", {"q": "Li6PS5Cl"})
    html = response.content.decode()
    assert response.context["page_obj"].paginator.count == Study.objects.search("Li6PS5Cl").count() > 0
    marked = "<mark>Li<sub>6</sub>PS<sub>5</sub>Cl</mark>"
    rows = re.findall(r"<tr>.*?</tr>", html.split("<tbody>", 1)[1], re.S)
    assert rows and all(marked in row for row in rows)  # every row shows its electrolyte marked


@pytest.mark.django_db
def test_a_word_only_the_summary_holds_is_shown_in_context(client):
    response = client.get("/studies/", {"q": "dendrite"})
    html = response.content.decode()
    assert re.search(
        r'<span class="sub match"><span class="match-label">(Paper|Summary|Mechanism):</span>', html
    )
    assert "<mark>dendrite</mark>" in html or "<mark>Dendrite</mark>" in html


@pytest.mark.django_db
def test_a_row_that_shows_every_word_adds_no_context(client):
    html = client.get("/studies/", {"q": "Kizilaslan"}).content.decode()
    assert 'class="sub match"' not in html


@pytest.mark.django_db
def test_stored_markup_is_escaped_around_the_marks(client):
    make_study(
        reference=make_reference(title='Garnet <img src=x onerror="alert(1)"> zirconoxyfluoride & more')
    )
    html = client.get("/studies/", {"q": "zirconoxyfluoride"}).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>zirconoxyfluoride</mark> &amp; more" in html


@pytest.mark.django_db
def test_the_bibliography_marks_its_search(client):
    html = client.get("/references/", {"q": "garnet"}).content.decode()
    assert re.search(r"<mark>[Gg]arnet</mark>", html)
    assert "<mark>" not in client.get("/references/").content.decode()


# -- when nothing is found ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_misspelt_name_suggests_the_name_with_its_count(client):
    response = client.get("/studies/", {"q": "Kizilslan"})
    html = response.content.decode()
    assert response.context["page_obj"].paginator.count == 0
    assert "No study matches “Kizilslan”." in html
    assert ways_out(response, "suggestion") == [("kizilaslan", "?q=kizilaslan", 1)]
    assert rows_found(client, "/studies/?q=kizilaslan") == 1


@pytest.mark.django_db
def test_a_misspelt_word_among_others_is_replaced_alone(client):
    response = client.get("/studies/", {"q": "dendrte garnet"})
    offers = ways_out(response, "suggestion")
    assert offers[0][0] == "dendrite garnet"
    assert offers[0][2] == Study.objects.search("dendrite garnet").count() > 0
    # One search is offered once, whatever its word forms.
    assert "dendrites garnet" not in [text for text, _, _ in offers]
    for _, url, count in offers:
        assert rows_found(client, "/studies/" + url) == count


@pytest.mark.django_db
def test_a_suggestion_keeps_the_other_filters(client):
    response = client.get(
        "/studies/", {"q": "Kizilslan", "strategy": "artificial-interlayer", "sort": "-ccd"}
    )
    [(text, url, count)] = ways_out(response, "suggestion")
    assert parse_qs(urlsplit(url).query) == {
        "q": ["kizilaslan"],
        "strategy": ["artificial-interlayer"],
        "sort": ["-ccd"],
    }
    assert rows_found(client, "/studies/" + url) == count == 1


@pytest.mark.django_db
def test_with_no_suggestion_under_the_filters_one_among_all_studies_is_offered(client):
    response = client.get("/studies/", {"q": "Kizilslan", "family": "garnet"})
    html = response.content.decode()
    assert "Did you mean, among all studies (without the filters):" in html
    assert ways_out(response, "suggestion") == [("kizilaslan", "?q=kizilaslan", 1)]


@pytest.mark.django_db
def test_filters_that_hide_a_search_offer_it_everywhere_and_each_filter_removed(client):
    params = {"q": "LiF", "family": "nasicon", "strategy": "anode-design", "year_min": "2020"}
    response = client.get("/studies/", params)
    html = response.content.decode()
    assert response.context["page_obj"].paginator.count == 0
    assert "No study matches “LiF” with these filters." in html
    everywhere = Study.objects.search("LiF").count()
    assert ways_out(response, "everywhere") == [("Search all studies for “LiF”", "?q=LiF", everywhere)]
    assert rows_found(client, "/studies/?q=LiF") == everywhere > 0
    removals = ways_out(response, "removal")
    assert [text for text, _, _ in removals] == [
        "Remove Electrolyte family: NASICON phosphate ×",
        "Remove Strategy: Anode design ×",
        "Remove Year from: 2020 ×",
    ]
    for (_, url, count), dropped in zip(removals, ["family", "strategy", "year_min"], strict=True):
        kept = parse_qs(urlsplit(url).query)
        assert dropped not in kept and kept["q"] == ["LiF"]
        assert rows_found(client, "/studies/" + url) == count


@pytest.mark.django_db
def test_an_empty_list_without_a_search_offers_the_filters_to_remove(client):
    response = client.get("/studies/", {"family": "perovskite"})
    html = response.content.decode()
    assert "No study matches these filters." in html
    assert ways_out(response, "removal") == [
        ("Remove Electrolyte family: Perovskite oxide ×", "?", Study.objects.count())
    ]
    assert ways_out(response, "suggestion") == []


@pytest.mark.django_db
def test_nothing_near_says_how_to_search(client):
    html = client.get("/studies/", {"q": "qqqqzzzz"}).content.decode()
    assert "No study matches “qqqqzzzz”." in html
    assert "Check the spelling, or search fewer words" in html
    assert 'class="suggestion"' not in html


@pytest.mark.django_db
def test_an_empty_bibliography_search_links_to_the_same_search_of_the_studies(client):
    response = client.get("/references/", {"q": "dendrite suppression"})
    html = response.content.decode()
    assert response.context["page_obj"].paginator.count == 0
    assert "No reference matches “dendrite suppression”." in html
    url = reverse("interfaces:study-list") + "?q=dendrite%20suppression"
    assert f'<a href="{url}" class="search-studies">Search the studies for “dendrite suppression”</a>' in html


@pytest.mark.django_db
def test_an_empty_bibliography_search_counts_the_studies_it_would_find(client):
    response = client.get("/references/", {"q": "Kizilaslan", "year_min": "2021"})
    html = response.content.decode()
    assert "No reference matches “Kizilaslan” with these filters." in html
    assert re.search(r'class="search-studies">[^<]*</a> <span class="ways-count">1 study</span>', html)


# -- bounded work ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_search_that_finds_studies_costs_no_more_than_the_list(client, django_assert_max_num_queries):
    # A filtered list's 13 queries (drawn for the first time), and on SQLite one that asks the
    # search index how many match; on PostgreSQL, which ranks the matches, the page's ids are
    # ranked among each part's first matches: the parts there are, each part's first, the page
    # (two more). A page found by search adds nothing for the marks.
    with django_assert_max_num_queries(14 if connection.vendor == "sqlite" else 15):
        response = client.get("/studies/", {"q": "LiF"})
    assert response.context["page_obj"].paginator.count > 0
    assert response.context["nothing_found"] is None


@pytest.mark.django_db
def test_an_empty_search_costs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    # The list, then the words the atlas holds (5, cached afterwards), a check and a count per
    # missing word and near word, the search alone and each filter removed.
    with django_assert_max_num_queries(40):
        response = client.get("/studies/", {"q": "dendrte garnet", "family": "garnet", "strategy": "other"})
    assert response.context["nothing_found"]["suggestions"]
    with django_assert_max_num_queries(40):
        client.get("/studies/", {"q": "Kizilslan", "family": "garnet", "strategy": "other"})


@pytest.mark.django_db
def test_a_long_search_that_finds_nothing_gets_no_suggestions(client, django_assert_max_num_queries):
    words = " ".join(f"zqx{n}" for n in range(SUGGESTED_WORDS_MAX + 1))
    with django_assert_max_num_queries(15):
        response = client.get("/studies/", {"q": words})
    assert response.context["nothing_found"]["suggestions"] == []


# -- in a browser ---------------------------------------------------------------------------


def count_shown(page) -> int:
    return int(page.locator("h2.count").inner_text().split()[0])


def search_from_the_header(page, text: str) -> None:
    box = page.locator("#site-search-q")
    box.fill(text)
    with page.expect_navigation():
        box.press("Enter")


@pytest.mark.browser
@needs_chromium
def test_the_header_box_finds_from_any_page(page, live_server, curated_live):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/")
    # The box is reached from the keyboard right after the site's name.
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search-q":
            break
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    page.keyboard.type("Kizilaslan")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/studies/?q=Kizilaslan")
    assert page.locator("h2.count").inner_text().startswith("1 study")
    assert page.locator("table.studies mark").first.inner_text() == "Kızılaslan"
    assert page.locator("#site-search-q").input_value() == "Kizilaslan"

    study = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    page.goto(f"{live_server.url}{study.get_absolute_url()}")
    search_from_the_header(page, "Li6PS5Cl")
    assert "/studies/?q=Li6PS5Cl" in page.url
    assert count_shown(page) == Study.objects.search("Li6PS5Cl").count()
    marks = page.locator("table.studies a mark")
    assert marks.count() > 0 and "Li6PS5Cl" in marks.first.inner_text()
    mark = marks.first.evaluate("m => [getComputedStyle(m).backgroundColor, getComputedStyle(m).color]")
    assert mark == ["rgb(255, 224, 138)", "rgb(11, 92, 171)"]  # a link's blue on yellow, 5:1
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=OUTPUT / "search-highlighted.png", full_page=True)

    page.goto(f"{live_server.url}/references/")
    assert page.get_by_role("search", name="Search references").is_visible()
    search_from_the_header(page, "garnet")
    assert "/references/?q=garnet" in page.url
    assert page.locator("table.references mark").count() > 0
    assert page.refused == []


@pytest.mark.browser
@needs_chromium
def test_an_empty_search_leads_somewhere(page, live_server, curated_live):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/about/")
    search_from_the_header(page, "dendrte garnet")
    assert page.get_by_text("No study matches “dendrte garnet”.").is_visible()
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=OUTPUT / "search-nothing-found.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("link", name="dendrite garnet").click()
    assert count_shown(page) == Study.objects.search("dendrite garnet").count()

    page.goto(f"{live_server.url}/studies/?q=LiF&family=nasicon&strategy=anode-design&year_min=2020")
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=OUTPUT / "search-nothing-found-filtered.png", full_page=True)
    with page.expect_navigation():
        page.get_by_role("link", name="Search all studies for “LiF”").click()
    assert count_shown(page) == Study.objects.search("LiF").count()
    assert page.refused == []


@pytest.mark.browser
@needs_chromium
def test_the_header_box_on_a_phone(phone_page, live_server, curated_live):
    OUTPUT.mkdir(exist_ok=True)
    page = phone_page
    study = Study.objects.get(key=KIZILASLAN)
    page.goto(f"{live_server.url}{study.get_absolute_url()}")
    box = page.locator("#site-search-q").bounding_box()
    button = page.locator(".site-search-button").bounding_box()
    # The field and its button fit the screen, on a line of their own, big enough to touch.
    assert box["x"] >= 0 and button["x"] + button["width"] <= 390
    assert box["width"] > 250 and box["height"] >= 40 and button["height"] >= 40
    page.locator("#site-search-q").tap()
    page.keyboard.type("LiF")
    with page.expect_navigation():
        page.locator(".site-search-button").tap()
    assert "/studies/?q=LiF" in page.url
    assert page.locator("table.studies mark").count() > 0
    page.screenshot(path=OUTPUT / "search-phone-results.png", full_page=False)
    page.goto(f"{live_server.url}/studies/?q=Kizilslan&family=garnet")
    assert page.get_by_role("link", name="kizilaslan").is_visible()
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=OUTPUT / "search-phone-nothing-found.png", full_page=True)
    page.goto(f"{live_server.url}/references/")
    search_from_the_header(page, "Akbulut")
    assert "/references/?q=Akbulut" in page.url
    assert page.locator("table.references mark").all_inner_texts() == ["Akbulut"]  # Kızılaslan & Akbulut
    assert page.locator("h2.count").inner_text().startswith("1 reference")
    assert page.refused == []
