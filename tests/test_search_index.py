"""The stored, indexed search finds exactly what the search over joins found, and its stored text
follows every write of what it is read from: a study, its paper, authors, electrolyte and layers."""

import pytest
from django.contrib.auth.models import User
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q

from interfaces.models import Electrolyte, InterlayerMaterial, Study, StudyInterlayer
from interfaces.search import SEPARATOR, terms, texts_of, websearch_text
from references.bibtex import import_bibtex
from references.models import Author, Authorship
from tests.helpers import (
    admin_change_url,
    admin_form_data,
    curated_copy,
    exported_keys,
    make_reference,
    make_study,
    run_load_curated,
)

pytestmark = pytest.mark.django_db

QUERIES = [
    "Li3PO4",
    "li3po4",
    "Li6PS5Cl",
    "LLZO",
    "LLZTO",
    "Ta-doped LLZO",
    "zinc oxide",
    "Kızılaslan",
    "stack pressure",
    "dendrite",
    "suppressed dendrite",
    "Al2O3",
    "Zn0.02",
    "Li",
    "garnet",
    "interface chemistry",
    "ALD",
    "Fu",
    "Li–In",
    "Ω",
    '"unterminated',
    "-",
    "unobtainium",
]


def search_over_live_records(text: str) -> set[str]:
    """What the search must find, read from the live records through their joins (not from the
    stored text): the studies whose folded fields hold every term, a phrase within one field."""
    wanted = terms(text)
    studies = Study.objects.select_related("reference", "electrolyte__family").prefetch_related(
        "layers__material", "reference__authorships__author"
    )
    found = set()
    for study in studies:
        text_of_study = texts_of(study)[0]
        if all(term.text in text_of_study for term in wanted):
            found.add(study.key)
    return found


def _containing(text: str, *fields: str) -> Q:
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text})
    return condition


def search_over_joins(text: str) -> set[str]:
    """The search as it was before the stored text: containment over each field through its
    join, and on PostgreSQL full-text over a document built per row."""
    text = text.strip()
    layers = StudyInterlayer.objects.filter(
        _containing(text, "material__name", "material__formula", "material__aliases")
    )
    authorships = Authorship.objects.filter(_containing(text, "author__family", "author__given"))
    matched = (
        _containing(
            text,
            "summary",
            "mechanism",
            "reference__title",
            "electrolyte__name",
            "electrolyte__formula",
            "electrolyte__aliases",
        )
        | Q(pk__in=layers.values("study_id"))
        | Q(reference__in=authorships.values("reference_id"))
    )
    studies = Study.objects.all()
    if connection.vendor == "postgresql":
        query = SearchQuery(websearch_text(text), search_type="websearch", config="english")
        document = SearchVector("reference__title", "electrolyte__name", weight="A", config="english")
        document += SearchVector("summary", "electrolyte__aliases", weight="B", config="english")
        document += SearchVector("mechanism", weight="C", config="english")
        studies = studies.annotate(document=document)
        matched |= Q(document=query)
    return set(studies.filter(matched).values_list("key", flat=True))


@pytest.mark.parametrize("q", QUERIES)
def test_the_stored_search_finds_what_the_live_records_hold(client, q):
    assert exported_keys(client, q=q) == search_over_live_records(q)


@pytest.mark.parametrize("q", ["Li3PO4", "Li6PS5Cl", "Kızılaslan", "Al2O3", "stack pressure", "Fu"])
def test_the_stored_search_finds_at_least_what_the_old_search_over_joins_found(client, q):
    """Folding and several words only widen what a single word found."""
    assert search_over_joins(q) <= exported_keys(client, q=q)


def test_the_comparison_is_not_empty(client):
    assert {"deng2020tuning-li3po4-llzto"} <= exported_keys(client, q="Li3PO4")
    assert len(exported_keys(client, q="Li6PS5Cl")) >= 5
    assert exported_keys(client, q="Kızılaslan") == {"kizilaslan2019assembling-li3n-li7p3s11"}


