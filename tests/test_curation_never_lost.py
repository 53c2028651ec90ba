"""A curator's work survives load_curated; the database and the curated files round-trip."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from interfaces.models import CuratedRecord, Measurement, Study
from references.models import Reference
from tests.helpers import add_figure, admin_change_url, admin_form_data, curated_copy, form_values
from tests.helpers import run_load_curated as load

pytestmark = pytest.mark.django_db

STUDY = "deng2020tuning-li3po4-llzto"
LOCATOR = "review_locator: review §2.3.1, Fig. 1\n"


def edit_in_admin(client, study: Study, **changes):
    """The study's admin form posted back as it is, with `changes` and one figure added."""
    page = client.get(admin_change_url(study))
    data = admin_form_data(page) | changes
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data |= {f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000}
    response = client.post(admin_change_url(study), add_figure(data))
    assert response.status_code == 302, response.context["errors"] if response.context else ""


def test_a_curators_edit_and_new_figure_survive_load_curated(client, curator):
    study = Study.objects.get(key=STUDY)
    edit_in_admin(client, study, summary="Corrected by a curator.")
    assert study.measurements.filter(value=12).exists()
    output = load()
    study.refresh_from_db()
    assert study.summary == "Corrected by a curator."
    assert study.measurements.filter(value=12, source="full-text").exists()
    # The conflict is reported with the file, the entry, the field and both values.
    assert "atlas.yaml: study deng2020tuning-li3po4-llzto: summary: kept the database's" in output
    assert "'Corrected by a curator.'" in output and "An air-stable Li3PO4 layer" in output
    assert f"measurement {STUDY}/" in output and "exist only in the database and were kept" in output
    assert "deleted" not in output


def test_take_files_takes_the_files_version_deliberately(client, curator):
    study = Study.objects.get(key=STUDY)
    edit_in_admin(client, study, summary="Corrected by a curator.")
    output = load(None, "--take-files")
    study.refresh_from_db()
    assert study.summary.startswith("An air-stable Li3PO4 layer")
    assert "overwritten as asked (--take-files)" in output
    # A figure only the database has is still never deleted.
    assert study.measurements.filter(value=12).exists()


def test_a_record_nobody_changed_follows_the_files(tmp_path):
    directory = curated_copy(tmp_path, LOCATOR, "review_locator: review §2.3.1\n")
    output = load(directory)
    assert Study.objects.get(key=STUDY).review_locator == "review §2.3.1"
    assert "conflict" not in output
    assert "studies: 0 created, 1 updated" in output


def test_a_file_change_to_a_field_the_curator_did_not_touch_still_applies(client, curator, tmp_path):
    study = Study.objects.get(key=STUDY)
    edit_in_admin(client, study, summary="Corrected by a curator.")
    load(curated_copy(tmp_path, LOCATOR, "review_locator: §2.3.1\n"))
    study.refresh_from_db()
    assert (study.summary, study.review_locator) == ("Corrected by a curator.", "§2.3.1")


def test_the_admin_page_says_a_curated_record_was_edited(client, curator):
    study = Study.objects.get(key=STUDY)
    page = client.get(admin_change_url(study)).content.decode()
    assert "As loaded from the curated files (fixtures/)." in page
    edit_in_admin(client, study, summary="Corrected by a curator.")
    page = client.get(admin_change_url(study)).content.decode()
    assert "Edited here since it was loaded from the curated files</strong>: summary." in page


def test_a_record_deleted_in_the_database_is_not_brought_back(client):
    study = Study.objects.get(key=STUDY)
    study.delete()
    output = load()
    assert not Study.objects.filter(key=STUDY).exists()
    assert f"study {STUDY}: (record): kept the database's 'deleted'" in output


def test_load_curated_is_idempotent_on_the_whole_atlas():
    before = (Study.objects.count(), Measurement.objects.count(), CuratedRecord.objects.count())
    output = load()
    assert "already up to date" in output and "conflict" not in output
    assert (Study.objects.count(), Measurement.objects.count(), CuratedRecord.objects.count()) == before


def _dump() -> list:
    out = StringIO()
    call_command(
        "dumpdata",
        "references.reference",
        "references.author",
        "references.authorship",
        "interfaces.electrolytefamily",
        "interfaces.electrolyte",
        "interfaces.interlayermaterial",
        "interfaces.study",
        "interfaces.studyinterlayer",
        "interfaces.measurement",
        stdout=out,
    )
    rows = json.loads(out.getvalue())
    for row in rows:
        for volatile in ("created_at", "updated_at"):
            row["fields"].pop(volatile, None)
    return rows


