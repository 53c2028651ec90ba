"""The admin's first page in headless Chromium, on a laptop and a phone: the day's work readable
without sideways scrolling, accessible, and each count a click from its list."""

import pytest
from django.contrib.auth.models import User

from interfaces.models import CurationLoad, FiguresSource, Report, Study
from tests.helpers import TEST_OUTPUT as OUTPUT
from tests.helpers import (
    follow,
    make_study,
    needs_chromium,
    run_load_curated,
    serious_accessibility_violations,
)

pytestmark = [pytest.mark.browser, needs_chromium]
PASSWORD = "a long test password"


def signed_in(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    follow(page, page.locator("input[type=submit]"))
    return page


@pytest.fixture
def work(curated_live):
    """Some of each kind of work: an uncurated study with a figure, a reader's report, a conflict."""
    User.objects.create_superuser("editor", password=PASSWORD)
    study = make_study(measurements=[{"value": 1.2}], figures_source=FiguresSource.NOT_CURATED)
    Report.objects.create(study=study, problem="The value is 1.3 in Fig. 2.")
    curated = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    curated.summary = "Corrected by a curator."
    curated.save()
    run_load_curated()
    return CurationLoad.objects.latest()


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.mark.parametrize(
    ("width", "height", "scheme", "name"),
    [(1366, 900, "light", "laptop"), (390, 844, "light", "phone"), (1366, 900, "dark", "laptop-dark")],
)
def test_the_day_s_work_fits_and_is_accessible(new_page, live_server, work, width, height, scheme, name):
    OUTPUT.mkdir(exist_ok=True)
    page = signed_in(new_page(width, height, color_scheme=scheme), live_server)
    panel = page.locator(".atlas-work")
    assert panel.is_visible()
    conflicts = panel.locator(".atlas-task", has_text="conflict in the last load of the curated files")
    assert conflicts.locator(".atlas-count").inner_text() == "1"
    page.screenshot(path=str(OUTPUT / f"admin-index-{name}.png"), full_page=True)
    assert not scrolls_sideways(page)
    assert serious_accessibility_violations(page) == []
    assert page.refused == []


def test_a_count_leads_to_its_list(page, live_server, work):
    signed_in(page, live_server)
    follow(page, page.locator(".atlas-tasks a", has_text="to moderate"))
    assert page.url.endswith("/admin/interfaces/report/?status__exact=new")
    assert page.locator("#result_list tbody tr").count() == Report.objects.filter(status="new").count()

    page.goto(f"{live_server.url}/admin/")
    follow(page, page.locator(".atlas-tasks a", has_text="conflict in the last load"))
    assert page.url.endswith(f"/admin/interfaces/curationload/{work.pk}/change/")
    assert page.locator(".atlas-conflicts tbody tr").count() == 1
    page.screenshot(path=str(OUTPUT / "admin-curation-load.png"), full_page=True)
    assert not scrolls_sideways(page)
