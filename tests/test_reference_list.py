"""The bibliography: its filters, exports, one reference's page and its .bib."""

import pytest
from django.db.models import F, Q
from django.utils import timezone

from interfaces.models import Study
from references.models import Reference
from tests.helpers import bib_keys, ris_ids

pytestmark = pytest.mark.django_db

URL = "/references/"


def citekeys(response) -> list[str]:
    assert response.status_code == 200
    return [r.citekey for r in response.context["filter"].qs]


def expected(condition: Q) -> list[str]:
    return list(
        Reference.objects.filter(condition)
        .order_by(F("year").desc(nulls_last=True), "citekey")  # newest first, undated last
        .values_list("citekey", flat=True)
    )


def test_all_references_newest_first_on_pages(client):
    response = client.get(URL)
    assert response.context["page_obj"].paginator.count == Reference.objects.count() > 61
    assert citekeys(response) == expected(Q())


def test_years(client):
    keys = citekeys(client.get(URL, {"year_min": 2020, "year_max": 2021}))
    assert keys == expected(Q(year__gte=2020, year__lte=2021)) and "deng2020tuning" in keys


def test_author(client):
    # Any author counts: Sixu Deng is a co-author of duan2023situ; newest first.
    assert citekeys(client.get(URL, {"author": "deng"})) == ["duan2023situ", "deng2020tuning"]
    assert citekeys(client.get(URL, {"author": "Kızılaslan"})) == ["kizilaslan2019assembling"]


def test_journal(client):
    keys = citekeys(client.get(URL, {"journal": "advanced materials"}))
    assert keys == expected(Q(journal__icontains="advanced materials")) and "deng2020tuning" in keys


def test_q_over_title_doi_and_key(client):
    assert citekeys(client.get(URL, {"q": "10.1002/adma.202000030"})) == ["deng2020tuning"]
    assert "deng2020tuning" in citekeys(client.get(URL, {"q": "anode–electrolyte interface"}))
    assert citekeys(client.get(URL, {"q": "deng2020tuning"})) == ["deng2020tuning"]


def test_filters_combine(client):
    keys = citekeys(client.get(URL, {"journal": "Journal", "year_min": 2019, "author": "Zhang"}))
    assert keys
    assert all(
        r.year >= 2019 and "journal" in r.journal.lower() and any("Zhang" == a.family for a in r.author_list)
        for r in Reference.objects.with_authors().filter(citekey__in=keys)
    )


def test_exports_are_the_whole_filtered_list(client):
    data = client.get(URL, {"year_min": 2017, "format": "json"}).json()
    expected_keys = expected(Q(year__gte=2017))
    assert [row["citekey"] for row in data["results"]] == expected_keys
    assert data["count"] == len(expected_keys) > 30  # more than one page
    response = client.get(URL, {"year_min": 2017, "format": "bib"})
    today = timezone.localdate().isoformat()
    name = f"interphase-atlas-references-year-min-2017-{today}.bib"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert bib_keys(response) == sorted(expected_keys)
    ris = client.get(URL, {"year_min": 2017, "format": "ris"}).content.decode()
    assert ris_ids(ris) == sorted(expected_keys)


def test_selected_rows(client):
    response = client.get(
        URL, {"citekey": ["deng2020tuning", "han2017negating"], "format": "bib", "selection": "1"}
    )
    assert bib_keys(response) == ["deng2020tuning", "han2017negating"]
    empty = client.get(URL, {"format": "bib", "selection": "1"})
    assert empty.status_code == 400 and "Tick at least one row" in empty.content.decode()


def test_the_list_page_links_exports_and_offers_checkboxes(client):
    html = client.get(URL, {"author": "Deng"}).content.decode()
    assert '<link rel="alternate" type="application/x-bibtex"' in html
    assert 'href="?author=Deng&amp;format=bib"' in html
    assert 'name="citekey" value="deng2020tuning"' in html


