"""The study list as researchers scan it, in headless Chromium: density on a laptop, cards on a
phone, selection that keeps the filter, focus after filtering, and no serious accessibility fault."""

import json
import re

import pytest
from playwright.sync_api import expect

from interfaces.models import Study
from references.models import Reference
from tests.conftest import TEST_OUTPUT as OUTPUT
from tests.conftest import needs_chromium, serious_accessibility_violations

pytestmark = [pytest.mark.browser, needs_chromium]

GARNET_INTERLAYERS = "/studies/?family=garnet&strategy=artificial-interlayer"


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def rows_in_view(page) -> int:
    return page.evaluate(
        "Array.from(document.querySelectorAll('table.studies tbody tr'))"
        ".filter(row => row.getBoundingClientRect().bottom <= window.innerHeight).length"
    )


@pytest.mark.parametrize("path", ["/studies/", GARNET_INTERLAYERS])
def test_a_laptop_shows_twelve_rows_without_scrolling_and_no_sideways_scroll(
    laptop, live_server, curated_live, path
):
    laptop.goto(f"{live_server.url}{path}")
    assert rows_in_view(laptop) >= 12
    table = laptop.locator(".table-scroll")
    assert table.evaluate("element => element.scrollWidth <= element.clientWidth")
    OUTPUT.mkdir(exist_ok=True)
    laptop.screenshot(path=OUTPUT / "study-list-laptop.png")


def test_a_row_says_what_was_done_and_what_it_reached(laptop, live_server, curated_live):
    laptop.goto(f"{live_server.url}{GARNET_INTERLAYERS}")
    row = laptop.locator("table.studies tbody tr", has_text="Li | Al2O3 (ALD) | LLCZN")
    text = row.inner_text()
    assert "Han et al. 2017" in text
    # The treated resistance beside its untreated control, in its unit, with where it was read.
    assert re.search(r"1 ←\s*, control\s*1710\xa0Ω\xa0cm2", text) and "abstract" in text
    fu = laptop.locator("table.studies tbody tr", has_text="Fu et al. 2017").all_inner_texts()
    titles = {t.splitlines()[0] for t in fu}
    assert len(fu) == len(titles) == 2  # two studies of one first author, told apart


def test_a_phone_gets_cards_with_figures_and_doi_and_never_scrolls_sideways(phone, live_server, curated_live):
    for path in ["/studies/", "/studies/?page=2", "/studies/?family=thiophosphate", "/references/", "/"]:
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
    phone.goto(f"{live_server.url}{GARNET_INTERLAYERS}")
    filters = phone.get_by_role("button", name="Filters (2 active)")
    first_card = phone.locator("table.studies tbody tr").first
    assert filters.bounding_box()["y"] < first_card.bounding_box()["y"] < 844
    assert not phone.locator("aside.sidebar").is_visible()
    card = phone.locator("table.studies tbody tr", has_text="Li | Al2O3 (ALD) | LLCZN")
    text = card.inner_text()
    assert re.search(r"1 ←\s*, control\s*1710", text) and "10.1038/nmat4821" in text
    assert card.bounding_box()["width"] <= 390
    # No word is broken inside: nothing in the results may break a word anywhere.
    broken = phone.evaluate(
        "Array.from(document.querySelectorAll('#results *')).filter(e => {"
        " const s = getComputedStyle(e); return s.wordBreak === 'break-all' || s.overflowWrap === 'anywhere'"
        " }).map(e => e.className)"
    )
    assert broken == []
    filters.click()
    assert phone.locator("aside.sidebar").is_visible()
    assert phone.get_by_role("checkbox", name="Garnet oxide").is_checked()
    OUTPUT.mkdir(exist_ok=True)
    phone.screenshot(path=OUTPUT / "study-list-phone-filters.png")


