"""The overview: what the atlas holds, entry points by family and strategy, the latest studies."""

import re

import pytest

from interfaces.models import Electrolyte, ElectrolyteFamily, InterlayerMaterial, Study
from references.models import Reference
from tests.helpers import make_study

pytestmark = pytest.mark.django_db


def test_counts(client):
    html = client.get("/").content.decode()
    for count, label in [
        (Study.objects.count(), "studies"),
        (Reference.objects.count(), "references"),
        (Electrolyte.objects.count(), "electrolytes"),
        (InterlayerMaterial.objects.count(), "interlayer materials"),
    ]:
        assert f"<strong>{count}</strong> {label}" in html


def test_families_link_to_the_filtered_list_with_their_verdict(client):
    html = client.get("/").content.decode()
    garnet = html[html.index('href="/studies/?family=garnet"') :][:600]
    count = Study.objects.filter(electrolyte__family__slug="garnet").count()
    assert "Garnet oxide" in garnet and "Stable interphase with Li" in garnet and f"{count} studies" in garnet
    nasicon = html[html.index('href="/studies/?family=nasicon"') :][:600]
    assert "No stable interphase with Li" in nasicon
    # A family without studies is no link to an empty page: it says so.
    assert not Study.objects.filter(electrolyte__family__slug="halide").exists()
    assert 'href="/studies/?family=halide"' not in html
    halide = html[html.index('<span class="card-title">Halide') :][:600]
    assert "Not stated" in halide and "no study yet" in halide


def test_strategies_link_to_the_filtered_list(client):
    html = client.get("/").content.decode()
    for slug, section in [
        ("artificial-interlayer", "§2.3.1"),
        ("electrolyte-composition", "§2.3.2"),
        ("anode-design", "§2.3.3"),
        ("other", "§2.3.4"),
    ]:
        count = Study.objects.filter(strategy=slug).count()
        card = html[html.index(f'href="/studies/?strategy={slug}"') :][:400]
        assert f"Review {section}" in card and f"{count} studies" in card
    anode = Study.objects.filter(strategy="anode-design").count()
    assert client.get("/studies/?strategy=anode-design").context["page_obj"].paginator.count == anode


def test_the_most_recently_added_studies_come_first(client):
    newest = make_study(interlayers=["Newestium"])
    html = client.get("/").content.decode()
    recent = html[html.index('id="recent"') :]
    links = re.findall(r'<a href="(/studies/\d+/)" class="study-link">', recent)
    assert links[0] == newest.get_absolute_url()
    latest = Study.objects.order_by("-created_at", "-pk")[:6]
    assert links == [study.get_absolute_url() for study in latest]  # six, newest first


def test_families_come_in_the_curated_order(client):
    html = client.get("/").content.decode()
    families = html[html.index('id="by-family"') :]
    labels = [
        ElectrolyteFamily.objects.get(slug=slug).label for slug in ("garnet", "nasicon", "halide", "other")
    ]
    order = [families.index(f'class="card-title">{label}') for label in labels]
    assert order == sorted(order)