def test_nothing_found(client):
    html = client.get(URL, {"author": "Nobody-at-all"}).content.decode()
    assert "0 references" in html and "No reference matches these filters." in html


def test_reference_page(client):
    html = client.get("/references/deng2020tuning/").content.decode()
    assert "<h1>Tuning the Anode–Electrolyte Interface Chemistry" in html
    assert "T. Deng, X. Ji" in html and "<cite>Advanced Materials</cite>" in html
    assert 'href="https://doi.org/10.1002/adma.202000030"' in html
    assert "@article{deng2020tuning" in html
    # Its studies, each linked by its stack.
    studies = Reference.objects.get(citekey="deng2020tuning").studies.all()
    assert studies
    for study in studies:
        assert f'<a href="{study.get_absolute_url()}" class="study-link">' in html
    assert "Li<sub>3</sub>PO<sub>4</sub>" in html and ">LLZTO<" in html


def test_one_entry_as_a_bib_download(client):
    response = client.get("/references/deng2020tuning.bib")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="deng2020tuning.bib"'
    assert bib_keys(response) == ["deng2020tuning"]


def test_the_founding_review_lists_what_the_atlas_took_from_it(client):
    from interfaces.models import ElectrolyteFamily, Study

    html = client.get("/references/kim2023interfacial/").content.decode()
    assert "What the atlas took from this review" in html
    assert "The atlas holds no study from this paper." not in html
    families = ElectrolyteFamily.objects.filter(stability_locator__startswith="review")
    assert families.count() >= 7
    for family in families:
        assert f'<a href="{family.get_absolute_url()}">{family.label}</a>' in html
    garnet = ElectrolyteFamily.objects.get(slug="garnet")
    assert (
        garnet.forms_stable_interphase and "Garnet oxide</a>: forms a stable passivating interphase" in html
    )
    from_review = Study.objects.filter(measurements__source="review").distinct()
    assert from_review.count() >= 5
    assert f"{from_review.count()} of them have figures read in the review" in html
    for study in from_review:
        assert f'href="{study.get_absolute_url()}"' in html


def test_a_page_reads_its_ids_without_counting_every_papers_studies(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/references/")
    (ids,) = [q["sql"] for q in queries.captured_queries if 'AS "pk" FROM "references_reference"' in q["sql"]]
    assert "GROUP BY" not in ids and "JOIN" not in ids
    shown = list(page.context["rows"])  # the page's papers, read whole to draw their rows
    assert [r.pk for r in shown] == [r.pk for r in page.context["page_obj"]]
    assert any(r.study_count for r in shown)
    for reference in shown:
        assert reference.study_count == Study.objects.filter(reference=reference).count()


def test_the_bibliography_follows_a_study_moved_to_another_paper_and_keeps_its_rows_otherwise(
    client, monkeypatch
):
    """A paper's row shows its count of studies: a study given another paper changes two rows at
    once; a change of how a study is classified (its strategy) draws no row again."""
    from interfaces.templatetags import atlas as tags

    drawn = []
    real = tags.cached

    def drawing(name, key, compute, reads):
        return real(name, key, lambda: drawn.append(name) or compute(), reads=reads)

    monkeypatch.setattr(tags, "cached", drawing)

    def counts() -> dict[str, int]:
        shown = {"citekey": ["deng2020tuning", "luo2016transition"]}
        rows = client.get("/references/", shown).context["rows"]
        return {reference.citekey: reference.study_count for reference in rows}

    before = counts()
    study = Study.objects.filter(reference__citekey="deng2020tuning").first()
    study.strategy = "anode-design" if study.strategy != "anode-design" else "other"
    study.save()
    drawn.clear()
    assert counts() == before and drawn == []
    study.reference = Reference.objects.get(citekey="luo2016transition")
    study.save()
    after = counts()
    assert after["deng2020tuning"] == before["deng2020tuning"] - 1
    assert after["luo2016transition"] == before["luo2016transition"] + 1
