"""A curator's session in headless Chromium: import a messy .bib, then start a study from the paper."""

from pathlib import Path

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import User

from references.models import Reference
from tests.conftest import TEST_OUTPUT as OUTPUT
from tests.conftest import needs_chromium

SAMPLES = Path(__file__).parent / "samples"

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def page(browser, live_server, curated_live):
    User.objects.create_superuser("editor", password="a long test password")
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a long test password")
    page.click("input[type=submit]")
    yield page
    context.close()


def test_a_curator_imports_a_zotero_file_and_starts_a_study_from_it(page, live_server):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/admin/references/reference/")
    page.click("text=Import BibTeX")
    text = (SAMPLES / "zotero.bib").read_text(encoding="utf-8")
    assert text.startswith("\n")  # a blank first line, as Zotero writes it
    page.fill("#id_bibtex_text", text)
    page.click("input[value=Preview]")
    summary = page.inner_text(".import-summary")
    assert "3\nnew, to be created" in summary and "1\nalready in the atlas" in summary
    assert page.inner_text("#new-heading + table").count("\n") == 3  # header and three rows
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
