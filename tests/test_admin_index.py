"""The admin's first page: named for the atlas, and the day's work as counts that are the database's,
each linking to a list of exactly those rows; and the record of each load_curated it reads."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError
from django.utils import timezone

from atlas.caching import data_version
from interfaces.models import CurationLoad, FiguresSource, Measurement, Report, ReportStatus, Study
from references.gaps import with_gaps
from tests.helpers import curated_copy, make_reference, make_study, run_load_curated

pytestmark = pytest.mark.django_db

STUDY = "deng2020tuning-li3po4-llzto"
CURATORS = "Corrected by a curator."
# A curator's index: the session, the user, their permissions (their own and their groups'), their
# recent actions, then one query for each of the five counts of the day's work.
INDEX_QUERIES = 10


@pytest.fixture
def editor(client):
    user = User.objects.create_superuser("editor", password="pw")
    client.force_login(user)
    return user


def work(client) -> dict:
    """The day's work as the index shows it, by name."""
    response = client.get("/admin/")
    assert response.status_code == 200
    return {task.name: task for task in response.context["tasks"]}


def counts(client) -> dict:
    return {what: task.count for what, task in work(client).items()}


def listed_pks(client, url: str) -> set:
    """The primary keys of every row an admin changelist shows at `url` (all its pages)."""
    joiner = "&" if "?" in url else "?"
    pks, page = set(), 1
    while True:
        response = client.get(f"{url}{joiner}p={page}")
        assert response.status_code == 200
        changelist = response.context["cl"]
        pks |= {row.pk for row in changelist.result_list}
        if page >= changelist.paginator.num_pages:
            return pks
        page += 1


def conflicting_load() -> CurationLoad:
    """load_curated run after a curator changed a study's summary: the files' summary is a conflict."""
    study = Study.objects.get(key=STUDY)
    study.summary = CURATORS
    study.save()
    run_load_curated()
    return CurationLoad.objects.latest()


def test_the_admin_is_named_for_the_atlas_and_its_sections_as_curators_say_them(client, editor):
    page = client.get("/admin/").content.decode()
    assert "<title>Curate the atlas | Interphase Atlas curation</title>" in page
    assert "Interphase Atlas curation</a>" in page  # the header
    assert "<h1>Curate the atlas</h1>" in page
    assert ">Studies, figures and materials</a>" in page and ">Bibliography</a>" in page
    assert ">Interfaces</a>" not in page and ">References</a></caption>" not in page
    # The atlas's sections come before Django's own.
    sections = ["Bibliography", "Studies, figures and materials", "Authentication and Authorization"]
    assert sorted(sections, key=lambda name: page.index(f">{name}</a>")) == sections


def test_each_count_is_the_databases(client, editor):
    assert counts(client) == {
        "uncurated": Study.objects.filter(figures_source="").count(),
        "unchecked": Measurement.objects.filter(checked_at__isnull=True).count(),
        "gaps": with_gaps().count(),
        "reports": Report.objects.filter(status=ReportStatus.NEW).count(),
        "conflicts": len(CurationLoad.objects.latest().conflicts),
    }


def test_each_count_follows_the_work_added(client, editor):
    before = counts(client)
    study = make_study(measurements=[{"value": 1.2}], figures_source=FiguresSource.NOT_CURATED)
    make_reference(doi="", journal="")
    Report.objects.create(study=study, problem="The value is 1.3 in Fig. 2.")
    conflicting_load()
    after = counts(client)
    assert after["uncurated"] == before["uncurated"] + 1
    assert after["unchecked"] == before["unchecked"] + 1
    # The study's new paper has no DOI either; the other has neither DOI nor journal.
    assert after["gaps"] == before["gaps"] + 2
    assert after["reports"] == before["reports"] + 1
    assert after["conflicts"] == 1


def test_a_moderated_report_and_a_curated_study_leave_their_counts(client, editor):
    study = make_study(figures_source=FiguresSource.NOT_CURATED)
    report = Report.objects.create(study=study, problem="The value is 1.3 in Fig. 2.")
    before = counts(client)
    study.figures_source = FiguresSource.ABSTRACT
    study.save()
    report.status, report.moderated_at = ReportStatus.REJECTED, timezone.now()
    report.save()
    after = counts(client)
    assert after["uncurated"] == before["uncurated"] - 1
    assert after["reports"] == before["reports"] - 1


def test_each_link_leads_to_a_list_of_exactly_those_rows(client, editor):
    study = make_study(measurements=[{"value": 1.2}], figures_source=FiguresSource.NOT_CURATED)
    Report.objects.create(study=study, problem="The value is 1.3 in Fig. 2.")
    Report.objects.create(
        study=study, problem="Moderated already.", status=ReportStatus.ACCEPTED, moderated_at=timezone.now()
    )
    gap = make_reference(doi="", journal="")
    tasks = work(client)

    studies = tasks["uncurated"]
    assert studies.url == "/admin/interfaces/study/?figures_source__exact="
    uncurated = set(Study.objects.filter(figures_source="").values_list("pk", flat=True))
    assert listed_pks(client, studies.url) == uncurated
    assert study.pk in listed_pks(client, studies.url)

    figures = tasks["unchecked"]
    assert figures.url == "/admin/interfaces/measurement/?reading=unchecked"
    unchecked = set(Measurement.objects.filter(checked_at__isnull=True).values_list("pk", flat=True))
    assert listed_pks(client, figures.url) == unchecked and study.measurements.get().pk in unchecked

    reports = tasks["reports"]
    assert reports.url == "/admin/interfaces/report/?status__exact=new"
    assert listed_pks(client, reports.url) == set(
        Report.objects.filter(status=ReportStatus.NEW).values_list("pk", flat=True)
    )

    gaps = tasks["gaps"]
    assert gaps.url == "/admin/references/reference/gaps/"
    page = client.get(gaps.url)
    assert page.context["page"].paginator.count == with_gaps().count() == gaps.count
    assert gap.citekey in page.content.decode()