def test_select_all_counts_the_ticked_rows_and_exports_them_with_the_filter(
    laptop, live_server, curated_live
):
    laptop.goto(f"{live_server.url}{GARNET_INTERLAYERS}")
    rows = laptop.locator('table.studies tbody input[name="id"]')
    shown = rows.count()
    laptop.get_by_label("Select every row on this page").check()
    assert laptop.locator(".selection-count").inner_text() == f"{shown} rows ticked"
    rows.nth(0).uncheck()
    rows.nth(1).uncheck()
    assert laptop.locator(".selection-count").inner_text() == f"{shown - 2} rows ticked"
    with laptop.expect_response(lambda response: "format=json" in response.url) as info:
        laptop.locator("form#selection").get_by_role("button", name="JSON").click()
    assert "family=garnet" in info.value.url and "strategy=artificial-interlayer" in info.value.url
    data = json.loads(info.value.body())
    assert data["count"] == shown - 2
    assert {row["electrolyte"]["family"]["slug"] for row in data["results"]} == {"garnet"}


def test_exporting_with_no_row_ticked_says_so_and_keeps_the_filter(laptop, live_server, curated_live):
    laptop.goto(f"{live_server.url}{GARNET_INTERLAYERS}")
    expected = Study.objects.filter(
        electrolyte__family__slug="garnet", strategy="artificial-interlayer"
    ).count()
    laptop.locator("form#selection").get_by_role("button", name="BibTeX").click()
    assert "Tick at least one row to export a selection." in laptop.locator("#results").inner_text()
    assert laptop.locator("h2.count").inner_text().startswith(f"{expected} studies")
    assert laptop.get_by_role("checkbox", name="Garnet oxide").is_checked()


def test_focus_stays_on_the_changed_filter_and_the_count_is_announced(laptop, live_server, curated_live):
    laptop.goto(f"{live_server.url}/studies/")
    box = laptop.get_by_role("checkbox", name="Garnet oxide")
    box.focus()
    with laptop.expect_navigation():
        laptop.keyboard.press("Space")
    assert "family=garnet" in laptop.url
    focused = laptop.evaluate("document.activeElement.closest('label').innerText")
    assert "Garnet oxide" in focused
    assert laptop.evaluate("document.activeElement.checked")
    garnet = Study.objects.filter(electrolyte__family__slug="garnet").count()
    status = laptop.locator("#results-status")
    assert status.get_attribute("aria-live") == "polite"
    expect(status).to_have_text(f"{garnet} studies found.")


def test_a_skip_link_leads_keyboard_users_to_the_results(laptop, live_server, curated_live):
    laptop.goto(f"{live_server.url}/studies/")
    laptop.keyboard.press("Tab")
    laptop.keyboard.press("Tab")
    assert laptop.evaluate("document.activeElement.textContent") == "Skip to results"
    laptop.keyboard.press("Enter")
    assert laptop.evaluate("document.activeElement.id") == "results"


def test_the_material_pickers_need_no_ctrl_click(laptop, live_server, curated_live):
    laptop.goto(f"{live_server.url}/studies/")
    laptop.locator("summary", has_text=re.compile("^Electrolyte$")).click()
    laptop.get_by_label("Find in the electrolytes").fill("llzo")
    visible = laptop.locator("#choices-electrolyte .choice:visible").all_inner_texts()
    assert visible and all("llzo" in text.lower() for text in visible)
    with laptop.expect_navigation():
        laptop.get_by_role("checkbox", name="LLZO", exact=False).first.check()
    assert "electrolyte=" in laptop.url


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


def test_no_public_page_has_a_serious_accessibility_fault(browser, live_server, curated_live):
    faults = {}
    for viewport in ({"width": 1366, "height": 900}, {"width": 390, "height": 844}):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        for path in public_paths():
            page.goto(f"{live_server.url}{path}")
            found = serious_accessibility_violations(page)
            if found:
                faults[f"{path} at {viewport['width']}px"] = found
        context.close()
    assert faults == {}
