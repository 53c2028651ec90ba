"""The rendered rows and filter panel of the lists are reused until the data change: each way of
writing the atlas shows its change on the next page at once, and a cache that is away costs a
render, never a page."""

import pytest

from interfaces.models import Electrolyte, InterlayerMaterial, Measurement, Study, StudyInterlayer
from references.models import Author, Authorship
from tests.helpers import (
    admin_change_url,
    admin_form_data,
    curated_copy,
    make_reference,
    make_study,
    run_load_curated,
    signed_in,
)

pytestmark = pytest.mark.django_db

STUDY = "deng2020tuning-li3po4-llzto"


@pytest.fixture
def curator_client():
    return signed_in("fragment-curator")


def row_of(client, study: Study, **params) -> str:
    """The list's row of a study (its <tr>), as a reader gets it."""
    html = client.get("/studies/", {"id": study.pk, **params}).content.decode()
    start = html.index(f'href="/studies/{study.pk}/" class="study-link"')
    return html[html.rindex("<tr>", 0, start) : html.index("</tr>", start)]


def saved(client, obj, change) -> None:
    data = admin_form_data(client.get(admin_change_url(obj))) | change
    response = client.post(admin_change_url(obj), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response


@pytest.fixture
def drawn_rows(monkeypatch) -> list[int]:
    """The studies whose list rows are drawn (not read from the cache) from now on, in order."""
    from interfaces.templatetags import atlas as tags

    rendered = []
    real = tags.get_template

    def counting(name):
        template = real(name)
        render = template.render
        template.render = lambda context: rendered.append(context["study"].pk) or render(context)
        return template

    monkeypatch.setattr(tags, "get_template", counting)
    return rendered


def test_a_row_is_rendered_once_and_then_read_from_the_cache(client, drawn_rows):
    rendered = drawn_rows
    study = Study.objects.get(key=STUDY)
    first = row_of(client, study)
    assert rendered == [study.pk] and "Li3PO4" in first.replace("<sub>", "").replace("</sub>", "")
    assert row_of(client, study) == first and rendered == [study.pk]  # the second time, from the cache
    assert row_of(client, study, q="Li3PO4") != first and rendered == [study.pk, study.pk]


def test_a_study_saved_in_the_admin_shows_at_once(client, curator_client):
    study = Study.objects.get(key=STUDY)
    assert "Anode design" not in row_of(client, study)
    saved(curator_client, study, {"strategy": "anode-design"})
    assert "Anode design" in row_of(client, study)


def test_a_figure_changed_in_the_study_form_shows_at_once(client, curator_client):
    study = Study.objects.get(key=STUDY)
    page = curator_client.get(admin_change_url(study))
    data = admin_form_data(page)
    (index,) = [
        i
        for i, f in enumerate(
            f for f in page.context["inline_admin_formsets"][-1].formset.forms if f.instance.pk
        )
        if f.instance.pk == study.best_ccd.pk
    ] or [None]
    assert index is not None
    prefix = page.context["inline_admin_formsets"][-1].formset.prefix
    data[f"{prefix}-{index}-value"] = "7.25"
    data[f"{prefix}-{index}-reported"] = "7.25 mA cm-2"
    response = curator_client.post(admin_change_url(study), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert "7.25" in row_of(client, study)


def test_a_papers_doi_corrected_in_the_admin_shows_at_once(client, curator_client):
    study = Study.objects.get(key=STUDY)
    assert "10.1002/adma.202000030" in row_of(client, study).replace("<wbr>", "")
    saved(curator_client, study.reference, {"doi": "10.1002/adma.202099999"})
    assert "10.1002/adma.202099999" in row_of(client, study).replace("<wbr>", "")


def test_an_electrolyte_renamed_in_the_admin_shows_at_once(client, curator_client):
    study = Study.objects.get(key=STUDY)
    electrolyte = study.electrolyte
    saved(curator_client, electrolyte, {"name": "LLZTO-renamed"})
    assert "LLZTO-renamed" in row_of(client, study)


def test_a_change_loaded_from_the_curated_files_shows_at_once(client, tmp_path):
    study = Study.objects.get(key=STUDY)
    assert study.best_ccd.value == 2.2 and "2.2" in row_of(client, study)
    folder = curated_copy(
        tmp_path, "value: 2.2\n        reported: 2.2 mA/cm²", "value: 2.4\n        reported: 2.4 mA/cm²", 1
    )
    run_load_curated(folder)
    assert "2.4" in row_of(client, study)


def test_a_study_reclassified_in_the_curated_files_is_counted_at_once(client, tmp_path):
    """The load writes a change by compare-and-set (an UPDATE no signal sees), then saves it for
    the history: the counts must follow the change, not the save's comparison with the written row."""
    study = Study.objects.get(key=STUDY)

    def counted(param: str, value: str) -> int:
        facets = client.get("/studies/").context["facets"]
        return next(v.count for f in facets if f.param == param for v in f.values if v.value == value)

    before = counted("strategy", "anode-design"), counted("method", "ald")
    search_before = client.get("/studies/", {"q": "reclassified"}).context["page_obj"].paginator.count
    old = (
        f"key: {STUDY}\n    reference: deng2020tuning\n    strategy: artificial-interlayer\n"
        "    electrolyte: llzto\n    method: ald"
    )
    folder = curated_copy(
        tmp_path, old, old.replace("artificial-interlayer", "anode-design").replace("ald", "sputtering")
    )
    folder_text = (folder / "atlas.yaml").read_text()
    (folder / "atlas.yaml").write_text(
        folder_text.replace("    summary: >-", "    summary: >-\n      Reclassified.", 1)
    )
    run_load_curated(folder)

    assert Study.objects.get(pk=study.pk).strategy == "anode-design"
    assert (counted("strategy", "anode-design"), counted("method", "ald")) == (before[0] + 1, before[1] - 1)
    assert (
        client.get("/studies/", {"q": "reclassified"}).context["page_obj"].paginator.count
        == search_before + 1
    )
    assert "Anode design" in row_of(client, study)


def test_a_figure_checked_by_a_second_curator_shows_at_once_in_the_filter_counts(client):
    from interfaces.second_reading import entered, mark_checked

    study = Study.objects.get(key=STUDY)
    figure = study.best_ccd
    entered(figure, "first-reader")
    figure.save()

    def checked():
        response = client.get("/studies/", {"reading": "checked"})
        return response.context["page_obj"].paginator.count, [s.pk for s in response.context["page_obj"]]

    before, shown = checked()
    assert study.pk not in shown
    mark_checked(Measurement.objects.filter(study=study), "second-reader")
    after, shown = checked()
    assert after == before + 1 and study.pk in shown


def test_a_study_deleted_is_gone_from_the_list_at_once(client):
    study = Study.objects.get(key=STUDY)
    client.get("/studies/")
    study.delete()
    assert f'href="/studies/{study.pk}/"' not in client.get("/studies/").content.decode()


def test_a_reference_saved_through_the_orm_shows_at_once(client):
    study = Study.objects.get(key=STUDY)
    row_of(client, study)
    reference = study.reference
    reference.doi = "10.1002/adma.202088888"
    reference.save()
    assert "10.1002/adma.202088888" in row_of(client, study).replace("<wbr>", "")


def test_the_filter_panel_follows_a_new_electrolyte_at_once(client):
    assert "FragmentSE" not in client.get("/studies/").content.decode()
    family = Electrolyte.objects.get(slug="llzto").family
    electrolyte = Electrolyte.objects.create(slug="fragment-test-se", name="FragmentSE", family=family)
    make_study(electrolyte=electrolyte)
    panel = client.get("/studies/", {"family": family.slug}).content.decode()
    assert 'value="fragment-test-se"' in panel


def test_with_the_cache_failing_the_lists_still_render(client, monkeypatch):
    from atlas import caching

    def away(*args, **kwargs):
        raise ConnectionError("cache away")

    for method in ("get", "get_many", "set", "set_many", "add"):
        monkeypatch.setattr(caching.cache, method, away)
    monkeypatch.setattr(caching, "_breaker", caching._Breaker())
    study = Study.objects.get(key=STUDY)
    assert "Li3PO4" in row_of(client, study).replace("<sub>", "").replace("</sub>", "")
    assert client.get("/studies/", {"family": "garnet"}).status_code == 200


def test_a_study_page_is_rendered_once_and_follows_any_save_at_once(client, django_assert_max_num_queries):
    study = Study.objects.get(key=STUDY)
    first = client.get(study.get_absolute_url()).content.decode()
    with django_assert_max_num_queries(4):  # the study and its prefetches; the rest is the cached page
        assert client.get(study.get_absolute_url()).content.decode() == first
    figure = study.best_ccd
    figure.value, figure.reported = 2.45, "2.45 mA/cm²"
    figure.save()
    assert "2.45" in client.get(study.get_absolute_url()).content.decode()
    # A save of another study changes the lists of related studies on this page at once too.
    other = make_study(electrolyte=study.electrolyte, summary="A fragment test study")
    assert other.get_absolute_url() in client.get(study.get_absolute_url()).content.decode()


def test_a_study_page_redraws_only_the_parts_another_studys_save_changes(client, monkeypatch):
    from interfaces.templatetags import atlas as tags

    drawn = []
    real = tags.cached

    def drawing(name, key, compute, reads):
        return real(name, key, lambda: drawn.append(name.removeprefix("fragment:")) or compute(), reads=reads)

    monkeypatch.setattr(tags, "cached", drawing)
    study = Study.objects.get(key=STUDY)
    other = Study.objects.filter(electrolyte__family=study.electrolyte.family).exclude(pk=study.pk).first()
    page = f"/studies/{study.pk}/"
    whole = ["study-own", "study-in-family", "study-own-end", "study-related"]

    def redrawn(write) -> list[str]:
        write()
        drawn.clear()
        assert client.get(page).status_code == 200
        return drawn

    assert redrawn(lambda: None) == whole
    # A study of another family, sharing no interlayer: nothing of this page shows it.
    materials = study.layers.values("material")
    apart = Study.objects.exclude(electrolyte__family=study.electrolyte.family)
    apart = apart.exclude(layers__material__in=materials).first()
    figure = Measurement.objects.filter(study=apart).first()
    figure.value *= 2
    assert redrawn(figure.save) == []
    # A study of the same family, named among the related ones: its new headline figure moves
    # the family's strips; what names it shows none of its figures.
    assert other.get_absolute_url() in client.get(page).content.decode()
    best = Measurement.objects.create(study=other, position=99, quantity="ccd", value=77.0, locator="t")
    assert redrawn(lambda: None) == ["study-in-family"]
    assert "77 mA/cm" in client.get(page).content.decode()  # the family's new highest CCD
    other.strategy = "anode-design" if other.strategy != "anode-design" else "other"
    assert redrawn(other.save) == ["study-related"]  # its figures are those already drawn
    best.delete()
    assert redrawn(lambda: None) == []  # the family's figures as they were: that drawing again
    assert "77 mA/cm" not in client.get(page).content.decode()
    study.summary += " Reworded."
    assert redrawn(study.save) == ["study-own", "study-own-end"]  # the rest shows none of it
    assert "Reworded." in client.get(page).content.decode()
    study.electrolyte.save()  # what the page shows of other records: theirs
    assert redrawn(lambda: None) == whole


def test_a_pages_ids_are_read_once_until_the_data_change(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def ids_queries(path):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        reads = [
            q
            for q in queries.captured_queries
            if q["sql"].startswith('SELECT "interfaces_study"."id" AS "pk"') and "LIMIT" in q["sql"]
        ]
        return len(reads), [s.pk for s in response.context["page_obj"]]

    assert ids_queries("/studies/?q=Li3PO4")[0] == 1
    reads, shown = ids_queries("/studies/?q=Li3PO4")
    assert reads == 0 and shown  # the second time, from the cache
    newest = make_study()
    reads, shown = ids_queries("/studies/")
    assert reads == 1 and shown[0] == newest.pk  # a save: read anew, the new study first


# -- a write of figures alone keeps what reads no figure --------------------------------------


def queries_of(client, url, params=None) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def counts_facets(sql: list[str]) -> bool:
    """A facet count ran: the studies counted by the kind of their interlayers."""
    return any("COUNT(DISTINCT study_id)" in query for query in sql)


def figure_form(curator_client, study, value: str) -> dict:
    page = curator_client.get(admin_change_url(study))
    data = admin_form_data(page)
    formset = page.context["inline_admin_formsets"][-1].formset
    saved_forms = [f for f in formset.forms if f.instance.pk]
    index = next(i for i, f in enumerate(saved_forms) if f.instance.pk == study.best_ccd.pk)
    data[f"{formset.prefix}-{index}-value"] = value
    data[f"{formset.prefix}-{index}-reported"] = f"{value} mA cm-2"
    return data


def test_figures_typed_in_the_study_form_keep_the_counts_and_other_rows(client, curator_client, drawn_rows):
    study = Study.objects.get(key=STUDY)
    shown = {"id": [study.pk, *Study.objects.exclude(pk=study.pk).values_list("pk", flat=True)[:4]]}
    assert counts_facets(queries_of(client, "/studies/", shown))
    queries_of(client, "/")
    overview_warm = len(queries_of(client, "/"))
    response = curator_client.post(admin_change_url(study), figure_form(curator_client, study, "7.25"))
    assert response.status_code == 302

    drawn_rows.clear()
    after = queries_of(client, "/studies/", shown)
    assert not counts_facets(after)  # the counts, filter panel and page ids: from the cache
    assert drawn_rows == [study.pk]  # of the page's rows, the changed study's alone is drawn again
    assert "7.25" in row_of(client, study)
    assert len(queries_of(client, "/")) == overview_warm  # the overview's counts, from the cache


def test_a_figure_filter_or_sort_counts_again_after_a_figure_changes(client):
    study = Study.objects.get(key=STUDY)
    figure = study.best_ccd
    params = {"ccd_min": "5"}
    before = client.get("/studies/", params).context["page_obj"].paginator.count
    for sort in ["-ccd", "ccd"]:
        client.get("/studies/", {"sort": sort})
    figure.value = 9.5
    figure.save()
    assert client.get("/studies/", params).context["page_obj"].paginator.count == before + 1
    first = client.get("/studies/", {"sort": "-ccd"}).context["page_obj"].object_list[0]
    assert first.pk == study.pk or first.best_ccd_value >= 9.5


def test_a_study_saved_with_a_change_of_its_own_counts_again(client, curator_client):
    study = Study.objects.get(key=STUDY)
    count = lambda: next(  # noqa: E731
        v.count
        for f in client.get("/studies/").context["facets"]
        if f.param == "strategy"
        for v in f.values
        if v.value == "anode-design"
    )
    before = count()
    saved(curator_client, study, {"strategy": "anode-design"})
    assert count() == before + 1
    # Back as it was: the second save is compared with the first one's values, not the first read.
    study.refresh_from_db()
    study.strategy = "interlayer"
    study.save()
    study.strategy = "anode-design"
    study.save()
    assert count() == before + 1


def test_a_study_reclassified_has_its_own_row_alone_drawn_again(client, curator_client, drawn_rows):
    study = Study.objects.get(key=STUDY)
    shown = {"id": [study.pk, *Study.objects.exclude(pk=study.pk).values_list("pk", flat=True)[:4]]}
    client.get("/studies/", shown)
    saved(curator_client, study, {"strategy": "anode-design"})

    drawn_rows.clear()
    assert "Anode design" in row_of(client, study)
    client.get("/studies/", shown)
    assert drawn_rows == [study.pk]  # of the page's rows, the changed study's alone is drawn again
    # What rows show of records studies share is theirs: an electrolyte renamed redraws its rows.
    study.electrolyte.name = "LLZTO renamed"
    study.electrolyte.save()
    drawn_rows.clear()
    client.get("/studies/", shown)
    assert len(drawn_rows) == 5
    assert "LLZTO renamed" in row_of(client, study)
    # A paper's edit redraws the rows of its own studies alone, and its page shows it at once.
    reference = study.reference
    reference.year, reference.title = 1999, "A retitled paper"
    reference.save()
    drawn_rows.clear()
    client.get("/studies/", shown)
    assert drawn_rows == [study.pk]
    assert "1999" in row_of(client, study)
    page = client.get(study.get_absolute_url()).content.decode()
    assert "A retitled paper" in page and "1999" in page
    api = client.get(f"/api/studies/{study.pk}/").json()
    assert api["reference"]["title"] == "A retitled paper"
    # So does a write of its authors, whichever way it is made.
    renamed = reference.authorships.order_by("position").first().author
    renamed.family = "Renamedauthor"
    renamed.save()
    drawn_rows.clear()
    client.get("/studies/", shown)
    assert drawn_rows == [study.pk]
    assert "Renamedauthor" in row_of(client, study)
    assert "Renamedauthor" in client.get(study.get_absolute_url()).content.decode()
    assert "Renamedauthor" in client.get("/references/", {"citekey": reference.citekey}).content.decode()
    newcomer = Author.objects.create(family="Linkedlast")
    reference.authors.add(newcomer, through_defaults={"position": 40})
    assert "Linkedlast" in client.get(f"/api/studies/{study.pk}/").content.decode()
    newcomer.references.clear()
    assert "Linkedlast" not in client.get(f"/api/studies/{study.pk}/").content.decode()
    newcomer.references.add(reference, through_defaults={"position": 41})
    drawn_rows.clear()
    client.get("/studies/", shown)
    assert drawn_rows == [study.pk]
    assert "Linkedlast" in client.get(study.get_absolute_url()).content.decode()
    Authorship.objects.filter(author=newcomer).delete()
    assert "Linkedlast" not in client.get(study.get_absolute_url()).content.decode()


def test_how_far_a_write_reaches_in_the_cache():
    from atlas.caching import (
        CLASSES,
        ELECTROLYTES,
        EVERYTHING,
        LINKS,
        MATERIALS,
        PAPERS,
        RECORDS,
        SHARED,
        data_version,
    )

    def replaced(write) -> set[str]:
        versions = (EVERYTHING, RECORDS, CLASSES, LINKS, SHARED, ELECTROLYTES, MATERIALS, PAPERS)
        before = {reads: data_version(reads) for reads in versions}
        write()
        return {reads for reads, version in before.items() if data_version(reads) != version}

    study = Study.objects.get(key=STUDY)
    # What a study's own write reaches: never what studies share (SHARED); which studies the
    # papers list (LINKS) only when it is made, deleted or given another paper.
    classes = {EVERYTHING, RECORDS, CLASSES}
    everything = classes | {LINKS}
    assert replaced(study.save) == {EVERYTHING}  # saved as read: its figures', if anything's
    study.summary += " More."
    assert replaced(study.save) == {EVERYTHING, RECORDS}
    study.strategy = "anode-design"
    assert replaced(study.save) == classes
    assert replaced(Study.objects.defer("summary").get(pk=study.pk).save) == {EVERYTHING}
    # Changed elsewhere since this copy was read: compared with the database, not the copy.
    copy = Study.objects.get(pk=study.pk)
    Study.objects.filter(pk=study.pk).update(strategy="interlayer")
    assert replaced(copy.save) == classes
    study.refresh_from_db()
    study.reference = make_reference(authors=())
    assert replaced(study.save) == everything
    figure = Measurement.objects.filter(study=study).first()
    assert replaced(figure.save) == {EVERYTHING}
    assert replaced(figure.delete) == {EVERYTHING}
    assert (
        replaced(lambda: make_study(reference=study.reference, electrolyte=study.electrolyte)) == everything
    )
    layer = StudyInterlayer.objects.filter(study=study).first()
    assert replaced(layer.save) == classes
    # A write of what studies share: all of it, and the version of those records, under which
    # only the parts of the counts that read them are kept.
    assert replaced(study.electrolyte.save) == everything | {SHARED, ELECTROLYTES}
    assert replaced(study.electrolyte.family.save) == everything | {SHARED, ELECTROLYTES}
    material = InterlayerMaterial.objects.filter(layers__isnull=False).first()
    assert replaced(material.save) == everything | {SHARED, MATERIALS}
    # A paper's write reaches its studies' parts and what is drawn of them (keyed by the paper's
    # time of saving too); so does a write of its authors, which marks the paper saved.
    assert replaced(study.reference.save) == everything
    authorship = Authorship.objects.filter(reference__studies__isnull=False).first()
    assert replaced(authorship.save) == everything
    assert replaced(authorship.author.save) == everything
    # A record nothing refers to yet: what lists it, no study's counts or drawings.
    assert replaced(lambda: make_reference(authors=())) == everything
    assert (
        replaced(lambda: InterlayerMaterial.objects.create(slug="fresh", name="Fresh", kind="oxide"))
        == everything
    )
    # A new study with its new electrolyte, paper and authors: no other study's parts or drawings.
    assert replaced(lambda: make_study()) == everything


def test_a_study_deleted_leaves_every_count_and_list_at_once(client):
    """A study with figures and no interlayer: its delete is no figure's write, whatever its
    fields; the counts, ids and rows that read no figure are read anew."""
    study = make_study(measurements=[{"value": 1.5}])
    shown = {"id": [study.pk]}
    total = client.get("/studies/").context["page_obj"].paginator.count
    assert client.get("/studies/", shown).context["page_obj"].paginator.count == 1
    client.get("/")
    study.delete()
    assert client.get("/studies/").context["page_obj"].paginator.count == total - 1
    assert client.get("/studies/", shown).context["page_obj"].paginator.count == 0
    assert f"/studies/{study.pk}/" not in client.get("/").content.decode()


def test_a_summary_reworded_keeps_the_counts_and_is_found_by_a_search_at_once(client, curator_client):
    study = Study.objects.get(key=STUDY)
    shown = {"id": [study.pk, *Study.objects.exclude(pk=study.pk).values_list("pk", flat=True)[:4]]}
    assert counts_facets(queries_of(client, "/studies/", shown))
    assert not client.get("/studies/", {"q": "zirconolite"}).context["page_obj"].paginator.count
    saved(curator_client, study, {"summary": "A zirconolite-like layer, reworded by a curator."})
    assert not counts_facets(queries_of(client, "/studies/", shown))  # the counts: from the cache
    assert "zirconolite-like layer" in client.get(study.get_absolute_url()).content.decode()
    found = client.get("/studies/", {"q": "zirconolite"})
    assert [s.pk for s in found.context["page_obj"].object_list] == [study.pk]
    assert found.context["page_obj"].paginator.count == 1


def test_the_api_list_shows_each_kind_of_change_at_once(client, curator_client):
    """The API's study documents are written once per study version and reused, like the rows."""
    study = Study.objects.get(key=STUDY)

    def document() -> dict:
        (found,) = client.get("/api/studies/", {"id": study.pk}).json()["results"]
        return found

    assert document() == document()  # the second from the cache
    response = curator_client.post(admin_change_url(study), figure_form(curator_client, study, "7.25"))
    assert response.status_code == 302
    assert 7.25 in [figure["value"] for figure in document()["measurements"]]
    saved(curator_client, study.electrolyte, {"name": "LLZTO-renamed"})
    assert document()["electrolyte"]["name"] == "LLZTO-renamed"
    saved(curator_client, study.reference, {"doi": "10.1002/adma.202099999"})
    assert document()["reference"]["doi"] == "10.1002/adma.202099999"
    study.refresh_from_db()
    saved(curator_client, study, {"summary": "Reworded for the API."})
    assert document()["summary"] == "Reworded for the API."


def test_the_bibliography_shows_a_papers_change_and_a_new_study_at_once(client, curator_client):
    study = Study.objects.get(key=STUDY)
    reference = study.reference
    params = {"citekey": reference.citekey}

    def row() -> str:
        return client.get("/references/", params).content.decode()

    before = row()
    assert row() == before  # the second from the cache
    saved(curator_client, reference, {"doi": "10.1002/adma.202099999"})
    assert "adma.202099999" in row().replace("<wbr>", "")
    count = Study.objects.filter(reference=reference).count()
    assert f'#studies-heading">{count}</a>' in row()
    make_study(reference=reference, key="a-second-study-of-the-paper")
    assert f'#studies-heading">{count + 1}</a>' in row()