@pytest.mark.django_db(transaction=True)
def test_export_load_export_gives_identical_files_and_databases(tmp_path):
    # Both databases start empty with their ids from 1, so their dumps can be compared.
    call_command("flush", "--no-input", verbosity=0)
    call_command("load_curated", verbosity=0)
    first, second = tmp_path / "first", tmp_path / "second"
    call_command("export_curated", str(first), stdout=StringIO())
    before = _dump()
    call_command("flush", "--no-input", verbosity=0)  # an empty database, ids from 1 again
    load(first)
    call_command("export_curated", str(second), stdout=StringIO())
    for name in ("references.bib", "atlas.yaml"):
        assert (first / name).read_text() == (second / name).read_text()
    assert _dump() == before


def test_the_committed_fixtures_are_in_the_exported_form(tmp_path):
    """fixtures/ is what export_curated writes, so a curator's export reads as a small diff."""
    call_command("export_curated", str(tmp_path), stdout=StringIO())
    for path in sorted(Path(settings.CURATED_DATA_DIR).iterdir()):
        assert (tmp_path / path.name).read_text() == path.read_text(), path.name


def test_a_new_paper_added_in_the_admin_is_exported(tmp_path, curator):
    Reference.objects.create(citekey="new2026paper", title="A paper added by a curator", year=2026)
    call_command("export_curated", str(tmp_path), stdout=StringIO())
    bib = (tmp_path / "references.bib").read_text()
    assert "@article{new2026paper," in bib and "A paper added by a curator" in bib


def test_history_keeps_who_when_and_the_old_and_new_values(client, curator):
    study = Study.objects.get(key=STUDY)
    before = study.summary
    started = timezone.now()
    edit_in_admin(client, study, summary="Corrected by a curator.")
    latest = study.history.first()
    delta = latest.diff_against(latest.prev_record)
    [change] = [c for c in delta.changes if c.field == "summary"]
    assert (change.old, change.new) == (before, "Corrected by a curator.")
    assert latest.history_user == curator and started <= latest.history_date <= timezone.now()
    added = Measurement.history.filter(study_id=study.pk, value=12).get()
    assert (added.history_type, added.history_user) == ("+", curator)
    page = client.get(f"/admin/interfaces/study/{study.pk}/history/").content.decode()
    assert "Corrected by a curator." in page and "carla" in page


def test_a_curator_reverts_one_change_from_the_history(client, curator):
    study = Study.objects.get(key=STUDY)
    before = study.summary
    edit_in_admin(client, study, summary="A mistaken edit.")
    previous = study.history.all()[1]  # the version before the mistaken edit
    url = f"/admin/interfaces/study/{study.pk}/history/{previous.history_id}/"
    page = client.get(url)
    assert page.status_code == 200 and "Revert" in page.content.decode()
    response = client.post(url, form_values(page.context["adminform"].form))
    assert response.status_code == 302
    study.refresh_from_db()
    assert study.summary == before
    assert study.history.first().history_user == curator


def test_load_curated_changes_are_in_the_history_too(tmp_path):
    load(curated_copy(tmp_path, LOCATOR, "review_locator: §2.3.1\n"))
    latest = Study.objects.get(key=STUDY).history.first()
    assert latest.history_change_reason == "load_curated"
    assert latest.review_locator == "§2.3.1" and latest.prev_record.review_locator == "review §2.3.1, Fig. 1"


@pytest.mark.django_db(transaction=True)
def test_the_round_trip_keeps_a_curators_page_range_and_the_key_a_paper_was_imported_under(tmp_path):
    call_command("flush", "--no-input", verbosity=0)
    call_command("load_curated", verbosity=0)
    reference = Reference.objects.get(citekey="han2017negating")
    reference.pages, reference.source_key = "572 - 578", "Han_2017_NatMater"
    reference.save()
    reference.refresh_from_db()
    assert reference.pages == "572–578"  # a range is stored as an import stores it
    first, second = tmp_path / "first", tmp_path / "second"
    call_command("export_curated", str(first), stdout=StringIO())
    assert "sourcekey = {Han_2017_NatMater}" in (first / "references.bib").read_text().replace("  ", "")
    before = _dump()
    call_command("flush", "--no-input", verbosity=0)
    load(first)
    call_command("export_curated", str(second), stdout=StringIO())
    assert (first / "references.bib").read_text() == (second / "references.bib").read_text()
    after = Reference.objects.get(citekey="han2017negating")
    assert (after.pages, after.source_key) == ("572–578", "Han_2017_NatMater")
    assert _dump() == before
