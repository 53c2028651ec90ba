"""The Atom feeds of the newest studies, read back by a feed reader's parser."""

import datetime

import feedparser
import pytest
from django.utils import timezone

from interfaces.feeds import FEED_LENGTH
from interfaces.models import ElectrolyteFamily, Study
from tests.helpers import make_reference, make_study

pytestmark = pytest.mark.django_db


def read(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_the_feed_holds_the_newest_studies_newest_first(client):
    newest = make_study(reference=make_reference(authors=(("Zhang", "Wei"), ("Doe", "Jane"))))
    Study.objects.filter(pk=newest.pk).update(created_at=timezone.now() + datetime.timedelta(days=1))
    feed = read(client, "/feeds/studies.atom")
    expected = list(Study.objects.order_by("-created_at", "-pk")[:FEED_LENGTH])
    assert len(feed.entries) == min(FEED_LENGTH, Study.objects.count())
    assert [entry.link for entry in feed.entries] == [
        f"http://testserver{s.get_absolute_url()}" for s in expected
    ]
    first = feed.entries[0]
    assert first.author == "Wei Zhang"
    assert (
        first.title
        == f"Artificial interlayer — {newest.electrolyte.name} (Zhang & Doe {newest.reference.year})"
    )
    assert first.summary.startswith(newest.summary)
    newest.refresh_from_db()
    assert first.updated_parsed[:6] == newest.created_at.utctimetuple()[:6]
    assert first.id == f"http://testserver{newest.get_absolute_url()}"


def test_an_entrys_id_stays_the_same_when_newer_studies_come(client):
    study = make_study()
    before = {entry.link: entry.id for entry in read(client, "/feeds/studies.atom").entries}
    make_study()
    after = {entry.link: entry.id for entry in read(client, "/feeds/studies.atom").entries}
    link = f"http://testserver{study.get_absolute_url()}"
    assert before[link] == after[link]


def test_a_familys_feed_holds_only_its_studies(client):
    family = ElectrolyteFamily.objects.filter(electrolytes__studies__isnull=False).distinct().first()
    feed = read(client, f"/feeds/families/{family.slug}.atom")
    expected = Study.objects.filter(electrolyte__family=family).order_by("-created_at", "-pk")[:FEED_LENGTH]
    assert [entry.link for entry in feed.entries] == [
        f"http://testserver{s.get_absolute_url()}" for s in expected
    ]
    assert family.label in feed.feed.title


def test_an_unknown_family_has_no_feed(client):
    assert client.get("/feeds/families/no-such-family.atom").status_code == 404


@pytest.mark.parametrize(
    ("url", "feeds"),
    [
        ("/", ["/feeds/studies.atom"]),
        ("/studies/", ["/feeds/studies.atom"]),
        ("/studies/?family=garnet", ["/feeds/studies.atom", "/feeds/families/garnet.atom"]),
    ],
)
def test_pages_link_their_feeds(client, url, feeds):
    from html.parser import HTMLParser

    found = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "link" and attrs.get("type") == "application/atom+xml":
                found.append(attrs["href"])

    Links().feed(client.get(url).content.decode())
    assert found == feeds