def test_the_last_loads_conflicts_link_to_that_load_and_its_conflicts(client, editor):
    load = conflicting_load()
    task = work(client)["conflicts"]
    assert task.url == f"/admin/interfaces/curationload/{load.pk}/change/"
    assert (task.count, task.when) == (1, load.loaded_at)
    assert task.what == "conflict in the last load of the curated files"
    index = client.get("/admin/").content.decode()
    assert f'<a href="{task.url}" class="atlas-task-text"><strong class="atlas-count">1</strong>' in index
    assert f'<time datetime="{load.loaded_at.isoformat()}">' in index

    page = client.get(task.url).content.decode()
    assert "atlas.yaml" in page and "summary" in page and CURATORS in page
    assert "An air-stable Li3PO4 layer" in page  # the files' value, not taken
    # The conflict's record is one click away: its list, searched for the study's key.
    assert f'<a href="/admin/interfaces/study/?q={STUDY}">study {STUDY}</a>' in page


def test_the_panel_links_the_import_and_the_metadata_gaps(client, editor):
    index = client.get("/admin/").content.decode()
    assert '<a href="/admin/references/reference/import-bibtex/">Import BibTeX</a>' in index
    assert '<a href="/admin/references/reference/gaps/">Metadata gaps</a>' in index


def test_a_curator_sees_the_day_s_work_with_every_link(client, curator):
    conflicting_load()
    tasks = client.get("/admin/").context["tasks"]
    assert len(tasks) == 5 and all(task.url for task in tasks)
    for task in tasks:
        assert client.get(task.url).status_code == 200, task
    index = client.get("/admin/").content.decode()
    assert "Import BibTeX</a>" in index and "Metadata gaps</a>" in index


def test_a_count_whose_list_one_may_not_view_is_not_a_link(client):
    reader = User.objects.create_user("reader", password="pw", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_study"))
    client.force_login(reader)
    tasks = work(client)
    assert tasks["uncurated"].url == "/admin/interfaces/study/?figures_source__exact="
    for what in ("unchecked", "reports"):
        assert tasks[what].url is None
    index = client.get("/admin/").content.decode()
    assert '<strong class="atlas-count">' + str(tasks["reports"].count) in index
    assert "/admin/interfaces/report/" not in index
    assert "/admin/references/reference/gaps/" not in index and "Import BibTeX" not in index


def test_the_index_reads_each_count_in_one_query(client, curator, django_assert_max_num_queries):
    with django_assert_max_num_queries(INDEX_QUERIES):
        client.get("/admin/")
    for n in range(5):
        study = make_study(measurements=[{"value": 1 + n}, {"value": 2 + n}])
        Report.objects.create(study=study, problem=f"Problem {n}.")
    conflicting_load()
    with django_assert_max_num_queries(INDEX_QUERIES):
        assert client.get("/admin/").status_code == 200


# -- the record of each load ------------------------------------------------------------------


def test_load_curated_records_each_completed_run_with_its_counts_and_conflicts():
    load = conflicting_load()
    assert load.directory.endswith("fixtures") and not load.took_files
    # The curator's study is left as it is, like every other: nothing of the files is new.
    assert load.counts["studies"] == {"unchanged": Study.objects.count()}
    assert load.conflicts == [
        {
            "file": "atlas.yaml",
            "entry": f"study {STUDY}",
            "field": "summary",
            "database": CURATORS,
            "files": load.conflicts[0]["files"],
            "during_load": False,
        }
    ]
    assert load.conflicts[0]["files"].startswith("An air-stable Li3PO4 layer")
    assert load.overwritten == []


def test_take_files_records_what_it_overwrote():
    Study.objects.filter(key=STUDY).update(summary=CURATORS)
    run_load_curated(None, "--take-files")
    load = CurationLoad.objects.latest()
    assert load.took_files and load.conflicts == []
    assert [(c["entry"], c["field"], c["database"]) for c in load.overwritten] == [
        (f"study {STUDY}", "summary", CURATORS)
    ]


def test_a_run_that_fails_records_nothing(tmp_path):
    before = CurationLoad.objects.count()
    with pytest.raises(CommandError):
        run_load_curated(curated_copy(tmp_path, "strategy: artificial-interlayer", "strategy: magic", 1))
    assert CurationLoad.objects.count() == before


def test_a_load_that_changes_nothing_leaves_the_cached_counts_current():
    version = data_version()
    run_load_curated()
    assert CurationLoad.objects.latest().counts["studies"].get("updated", 0) == 0
    assert data_version() == version


def test_the_loads_are_read_only(client, editor):
    load = conflicting_load()
    assert client.get("/admin/interfaces/curationload/add/").status_code == 403
    page = client.get(f"/admin/interfaces/curationload/{load.pk}/change/").content.decode()
    assert 'name="_save"' not in page and "/delete/" not in page
    listing = client.get("/admin/interfaces/curationload/").content.decode()
    assert "nothing: the database already held the files" in listing or "updated" in listing
