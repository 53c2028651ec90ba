"""The study list as researchers scan it, in headless Chromium: density on a laptop, cards on a
phone, selection that keeps the filter, focus after filtering, and no serious accessibility fault."""

import json
import re

import pytest
from playwright.sync_api import expect

from interfaces.models import Study
from references.models import Reference
from tests.helpers import TEST_OUTPUT as OUTPUT
from tests.helpers import needs_chromium, serious_accessibility_violations

pytestmark = [pytest.mark.browser, needs_chromium]

GARNET_INTERLAYERS = "/studies/?family=garnet&strategy=artificial-interlayer"


def rows_in_view(page) -> int:
    return page.evaluate(
        "Array.from(document.querySelectorAll('table.studies tbody tr'))"
        ".filter(row => row.getBoundingClientRect().bottom <= window.innerHeight).length"
    )


@pytest.mark.parametrize("path", ["/studies/", GARNET_INTERLAYERS])
def test_a_laptop_shows_twelve_rows_without_scrolling_and_no_sideways_scroll(
    page, live_server, curated_live, path
):
    page.goto(f"{live_server.url}{path}")
    assert rows_in_view(page) >= 12
    table = page.locator(".table-scroll")
    assert table.evaluate("element => element.scrollWidth <= element.clientWidth")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / "study-list-laptop.png")


def test_a_row_says_what_was_done_and_what_it_reached(page, live_server, curated_live):
    page.goto(f"{live_server.url}{GARNET_INTERLAYERS}")
    row = page.locator("table.studies tbody tr", has_text="Li | Al2O3 (ALD) | LLCZN")
    text = row.inner_text()
    assert "Han et al. 2017" in text
    # The treated resistance beside its untreated control, in its unit, with where it was read.
    assert re.search(r"1 ←\s*, control\s*1710\xa0Ω\xa0cm2", text) and "abstract" in text
    fu = page.locator("table.studies tbody tr", has_text="Fu et al. 2017").all_inner_texts()
    titles = {t.splitlines()[0] for t in fu}
    assert len(fu) == len(titles) == 2  # two studies of one first author, told apart


def test_a_phone_gets_cards_with_figures_and_doi_and_never_scrolls_sideways(
    phone_page, live_server, curated_live
):
    for path in ["/studies/", "/studies/?page=2", "/studies/?family=thiophosphate", "/references/", "/"]:
        phone_page.goto(f"{live_server.url}{path}")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390, path
    phone_page.goto(f"{live_server.url}{GARNET_INTERLAYERS}")
    filters = phone_page.get_by_role("button", name="Filters (2 active)")
    first_card = phone_page.locator("table.studies tbody tr").first
    assert filters.bounding_box()["y"] < first_card.bounding_box()["y"] < 844
    assert not phone_page.locator("aside.sidebar").is_visible()
    card = phone_page.locator("table.studies tbody tr", has_text="Li | Al2O3 (ALD) | LLCZN")
    text = card.inner_text()
    assert re.search(r"1 ←\s*, control\s*1710", text) and "10.1038/nmat4821" in text
    assert card.bounding_box()["width"] <= 390
    # No word is broken inside: nothing in the results may break a word anywhere.
    broken = phone_page.evaluate(
        "Array.from(document.querySelectorAll('#results *')).filter(e => {"
        " const s = getComputedStyle(e); return s.wordBreak === 'break-all' || s.overflowWrap === 'anywhere'"
        " }).map(e => e.className)"
    )
    assert broken == []
    filters.click()
    assert phone_page.locator("aside.sidebar").is_visible()
    assert phone_page.get_by_role("checkbox", name="Garnet oxide").is_checked()
    OUTPUT.mkdir(exist_ok=True)
    phone_page.screenshot(path=OUTPUT / "study-list-phone-filters.png")