def test_a_phrase_never_spans_two_fields_and_words_do(client):
    study = make_study(
        reference=make_reference(title="Zircon", authors=[("Ablewhite", "Ann")]), summary="Ends in garn"
    )
    assert study.key not in exported_keys(client, q='"garn' + SEPARATOR + 'et"')
    assert study.key not in exported_keys(client, q='"garn et"')
    assert study.key not in exported_keys(client, q='"Ablewhite Ann"')  # family and given: two fields
    assert study.key in exported_keys(client, q="Ablewhite Ann")  # two words, each somewhere
    assert study.key in exported_keys(client, q="Ann Ablewhite zircon")


def stored_is_current(study: Study) -> bool:
    study = (
        Study.objects.select_related("reference", "electrolyte__family")
        .prefetch_related("layers__material", "reference__authorships__author")
        .get(pk=study.pk)
    )
    stored = (study.search_text, study.search_names, study.electrolyte_name, study.paper_year)
    return (*texts_of(study), study.electrolyte.name, study.reference.year) == stored


def test_every_curated_study_stores_its_current_text():
    assert Study.objects.count() > 50
    for study in Study.objects.all():
        assert stored_is_current(study), study.key


def test_a_study_saved_through_the_orm(client):
    study = make_study(summary="plain words")
    study.summary = "A Wollastonite buffer"
    study.save()
    assert study.key in exported_keys(client, q="wollastonite") and stored_is_current(study)


def test_its_paper_retitled_or_its_authors_renamed_or_relinked(client):
    study = make_study(reference=make_reference(title="Plain", authors=[("Doe", "Jane")]))
    reference = study.reference
    reference.title = "Perovskite skins"
    reference.save()
    assert study.key in exported_keys(client, q="perovskite skins")
    author = Author.objects.get(family="Doe")
    author.family = "Quenneville"
    author.save()
    assert study.key in exported_keys(client, q="quenneville")
    assert study.key not in exported_keys(client, q="Doe")
    newcomer = Author.objects.create(family="Oyelaran", given="T.")
    Authorship.objects.create(reference=reference, author=newcomer, position=2)
    assert study.key in exported_keys(client, q="Oyelaran")
    Authorship.objects.filter(author=newcomer).delete()
    assert study.key not in exported_keys(client, q="Oyelaran")
    reference.authors.add(newcomer, through_defaults={"position": 3})
    assert study.key in exported_keys(client, q="Oyelaran")
    reference.authors.remove(newcomer)
    assert study.key not in exported_keys(client, q="Oyelaran") and stored_is_current(study)


def test_its_electrolyte_or_materials_renamed_or_relinked(client):
    study = make_study(interlayers=["Plainite"])
    electrolyte = study.electrolyte
    electrolyte.aliases = "Moonstone glass; MSG"
    electrolyte.save()
    assert study.key in exported_keys(client, q="moonstone glass")
    material = InterlayerMaterial.objects.get(name="Plainite")
    material.formula = "Xy9Q2"
    material.save()
    assert study.key in exported_keys(client, q="xy9q2")
    other = InterlayerMaterial.objects.create(slug="tellurite-x", name="Tellurite X", kind="oxide")
    study.interlayers.add(other, through_defaults={"position": 5})
    assert study.key in exported_keys(client, q="tellurite x")
    other.studies.remove(study)
    assert study.key not in exported_keys(client, q="tellurite x")
    study.electrolyte = Electrolyte.objects.exclude(pk=electrolyte.pk).first()
    study.save()
    assert study.key not in exported_keys(client, q="moonstone") and stored_is_current(study)


def test_its_family_renamed(client):
    study = make_study()
    family = study.electrolyte.family
    family.label = "Moonstone oxide"
    family.save()
    assert study.key in exported_keys(client, q="moonstone oxide") and stored_is_current(study)


def test_its_papers_year_edited_in_the_admin_or_its_paper_replaced(client):
    """The paper's year each study stores (what the charts count by) follows the paper."""
    client.force_login(User.objects.create_superuser("root", password="pw"))
    study = make_study(reference=make_reference(year=2015))
    url = admin_change_url(study.reference)
    response = client.post(url, admin_form_data(client.get(url)) | {"year": 1987})
    assert response.status_code == 302
    assert Study.objects.get(pk=study.pk).paper_year == 1987 and stored_is_current(study)
    response = client.post(url, admin_form_data(client.get(url)) | {"year": ""})
    assert response.status_code == 302
    assert Study.objects.get(pk=study.pk).paper_year is None and stored_is_current(study)
    study.reference = make_reference(year=2023)
    study.save()
    assert Study.objects.get(pk=study.pk).paper_year == 2023 and stored_is_current(study)


