"""Charts, compare and matrix in headless Chromium on a live server, with the curated data."""

import json
import time

import pytest

from interfaces.models import Quantity, Study
from tests.helpers import TEST_OUTPUT as OUTPUT
from tests.helpers import needs_chromium, serious_accessibility_violations

pytestmark = [pytest.mark.browser, needs_chromium]

CHARTS = ["pairs", "ccd-strategy", "ccd-family", "ccd-resistance", "ccd-year"]


def eligible(family: str) -> dict[str, set[str]]:
    """The studies each chart should draw, read from the database, not from the chart data."""
    studies = Study.objects.filter(electrolyte__family__slug=family).select_related("reference")
    with_ccd = studies.filter(best_ccd_value__gt=0)
    paired = studies.filter(
        measurements__quantity=Quantity.INTERFACIAL_RESISTANCE, measurements__control__isnull=False
    ).distinct()

    def urls(queryset):
        return {s.get_absolute_url() for s in queryset}

    return {
        "pairs": urls(paired),
        "ccd-strategy": urls(with_ccd),
        "ccd-family": urls(with_ccd),
        "ccd-resistance": urls(with_ccd.filter(lowest_resistance_value__gt=0)),
        "ccd-year": urls(with_ccd.filter(reference__year__isnull=False)),
    }


def marks(page, chart: str) -> list[str]:
    return page.locator(f'[data-chart="{chart}"] svg a').evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )


def wait_for_charts(page):
    page.wait_for_selector("section.charts[data-drawn]")


def test_each_chart_draws_one_mark_per_eligible_study_and_follows_the_filter(page, live_server, curated_live):
    page.goto(f"{live_server.url}/studies/?family=garnet")
    wait_for_charts(page)
    expected = eligible("garnet")
    assert len(expected["pairs"]) >= 5 and len(expected["ccd-strategy"]) >= 8
    for chart in CHARTS:
        drawn = marks(page, chart)
        assert len(drawn) == len(expected[chart]), chart
        assert set(drawn) == expected[chart], chart
    assert page.refused == []
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / "study-list-charts.png", full_page=True)

    # Focus (or hover) shows the study, the value with its unit, conditions and source.
    page.locator('[data-chart="ccd-strategy"] svg a').first.focus()
    tip = page.locator(".chart-tip")
    assert tip.is_visible()
    text = tip.inner_text()
    assert "Best CCD:" in text and "mA/cm²" in text and "Source:" in text

    # Another family: other marks.
    with page.expect_navigation():
        page.get_by_role("checkbox", name="Garnet oxide").uncheck()
    with page.expect_navigation():
        page.get_by_role("checkbox", name="Thiophosphate glass / glass-ceramic").check()
    wait_for_charts(page)
    expected = eligible("thiophosphate")
    for chart in CHARTS:
        assert set(marks(page, chart)) == expected[chart], chart
    # No thiophosphate study pairs a resistance with its control: the chart says so.
    if not expected["pairs"]:
        assert (
            "No study in this filter reports an interfacial resistance"
            in page.locator('[data-chart="pairs"]').inner_text()
        )


def test_clicking_a_mark_opens_its_study(page, live_server, curated_live):
    page.goto(f"{live_server.url}/studies/?family=garnet")
    wait_for_charts(page)
    for chart in ["pairs", "ccd-year"]:
        mark = page.locator(f'[data-chart="{chart}"] svg a').first
        href = mark.get_attribute("href")
        # Where a reader clicks: the middle of the shape (a horizontal arrow has no height to aim at).
        box = mark.evaluate(
            "a => { a.scrollIntoView({block: 'center'}); return a.getBoundingClientRect().toJSON(); }"
        )
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_url(f"**{href}")
        assert page.locator("h1").count() == 1
        assert page.locator("section.in-family").is_visible()
        page.go_back()
        wait_for_charts(page)


STRATEGIES = ["Artificial interlayer", "Electrolyte composition", "Anode design", "Other"]
SUMMARY_KEYS = ["pairs", "ccd", "ccd_resistance", "ccd_year"]


