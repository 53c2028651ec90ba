"""In Chromium: a curator reads a study's figures from its abstract, a second curator checks
them, and a reader sees which figures two people read."""

import pytest
from django.contrib.auth.models import User

from tests.helpers import TEST_OUTPUT as OUTPUT
from tests.helpers import follow, make_reference, make_study, needs_chromium, serious_accessibility_violations

pytestmark = [pytest.mark.browser, needs_chromium]

ABSTRACT = (
    "A thin Li3PO4 interlayer on garnet lowers the interfacial resistance from 900 to 12 Ω cm2 "
    "and raises the critical current density to 1.2 mA cm−2 at 25 °C. The work was funded in 2023."
)


def sign_in(page, url: str, name: str) -> None:
    # A live-server test empties the database afterwards, the Curator group with it: superusers.
    User.objects.create_superuser(name, password="a long test password")
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", "a long test password")
    follow(page, page.locator("input[type=submit]"))


def test_figures_read_from_the_abstract_then_checked_by_a_second_curator(new_page, live_server, curated_live):
    OUTPUT.mkdir(exist_ok=True)
    study = make_study(reference=make_reference(title="A Li3PO4 interlayer on garnet", doi="10.5555/x.1"))
    carla = new_page()
    sign_in(carla, live_server.url, "carla")
    carla.goto(f"{live_server.url}/admin/interfaces/study/{study.pk}/change/")
    follow(carla, carla.get_by_role("link", name="Read figures from the abstract"))
    carla.get_by_label("Abstract").fill(ABSTRACT)
    follow(carla, carla.get_by_role("button", name="Propose figures"))
    rows = carla.locator("table.abstract-proposals tbody.proposal")
    assert rows.count() == 3
    carla.screenshot(path=OUTPUT / "admin-read-abstract.png", full_page=True)
    assert carla.evaluate("document.documentElement.scrollWidth") <= 1366
    assert serious_accessibility_violations(carla) == []
    carla.screenshot(path=OUTPUT / "admin-read-abstract.png", full_page=True)
    follow(carla, carla.get_by_role("button", name="Save the ticked figures"))
    assert "3 figure(s) from the abstract saved as your entries" in carla.inner_text(".messagelist")
    # Carla cannot check her own entries: the page says another curator will.
    assert "await another curator" in carla.locator(".object-tools").inner_text().lower()

    bruno = new_page()
    sign_in(bruno, live_server.url, "bruno")
    bruno.goto(f"{live_server.url}/admin/interfaces/study/{study.pk}/change/")
    bruno.screenshot(path=OUTPUT / "admin-study-to-check.png", full_page=False)
    follow(bruno, bruno.get_by_role("button", name="Mark 3 figures checked"))
    assert "3 figures marked checked" in bruno.inner_text(".messagelist")

    reader = new_page()
    reader.goto(f"{live_server.url}{study.get_absolute_url()}")
    figures = reader.locator("table.measurements")
    assert figures.get_by_text("checked by a second curator").count() == 3
    assert "3 of 3 figures checked" in reader.inner_text("main")
    reader.screenshot(path=OUTPUT / "study-second-reading.png", full_page=True)
