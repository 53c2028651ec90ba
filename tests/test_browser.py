"""Real-browser tests: headless Chromium against the live server, with the curated data."""

import json
from pathlib import Path

import pytest
from django.utils import timezone

from interfaces.models import Study
from tests.helpers import TEST_OUTPUT as OUTPUT
from tests.helpers import follow, needs_chromium, serious_accessibility_violations

pytestmark = [pytest.mark.browser, needs_chromium]


def row_families(page) -> list[str]:
    return page.locator("table.studies tbody tr td:nth-child(3) .sub").all_inner_texts()


def test_choosing_a_family_in_the_form_changes_the_rows(page, live_server, curated_live):
    page.goto(f"{live_server.url}/studies/")
    total = Study.objects.count()
    assert page.locator("h2.count").inner_text().startswith(f"{total} studies")
    assert "Argyrodite" in row_families(page)
    # The little script submits the form as soon as a box is ticked.
    with page.expect_navigation():
        page.get_by_role("checkbox", name="Garnet oxide").check()
    assert "family=garnet" in page.url
    garnet = Study.objects.filter(electrolyte__family__slug="garnet")
    assert page.locator("h2.count").inner_text().startswith(f"{garnet.count()} studies")
    assert set(row_families(page)) == {"Garnet oxide"}
    assert page.get_by_role("checkbox", name="Garnet oxide").is_checked()
    # A facet link narrows further; the same link on a selected value removes it.
    # Ticking a method narrows further; unticking the family widens again.
    page.locator("summary", has_text="Method").click()
    with page.expect_navigation():
        page.get_by_role("checkbox", name="Atomic layer deposition").check()
    ald = garnet.filter(method="ald").count()
    assert page.locator("h2.count").inner_text().startswith(f"{ald} studies")
    with page.expect_navigation():
        page.get_by_role("checkbox", name="Garnet oxide").uncheck()
    assert "family=" not in page.url and "method=ald" in page.url
    OUTPUT.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/studies/")
    page.screenshot(path=OUTPUT / "study-list.png", full_page=True)


def test_the_form_works_without_javascript(new_page, live_server, curated_live):
    page = new_page(java_script_enabled=False, accept_downloads=True)
    page.goto(f"{live_server.url}/studies/")
    page.get_by_role("checkbox", name="Garnet oxide").check()
    page.get_by_role("checkbox", name="Artificial interlayer").check()
    page.get_by_label("Best CCD at least (mA/cm²)").fill("2")
    follow(page, page.get_by_role("button", name="Apply filters"))
    expected = [
        study
        for study in Study.objects.for_list().filter(
            electrolyte__family__slug="garnet", strategy="artificial-interlayer"
        )
        if study.best_ccd and (study.best_ccd.value_max or study.best_ccd.value) >= 2
    ]
    assert len(expected) >= 2
    assert page.locator("h2.count").inner_text().startswith(f"{len(expected)} studies")
    assert page.locator("table.studies tbody tr").count() == len(expected)
    assert "2.2\xa0mA" in page.locator("table.studies tbody").inner_text()  # Deng et al.


def test_open_a_study_and_follow_its_export_links(page, live_server, curated_live):
    page.goto(f"{live_server.url}/studies/?family=garnet&strategy=artificial-interlayer&ccd_min=2&q=Li3PO4")
    follow(page, page.get_by_role("link", name="Li | Li3PO4 (ALD, 10 nm) | LLZTO"))
    assert page.locator("h1").inner_text() == "Li3PO4 on LLZTO"
    assert page.locator(".stack .layer").count() == 3
    assert "~10\xa0nm thick" in page.locator(".stack").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download BibTeX").click()
    download = info.value
    assert download.suggested_filename == "deng2020tuning.bib"
    assert "@article{deng2020tuning" in Path(download.path()).read_text()
    page.get_by_text("Cite", exact=True).click()
    assert page.locator("pre.bibtex").is_visible()
    assert page.get_by_role("link", name="Read the paper (DOI)").get_attribute("href") == (
        "https://doi.org/10.1002/adma.202000030"
    )
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / "study-detail.png", full_page=True)

    page.go_back()
    with page.expect_download() as info:
        page.locator(".exports").get_by_role("link", name="CSV").click()
    csv_text = Path(info.value.path()).read_text()
    # Named by the filter it holds and the day it was taken.
    name = info.value.suggested_filename
    assert name.startswith("interphase-atlas-studies-") and "garnet" in name and "li3po4" in name
    assert name.endswith(f"-{timezone.localdate().isoformat()}.csv")
    assert csv_text.count("deng2020tuning") == 2  # the CCD and the thickness
    follow(page, page.locator(".exports").get_by_role("link", name="JSON", exact=True))
    data = json.loads(page.locator("body").inner_text())
    assert data["count"] == 1 and data["results"][0]["reference"]["citekey"] == "deng2020tuning"


