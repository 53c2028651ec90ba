"""The metadata in a real browser: the study page and the list keep their Content-Security-Policy
(JSON-LD is data, not script) and stay free of serious accessibility faults."""

import json

import pytest

from interfaces.models import Study
from tests.helpers import TEST_OUTPUT as OUTPUT
from tests.helpers import needs_chromium, serious_accessibility_violations

pytestmark = [pytest.mark.browser, needs_chromium]


def test_a_study_page_carries_its_metadata_without_a_refusal(page, live_server, curated_live):
    study = Study.objects.filter(reference__doi__gt="").order_by("pk").first()
    page.goto(f"{live_server.url}{study.get_absolute_url()}")
    records = [
        json.loads(text) for text in page.locator('script[type="application/ld+json"]').all_text_contents()
    ]
    assert [record["@type"] for record in records] == ["ScholarlyArticle", "Dataset"]
    assert records[0]["sameAs"] == f"https://doi.org/{study.reference.doi}"
    assert page.locator('meta[name="citation_title"]').get_attribute("content") == study.reference.title
    assert page.refused == []
    assert serious_accessibility_violations(page) == []
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / "metadata-study-page.png")


def test_the_list_offers_its_papers_without_a_refusal(page, live_server, curated_live):
    page.goto(f"{live_server.url}/studies/?family=garnet")
    assert page.locator("span.Z3988").count() >= 1
    assert page.locator('link[type="application/atom+xml"]').count() == 2
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert page.request.get(f"{live_server.url}{icon}").ok
    assert page.refused == []
    assert serious_accessibility_violations(page) == []
    page.screenshot(path=OUTPUT / "metadata-study-list.png", full_page=False)
