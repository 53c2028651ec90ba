"""The sitemap, robots.txt and the icon: every public page listed once, and each answering."""

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from interfaces import sitemaps
from interfaces.models import Electrolyte, ElectrolyteFamily, InterlayerMaterial, Study
from references.models import Reference

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(client, url: str, tag: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [loc.text for loc in ET.fromstring(response.content).findall(f"sm:{tag}/sm:loc", NS)]


def every_listed_url(client) -> list[str]:
    """The addresses of every section of the index, page by page, as paths."""
    listed = []
    for section in locations(client, "/sitemap.xml", "sitemap"):
        parts = urlsplit(section)
        listed += locations(client, f"{parts.path}?{parts.query}", "url")
    return [urlsplit(url)._replace(scheme="", netloc="").geturl() for url in listed]


def test_every_listed_page_answers_once(client):
    listed = every_listed_url(client)
    assert len(listed) == len(set(listed))
    for url in listed:
        assert client.get(url).status_code == 200, url


def test_every_record_with_a_page_is_listed(client):
    listed = set(every_listed_url(client))
    records = [
        *Study.objects.all(),
        *Reference.objects.all(),
        *Electrolyte.objects.all(),
        *InterlayerMaterial.objects.all(),
        *ElectrolyteFamily.objects.all(),
    ]
    assert {record.get_absolute_url() for record in records} <= listed
    assert {"/", "/studies/", "/references/", "/about/", "/data/", "/matrix/"} <= listed


def test_a_long_section_is_paged(client, monkeypatch):
    monkeypatch.setattr(sitemaps.StudySitemap, "limit", 7)
    sections = locations(client, "/sitemap.xml", "sitemap")
    pages = [s for s in sections if "sitemap-studies.xml" in s]
    assert len(pages) == -(-Study.objects.count() // 7) > 1
    listed = every_listed_url(client)
    studies = [url for url in listed if url.startswith("/studies/") and url[9:-1].isdigit()]
    assert sorted(studies) == sorted(study.get_absolute_url() for study in Study.objects.all())


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /" not in lines


def test_the_icon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content) if icon.streaming else icon.content
