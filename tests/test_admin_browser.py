"""A curator's session in headless Chromium: import a messy .bib, then start a study from the paper."""

import json

import pytest
import responses
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import User
from playwright.sync_api import expect

from references.crossref import WORK, WORKS
from references.models import Reference
from tests.helpers import TEST_OUTPUT as OUTPUT
from tests.helpers import follow, make_reference, needs_chromium, sample, serious_accessibility_violations

pytestmark = [pytest.mark.browser, needs_chromium]
CROSSREF_DOI = "10.5555/atlas.gaps.2024"


@pytest.fixture
def page(page, live_server, curated_live):
    """conftest's laptop page, signed in to the admin as a superuser."""
    User.objects.create_superuser("editor", password="a long test password")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a long test password")
    page.click("input[type=submit]")
    return page


def test_a_curator_imports_a_zotero_file_and_starts_a_study_from_it(page, live_server):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/admin/references/reference/")
    page.click("text=Import BibTeX")
    text = sample("zotero.bib")
    assert text.startswith("\n")  # a blank first line, as Zotero writes it
    page.fill("#id_bibtex_text", text)
    page.click("input[value=Preview]")
    summary = page.inner_text(".import-summary")
    assert "3\nnew, to be created" in summary and "1\nalready in the atlas" in summary
    assert page.locator("#new-heading + table tbody tr").count() == 3
    assert "kizilaslan_conference_2021 (23)" in page.inner_text("#new-heading + table")
    page.screenshot(path=str(OUTPUT / "admin-import-preview.png"), full_page=True)

    page.click("input[value='Import 3 new references']")
    assert "Imported 3 new reference(s); skipped 1" in page.inner_text(".messagelist")
    assert page.locator("#result_list tbody tr").count() == 3
    page.screenshot(path=str(OUTPUT / "admin-import-done.png"), full_page=True)
    imported = Reference.objects.get(citekey="kizilaslan2021li")
    assert imported.title == "Li–Metal anodes with Li₂S-rich interphases"
    assert LogEntry.objects.filter(action_flag=ADDITION, content_type__model="reference").count() == 3

    page.goto(f"{live_server.url}/admin/references/reference/{imported.pk}/change/")
    page.click("text=Add a study from this paper")
    assert page.inner_text("#select2-id_reference-container").startswith("Kızılaslan & Akbulut (2021)")
    page.screenshot(path=str(OUTPUT / "admin-study-from-paper.png"), full_page=True)


def test_a_curator_pairs_a_treated_figure_with_its_control_in_one_save(page, live_server):
    OUTPUT.mkdir(exist_ok=True)
    paper = Reference.objects.get(citekey="deng2020tuning")
    page.goto(f"{live_server.url}/admin/interfaces/study/add/?reference={paper.pk}")
    page.select_option("#id_strategy", "artificial-interlayer")
    page.click("#id_electrolyte + .select2 .select2-selection")
    page.fill(".select2-search__field", "LLZTO")
    page.click(".select2-results__option >> text=LLZTO")
    page.fill("#id_summary", "A test interlayer entered by a curator.")
    page.select_option("#id_figures_source", "abstract")
    # The first blank figure row, then one more added with the admin's own button.
    rows = page.locator(".atlas-measurements tr.form-row:not(.empty-form)")
    page.click(".atlas-measurements .add-row a")
    assert rows.count() == 2
    assert rows.nth(0).locator("td.field-number p").inner_text() == "1 (new)"
    assert rows.nth(1).locator("td.field-number p").inner_text() == "2 (new)"
    for index, (value, condition) in enumerate([("1", "coated"), ("1710", "bare")]):
        row = rows.nth(index)
        row.locator("select[name$='-quantity']").select_option("interfacial_resistance")
        assert row.locator("td.field-unit p").inner_text() == "Ω·cm²"  # the unit follows the quantity
        row.locator("input[name$='-value']").fill(value)
        row.locator("input[name$='-condition']").fill(condition)
        row.locator("input[name$='-locator']").fill("abstract")
        row.locator("select[name$='-source']").select_option("abstract")
        row.locator("input[name$='-source_url']").fill("https://example.org/abstract")
    rows.nth(0).locator("input[name$='-control_position']").fill("2")
    page.screenshot(path=str(OUTPUT / "admin-study-figures.png"), full_page=True)
    page.click("input[name=_continue]")
    assert "was added successfully" in page.inner_text(".messagelist")
    study = paper.studies.get(summary="A test interlayer entered by a curator.")
    treated, control = study.measurements.order_by("position")
    assert (treated.control, treated.role, control.role) == (control, "treated", "control")
    page.goto(f"{live_server.url}{study.get_absolute_url()}")
    table = page.inner_text("section[aria-labelledby=measurements-heading]")
    assert "×1710" in table, table


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/interfaces/study/",
        "/admin/interfaces/study/add/",
        "/admin/interfaces/study/{study}/change/",  # its figures and interlayers, each row deletable
        "/admin/references/reference/import-bibtex/",
        "/admin/references/reference/add/",
        "/admin/references/reference/{paper}/change/",  # its authors, each in a search box
        "/admin/interfaces/measurement/add/",
        "/admin/interfaces/electrolytefamily/add/",
        "/admin/interfaces/report/",
    ],
)
def test_the_curation_pages_have_no_serious_accessibility_violation(page, live_server, path):
    paper = Reference.objects.get(citekey="deng2020tuning")
    page.goto(live_server.url + path.format(paper=paper.pk, study=paper.studies.first().pk))
    assert "Interphase Atlas curation" in page.inner_text("#site-name")
    assert serious_accessibility_violations(page) == []