def test_the_most_marks_drawn_one_by_one_draw_without_freezing_the_page(page, live_server, curated_live):
    from interfaces.charts import MARKS_MAX

    points = [
        {
            "id": i,
            "url": f"/studies/{i}/",
            "label": f"Study {i}",
            "strategy": STRATEGIES[i % 4],
            "family": f"Family {i % 7}",
            "year": 2000 + i % 25,
            "value": 0.05 * (1 + i % 300),
            "resistance": 1 + i % 500,
            "value_text": "x",
            "title": f"Study {i}",
        }
        for i in range(1, MARKS_MAX + 1)
    ]
    pairs = [p | {"before": 100 + p["id"], "after": 1 + p["id"] % 50, "improvement": 2} for p in points]
    body = {
        "count": MARKS_MAX,
        "strategies": STRATEGIES,
        "binned": {},
        "pairs": pairs,
        "ccd": points,
        "ccd_resistance": points,
        "left_out": {},
        "notes": [],
        "summary": {k: "" for k in SUMMARY_KEYS},
    }
    page.route("**/studies/charts/?*", lambda route: route.fulfill(json=body))
    started = time.monotonic()
    page.goto(f"{live_server.url}/studies/")
    wait_for_charts(page)
    elapsed = time.monotonic() - started
    assert len(marks(page, "ccd-strategy")) == MARKS_MAX
    assert len(marks(page, "pairs")) == MARKS_MAX
    # Each chart is drawn in its own task: the longest task stays well under the whole.
    assert elapsed < 20, elapsed
    print(f"{MARKS_MAX:,} studies, 5 charts drawn in {elapsed:.1f} s")


def test_a_large_atlas_draws_its_bins_and_each_binned_chart_says_so(page, live_server, curated_live):
    """Past the marks drawn one by one, the chart JSON of 100,000 studies is a few hundred bins."""
    families = ["Garnet oxide", "Argyrodite"]
    edges = [round(10 ** (k / 10), 3) for k in range(-10, 31)]
    ccd_bins = [
        {"strategy": s, "family": f, "x1": edges[k], "x2": edges[k + 1], "count": 1 + (k * 7 + i) % 40}
        for i, s in enumerate(STRATEGIES)
        for f in families
        for k in range(0, 40, 2)
    ]
    grid = [edges[k] for k in range(0, 41, 2)]
    cells = [
        {"x1": grid[i], "x2": grid[i + 1], "y1": grid[j], "y2": grid[j + 1], "count": 1 + (i * j) % 90}
        for i in range(20)
        for j in range(10)
    ]
    years = [
        {"year": 2000 + i, "y1": c["y1"], "y2": c["y2"], "count": c["count"]}
        for i, c in enumerate(cells[:25])
    ]
    note = "40,000 studies, more than the 2,000 marks a chart draws one by one: each bar counts …"
    body = {
        "count": 100000,
        "strategies": STRATEGIES,
        "binned": {"ccd": note, "ccd_year": note + " (year)", "ccd_resistance": note + " (cells)"},
        "pairs": [],
        "ccd": [],
        "ccd_resistance": [],
        "ccd_bins": ccd_bins,
        "ccd_year_bins": years,
        "ccd_resistance_bins": cells,
        "left_out": {},
        "notes": [],
        "summary": {k: f"Summary of {k}." for k in SUMMARY_KEYS},
    }
    page.route("**/studies/charts/?*", lambda route: route.fulfill(json=body))
    page.goto(f"{live_server.url}/studies/")
    wait_for_charts(page)
    for chart in ["ccd-strategy", "ccd-family", "ccd-resistance", "ccd-year"]:
        assert page.locator(f'[data-chart="{chart}"] svg rect').count() > 10, chart
    assert page.locator('[data-binned="ccd"]').first.inner_text() == note
    assert page.locator('[data-binned="ccd_resistance"]').is_visible()
    assert page.locator('[data-binned="pairs"]').is_hidden()
    bar = page.locator('[data-chart="ccd-family"] svg rect title').first.text_content()
    assert bar.startswith("Garnet oxide · ") and "Best CCD" in bar and "mA/cm²: " in bar