def test_a_migration_from_before_the_stored_year_rewrites_the_texts_it_knows(client):
    """Migrations that rewrite the stored texts call the current refresh() with their own model of
    a study, which may predate the stored year: it writes what that model has."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from interfaces.search import refresh

    state = MigrationLoader(connection).project_state(("interfaces", "0018_chart_indexes"))
    older = state.apps.get_model("interfaces", "Study")
    study = make_study(summary="plain words")
    Study.objects.filter(pk=study.pk).update(search_text="", paper_year=None)
    assert refresh(older.objects.filter(pk=study.pk)) == 1
    stored = Study.objects.get(pk=study.pk)
    assert stored.search_text and stored.paper_year is None  # the older model has no stored year
    assert refresh(Study.objects.filter(pk=study.pk)) == 1 and stored_is_current(study)


def test_the_admin_keeps_it_right(client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    study = make_study(interlayers=["Keepite", "Dropite"])
    url = admin_change_url(study)
    data = admin_form_data(client.get(url))
    data["summary"] = "Now with a Serpentine film."
    dropite = study.layers.get(position=2).material_id
    index = next(i for i in range(2) if data[f"layers-{i}-material"] == dropite)
    data[f"layers-{index}-DELETE"] = "on"  # an inline delete
    response = client.post(url, data)
    assert response.status_code == 302
    assert study.key in exported_keys(client, q="serpentine film")
    assert study.key in exported_keys(client, q="keepite")
    assert study.key not in exported_keys(client, q="dropite")
    assert stored_is_current(study)


def test_an_import_and_load_curated_keep_it_right(client, tmp_path):
    report = import_bibtex("@article{zz2030, title={Nothing Matches Yet}, author={Ngata, R.}, year={2030}}")
    assert len(report.saved) == 1
    study = make_study(reference=report.saved[0])
    assert study.key in exported_keys(client, q="ngata")

    run_load_curated(curated_copy(tmp_path, "name: Li3PO4\n", "name: Li3PO4 (lithium orthophosphate)\n", 1))
    deng = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    assert deng.key in exported_keys(client, q="lithium orthophosphate") and stored_is_current(deng)


@pytest.mark.parametrize("sort", ["electrolyte", "-electrolyte"])
def test_the_sort_by_electrolyte_reads_the_stored_name_and_follows_a_rename(client, sort):
    def shown() -> list[int]:
        rows = client.get("/studies/", {"sort": sort, "format": "json"}).json()["results"]
        return [row["id"] for row in rows]

    def by_name() -> list[int]:
        order = "-electrolyte__name" if sort.startswith("-") else "electrolyte__name"
        return list(Study.objects.order_by(order, "-pk").values_list("pk", flat=True))

    assert shown() == by_name()
    electrolyte = Electrolyte.objects.get(slug="llzto")
    electrolyte.name = "AAA garnet"  # now first from A to Z
    electrolyte.save()
    assert shown() == by_name()
    assert Study.objects.get(pk=shown()[0 if sort == "electrolyte" else -1]).electrolyte == electrolyte


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index")


@sqlite_only
def test_on_sqlite_a_search_reads_the_fts5_index(client):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        keys = exported_keys(client, q="Kizilaslan Li3N")
    assert keys == {"kizilaslan2019assembling-li3n-li7p3s11"}
    assert any("interfaces_study_fts MATCH" in query["sql"] for query in captured.captured_queries)


@sqlite_only
def test_on_sqlite_the_index_is_made_again_where_a_migration_dropped_it(client):
    from interfaces.search import FTS_TABLE, ensure_index

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {FTS_TABLE}_update")
    assert ensure_index() is True and ensure_index() is False
    study = make_study(summary="plain words")
    study.summary = "A Wollastonite buffer"
    study.save()
    assert study.key in exported_keys(client, q="wollastonite")