def test_select_all_counts_the_ticked_rows_and_exports_them_with_the_filter(page, live_server, curated_live):
    page.goto(f"{live_server.url}{GARNET_INTERLAYERS}")
    rows = page.locator('table.studies tbody input[name="id"]')
    shown = rows.count()
    page.get_by_label("Select every row on this page").check()
    assert page.locator(".selection-count").inner_text() == f"{shown} rows ticked"
    rows.nth(0).uncheck()
    rows.nth(1).uncheck()
    assert page.locator(".selection-count").inner_text() == f"{shown - 2} rows ticked"
    with page.expect_response(lambda response: "format=json" in response.url) as info:
        page.locator("form#selection").get_by_role("button", name="JSON", exact=True).click()
    assert "family=garnet" in info.value.url and "strategy=artificial-interlayer" in info.value.url
    data = json.loads(info.value.body())
    assert data["count"] == shown - 2
    assert {row["electrolyte"]["family"]["slug"] for row in data["results"]} == {"garnet"}


def test_exporting_with_no_row_ticked_says_so_and_keeps_the_filter(page, live_server, curated_live):
    page.goto(f"{live_server.url}{GARNET_INTERLAYERS}")
    expected = Study.objects.filter(
        electrolyte__family__slug="garnet", strategy="artificial-interlayer"
    ).count()
    page.locator("form#selection").get_by_role("button", name="BibTeX").click()
    assert "Tick at least one row to export a selection." in page.locator("#results").inner_text()
    assert page.locator("h2.count").inner_text().startswith(f"{expected} studies")
    assert page.get_by_role("checkbox", name="Garnet oxide").is_checked()


def test_focus_stays_on_the_changed_filter_and_the_count_is_announced(page, live_server, curated_live):
    page.goto(f"{live_server.url}/studies/")
    box = page.get_by_role("checkbox", name="Garnet oxide")
    box.focus()
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert "family=garnet" in page.url
    focused = page.evaluate("document.activeElement.closest('label').innerText")
    assert "Garnet oxide" in focused
    assert page.evaluate("document.activeElement.checked")
    garnet = Study.objects.filter(electrolyte__family__slug="garnet").count()
    status = page.locator("#results-status")
    assert status.get_attribute("aria-live") == "polite"
    expect(status).to_have_text(f"{garnet} studies found.")


def test_a_skip_link_leads_keyboard_users_to_the_results(page, live_server, curated_live):
    page.goto(f"{live_server.url}/studies/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to results"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "results"


def test_the_material_pickers_need_no_ctrl_click(page, live_server, curated_live):
    page.goto(f"{live_server.url}/studies/")
    page.locator("summary", has_text=re.compile("^Electrolyte$")).click()
    page.get_by_label("Find in the electrolytes").fill("llzo")
    visible = page.locator("#choices-electrolyte .choice:visible").all_inner_texts()
    assert visible and all("llzo" in text.lower() for text in visible)
    with page.expect_navigation():
        page.get_by_role("checkbox", name="LLZO", exact=False).first.check()
    assert "electrolyte=" in page.url


def public_paths() -> list[str]:
    study = Study.objects.get(key="han2017negating-al2o3-llczn")
    return [
        "/",
        "/studies/",
        "/studies/?family=garnet&sort=resistance",
        study.get_absolute_url(),
        f"{study.get_absolute_url()}report/",
        "/references/",
        "/references/?sort=studies",
        Reference.objects.get(citekey="han2017negating").get_absolute_url(),
        "/electrolytes/",
        "/electrolytes/llzo/",
        "/interlayers/",
        "/interlayers/si/",
        "/about/",
        "/data/",
    ]


def test_no_public_page_has_a_serious_accessibility_fault(new_page, live_server, curated_live):
    faults = {}
    for width, height in ((1366, 900), (390, 844)):
        page = new_page(width, height)
        for path in public_paths():
            page.goto(f"{live_server.url}{path}")
            found = serious_accessibility_violations(page)
            if found:
                faults[f"{path} at {width}px"] = found
    assert faults == {}