def test_export_ticked_rows_as_bibtex(page, live_server, curated_live):
    page.goto(f"{live_server.url}/studies/?interlayer=si")
    boxes = page.locator('table.studies tbody input[type="checkbox"]')
    assert boxes.count() == 2
    boxes.first.check()
    with page.expect_download() as info:
        page.locator("form#selection").get_by_role("button", name="BibTeX").click()
    text = Path(info.value.path()).read_text()
    assert text.count("@article{") == 1


def test_keyboard_users_get_a_skip_link_and_visible_focus(page, live_server, curated_live):
    page.goto(f"{live_server.url}/studies/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link").first
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.bounding_box()["y"] >= 0  # moved on screen when focused
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_a_phone_sees_the_results_before_the_filters(new_page, live_server, curated_live):
    page = new_page(390, 844, accept_downloads=True)
    page.goto(f"{live_server.url}/studies/?family=garnet")
    # The filters wait behind a button above the results.
    assert not page.locator("aside.sidebar").is_visible()
    button = page.get_by_role("button", name="Filters (1 active)")
    assert button.bounding_box()["y"] < page.locator("section.results").bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / "study-list-phone.png", full_page=False)
    page.goto(f"{live_server.url}/studies/?electrolyte=llzto")
    follow(page, page.get_by_role("link", name="Li | Li3PO4 (ALD, 10 nm) | LLZTO"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=OUTPUT / "study-detail-phone.png", full_page=True)


@pytest.mark.parametrize(
    "path",
    ["/", "/studies/?family=garnet&sort=resistance", "/references/", "/electrolytes/", "/interlayers/"],
)
def test_public_pages_break_no_content_security_rule_and_no_accessibility_rule(
    page, live_server, curated_live, path
):
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    assert page.refused == []
    assert serious_accessibility_violations(page) == []


def test_a_study_page_and_its_report_form_break_no_content_security_rule(page, live_server, curated_live):
    study = Study.objects.get(key="han2017negating-al2o3-llczn")
    page.goto(f"{live_server.url}{study.get_absolute_url()}")
    follow(page, page.get_by_role("link", name="Report a problem with this study"))
    page.get_by_label("What is wrong").fill("The control value is printed with a comma in the paper.")
    follow(page, page.get_by_role("button", name="Send the report"))
    assert "waiting for a curator" in page.inner_text("h1")
    assert page.refused == []


@pytest.mark.parametrize(("width", "height", "name"), [(1366, 900, "laptop"), (390, 844, "phone")])
def test_a_reader_copies_a_citation_in_their_journals_style(
    new_page, live_server, curated_live, width, height, name
):
    page = new_page(width, height)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/references/han2017negating/")
    page.get_by_text("Cite", exact=True).click()
    styles = page.locator(".cite-styles dt").all_inner_texts()
    assert styles == ["ACS", "RSC", "Nature", "APA"]
    acs = page.locator("#cite-acs-han2017negating").inner_text()
    assert (
        acs.startswith("Han, X.;") and "Nature Materials" in acs and "https://doi.org/10.1038/nmat4821" in acs
    )
    page.get_by_role("button", name="Copy the Nature citation").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#cite-nature-han2017negating").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_accessibility_violations(page) == []
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / f"reference-cite-{name}.png", full_page=True)