def test_compare_two_ticked_rows_then_six(page, live_server, curated_live):
    page.goto(f"{live_server.url}/studies/?family=garnet&sort=-ccd")
    boxes = page.locator('table.studies tbody input[type="checkbox"]')
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Compare the ticked studies").click()
    page.wait_for_url("**/compare/?**")
    assert page.locator("table.compare thead th.compare-study").count() == 2
    assert page.locator("svg.compare-stack").count() == 2
    assert page.refused == []
    assert serious_accessibility_violations(page) == []

    chosen = list(Study.objects.order_by("pk").values_list("pk", flat=True)[:6])
    page.goto(f"{live_server.url}/compare/?" + "&".join(f"id={i}" for i in chosen))
    assert page.locator("table.compare thead th.compare-study").count() == 6
    assert page.locator("svg.compare-stack").count() == 6
    # Same scale: every stack is drawn as wide as the others.
    widths = {
        round(box["width"])
        for box in page.locator("svg.compare-stack").evaluate_all(
            "svgs => svgs.map(s => s.getBoundingClientRect().toJSON())"
        )
    }
    assert len(widths) == 1
    page.screenshot(path=OUTPUT / "compare.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=OUTPUT / "compare-phone.png", full_page=True)

    page.goto(f"{live_server.url}/compare/?id={chosen[0]}")
    assert "Choose at least 2 studies" in page.get_by_role("alert").inner_text()


def test_matrix_cells_lead_to_lists_of_as_many_studies(page, live_server, curated_live):
    page.goto(f"{live_server.url}/matrix/?open=garnet")
    cells = page.locator("td.cell a")
    assert cells.count() > 10
    for index in [0, cells.count() // 2, cells.count() - 1]:
        cell = cells.nth(index)
        count = int(cell.locator(".cell-count").inner_text())
        cell.click()
        assert page.locator("h2.count").inner_text().startswith(f"{count} stud")
        page.go_back()
    assert page.get_by_text("An empty cell is an open question").is_visible()
    page.screenshot(path=OUTPUT / "matrix.png", full_page=True)


@pytest.mark.parametrize("path", ["/studies/?family=garnet", "/studies/charts/?family=garnet", "/matrix/"])
def test_chart_pages_break_no_content_security_rule_and_no_accessibility_rule(
    page, live_server, curated_live, path
):
    page.goto(f"{live_server.url}{path}")
    if "studies" in path:
        wait_for_charts(page)
    page.wait_for_load_state("networkidle")
    assert page.refused == []
    assert serious_accessibility_violations(page) == []


def test_a_phone_gets_legible_charts_and_no_sideways_scroll(new_page, live_server, curated_live):
    page = new_page(390, 844)
    page.goto(f"{live_server.url}/studies/charts/")
    wait_for_charts(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    sizes = page.locator("[data-chart] svg text").evaluate_all(
        "texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert min(sizes) >= 10
    page.screenshot(path=OUTPUT / "charts-phone.png", full_page=True)
    study = Study.objects.get(key="han2017negating-al2o3-llczn")
    page.goto(f"{live_server.url}{study.get_absolute_url()}")
    assert "1st of the" in page.locator("section.in-family").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_charts_page_reads_without_javascript(new_page, live_server, curated_live):
    page = new_page(1280, 720, java_script_enabled=False)  # Playwright's default viewport
    page.goto(f"{live_server.url}/studies/charts/?family=garnet")
    rows = page.locator("#table-ccd + .table-scroll tbody tr")
    assert rows.count() == len(eligible("garnet")["ccd-strategy"])
    assert "report a critical current density" in page.locator("[data-summary=ccd]").first.inner_text()
    data = json.loads(page.request.get(f"{live_server.url}/studies/charts/?family=garnet&format=json").text())
    assert data["count"] == Study.objects.filter(electrolyte__family__slug="garnet").count()
