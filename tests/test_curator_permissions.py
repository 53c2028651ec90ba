"""The Curator group: adds and changes papers and studies, deletes none, manages no users.

Every edit is in the admin history, with who and when."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.utils import timezone

from interfaces.models import Measurement, Study
from references.models import Reference
from tests.helpers import admin_change_url, admin_form_data

pytestmark = pytest.mark.django_db


def test_the_group_holds_exactly_the_curation_permissions():
    codenames = set(Group.objects.get(name="Curator").permissions.values_list("codename", flat=True))
    records = ("reference", "study", "measurement", "author", "electrolyte", "interlayermaterial")
    records += ("electrolytefamily",)
    links = ("authorship", "studyinterlayer")  # rows replaced when authors or interlayers are corrected
    expected = {f"{action}_{model}" for model in records for action in ("view", "add", "change")}
    expected |= {f"{action}_{model}" for model in links for action in ("view", "add", "change", "delete")}
    expected |= {f"view_historical{model}" for model in records if model != "author"}  # history, read only
    expected |= {"view_report", "change_report"}  # readers' reports are moderated, never deleted
    expected |= {"view_curationload"}  # the loads of the curated files, with their conflicts: read only
    assert codenames == expected
    for model in records:
        assert f"delete_{model}" not in codenames
    assert not codenames & {
        "add_user",
        "change_user",
        "delete_user",
        "view_user",
        "change_group",
        "add_group",
    }


@pytest.mark.parametrize(
    "url",
    [
        "/admin/references/reference/add/",
        "/admin/references/reference/import-bibtex/",
        "/admin/interfaces/study/add/",
        "/admin/interfaces/measurement/add/",
        "/admin/references/author/add/",
        "/admin/interfaces/electrolyte/add/",
        "/admin/interfaces/interlayermaterial/add/",
        "/admin/interfaces/electrolytefamily/add/",
    ],
)
def test_a_curator_may_add(client, curator, url):
    assert client.get(url).status_code == 200


def test_a_curator_may_not_delete_references_studies_or_measurements(client, curator):
    reference = Reference.objects.get(citekey="deng2020tuning")
    study = Study.objects.filter(measurements__isnull=False).first()
    measurement = study.measurements.first()
    figures = Measurement.objects.count()
    for url in (
        f"/admin/references/reference/{reference.pk}/delete/",
        f"/admin/interfaces/study/{study.pk}/delete/",
        f"/admin/interfaces/measurement/{measurement.pk}/delete/",
    ):
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert Reference.objects.filter(pk=reference.pk).exists() and Study.objects.filter(pk=study.pk).exists()
    page = client.get(admin_change_url(study)).content.decode()
    assert 'name="measurements-0-DELETE"' not in page  # no delete box on measurement rows
    assert Measurement.objects.filter(pk=measurement.pk).exists() and Measurement.objects.count() == figures


def test_a_curator_may_not_manage_users(client, curator):
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


def test_a_curators_edit_is_in_the_history_with_who_and_when(client, curator):
    reference = Reference.objects.with_authors().get(citekey="deng2020tuning")
    page = client.get(admin_change_url(reference))
    data = admin_form_data(page) | {"curation_note": "Checked against the publisher's page.", "url": ""}
    started = timezone.now()
    response = client.post(admin_change_url(reference), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    reference.refresh_from_db()
    assert reference.curation_note == "Checked against the publisher's page."
    log = LogEntry.objects.filter(object_id=str(reference.pk), content_type__model="reference").latest(
        "action_time"
    )
    assert (log.action_flag, log.user) == (CHANGE, curator)
    assert started <= log.action_time <= timezone.now()  # when: the moment of the save
    assert "Curation note" in log.get_change_message()
    history = client.get(f"/admin/references/reference/{reference.pk}/history/").content.decode()
    assert "carla" in history and "Curation note" in history


def test_typing_a_tex_command_in_the_admin_is_refused(client, curator):
    page = client.get("/admin/references/reference/add/")
    response = client.post(
        "/admin/references/reference/add/",
        {
            "citekey": "mallory2024nice",
            "entry_type": "article",
            "title": r"Nice \write18{rm -rf ~}",
            "journal": "J",
            "authorships-TOTAL_FORMS": 0,
            "authorships-INITIAL_FORMS": 0,
            "studies-TOTAL_FORMS": 0,
            "studies-INITIAL_FORMS": 0,
        },
    )
    assert page.status_code == 200 and response.status_code == 200
    assert (
        "\\write18 is a TeX command that would run" in response.context["adminform"].form.errors["title"][0]
    )
    assert not Reference.objects.filter(citekey="mallory2024nice").exists()