def test_a_search_box_for_a_paper_or_an_electrolyte_is_named_by_its_label(page, live_server):
    # select2 names its box by the current choice only, which a new study does not have yet.
    page.goto(f"{live_server.url}/admin/interfaces/study/add/")
    assert page.get_by_role("combobox", name="Reference:", exact=True).count() == 1
    assert page.get_by_role("combobox", name="Electrolyte:", exact=True).count() == 1
    paper = Reference.objects.get(citekey="deng2020tuning")
    page.goto(f"{live_server.url}/admin/interfaces/study/add/?reference={paper.pk}")
    assert page.get_by_role("combobox", name="Reference: Deng").count() == 1  # the label, then the paper
    # An interlayer row added with the admin's button: its box has no <label>, its column names it.
    assert page.get_by_role("combobox", name="Material").count() == 0
    page.click("#layers-group .add-row a")
    # The row's script names the box once the row is in place: wait for it, as a reader would.
    expect(page.get_by_role("combobox", name="Material", exact=True)).to_have_count(1)  # no value yet
    # A paper's authors, each a search box in its row.
    page.goto(f"{live_server.url}/admin/references/reference/{paper.pk}/change/")
    authors = paper.authorships.count()
    assert authors > 1
    first = paper.authorships.order_by("position").select_related("author").first().author
    assert page.get_by_role("combobox", name="Author").count() == authors
    # Its name, then its value.
    assert page.get_by_role("combobox", name=f"Author {first}", exact=True).count() == 1


@responses.activate
def test_a_curator_fills_a_gap_from_crossref_in_a_few_clicks(page, live_server):
    """Gaps page → Look up (by title) → Compare the first candidate → tick → saved with a note."""
    OUTPUT.mkdir(exist_ok=True)
    responses.add_passthru(live_server.url)
    responses.get(WORKS, json=json.loads(sample("crossref/search_several.json")))
    responses.get(WORK.format(doi=CROSSREF_DOI), json=json.loads(sample("crossref/work.json")))
    reference = make_reference(
        title="A Li3PO4 interlayer for garnet electrolytes", journal="", year=2024, citekey="kim2024li3po4"
    )
    page.goto(f"{live_server.url}/admin/references/reference/")
    follow(page, page.locator("text=Metadata gaps"))
    row = page.locator("table.gaps tr", has_text="kim2024li3po4")
    assert "DOI" in row.inner_text() and "journal" in row.inner_text()
    page.screenshot(path=str(OUTPUT / "admin-gaps.png"), full_page=True)
    follow(page, row.locator("text=Look up by title"))
    assert page.locator("table.gaps tbody tr").count() == 3
    page.screenshot(path=str(OUTPUT / "admin-crossref-candidates.png"), full_page=True)
    follow(page, page.locator("table.gaps tbody tr").first.locator("text=Compare"))
    page.check("#take-doi")
    page.check("#take-journal")
    page.check("#take-pages")
    page.screenshot(path=str(OUTPUT / "admin-crossref-compare.png"), full_page=True)
    follow(page, page.locator("input[value='Take the ticked fields']"))
    assert "Filled from Crossref: DOI, Journal, Pages." in page.inner_text(".messagelist")
    reference.refresh_from_db()
    assert (reference.doi, reference.journal, reference.pages) == (
        CROSSREF_DOI,
        "Journal of Test Interfaces",
        "101–109",
    )
    assert page.input_value("#id_journal") == "Journal of Test Interfaces"
    assert "filled from Crossref's record of DOI" in page.input_value("#id_curation_note")
