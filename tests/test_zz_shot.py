import pytest

from interfaces.models import Study
from tests.conftest import TEST_OUTPUT as OUTPUT

pytestmark = [pytest.mark.browser]


def test_shot(browser, live_server, curated_live):
    OUTPUT.mkdir(exist_ok=True)
    for name, w, h in (("laptop", 1366, 900), ("phone", 390, 844)):
        page = browser.new_page(viewport={"width": w, "height": h})
        page.goto(f"{live_server.url}/studies/?family=garnet&sort=resistance")
        page.screenshot(path=str(OUTPUT / f"probe-list-{name}.png"), full_page=False)
        s = Study.objects.get(key="han2017negating-al2o3-llczn")
        page.goto(f"{live_server.url}{s.get_absolute_url()}")
        page.locator("#measurements-heading").scroll_into_view_if_needed()
        page.screenshot(path=str(OUTPUT / f"probe-study-{name}.png"), full_page=False)
        page.close()
