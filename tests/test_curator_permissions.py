"""The Curator group: adds and changes papers and studies, deletes none, manages no users.

Every edit is in the admin history, with who and when."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group

from interfaces.models import Measurement, Study
from references.models import Reference

pytestmark = pytest.mark.django_db


def test_the_group_holds_exactly_the_curation_permissions():
    codenames = set(Group.objects.get(name="Curator").permissions.values_list("codename", flat=True))
    for model in ("reference", "study", "measurement"):
        assert {f"view_{model}", f"add_{model}", f"change_{model}"} <= codenames
        assert f"delete_{model}" not in codenames
    for model in ("author", "electrolyte", "interlayermaterial", "electrolytefamily"):
        assert {f"view_{model}", f"add_{model}", f"change_{model}"} <= codenames
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
    for url in (
        f"/admin/references/reference/{reference.pk}/delete/",
        f"/admin/interfaces/study/{study.pk}/delete/",
        f"/admin/interfaces/measurement/{study.measurements.first().pk}/delete/",
    ):
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert Reference.objects.filter(pk=reference.pk).exists() and Study.objects.filter(pk=study.pk).exists()
    page = client.get(f"/admin/interfaces/study/{study.pk}/change/").content.decode()
    assert 'name="measurements-0-DELETE"' not in page  # no delete box on measurement rows
    assert Measurement.objects.filter(study=study).count() == study.measurements.count()


def test_a_curator_may_not_manage_users(client, curator):
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


def test_a_curators_edit_is_in_the_history_with_who_and_when(client, curator):
    reference = Reference.objects.with_authors().get(citekey="deng2020tuning")
    page = client.get(f"/admin/references/reference/{reference.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"curation_note": "Checked against the publisher's page.", "url": ""})
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({f"{management.prefix}-{k}": v for k, v in management.initial.items()})
        for row in formset.formset.forms:
            for name in row.fields:
                value = row[name].value()
                data[row.add_prefix(name)] = value if value is not None else ""
    response = client.post(f"/admin/references/reference/{reference.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    reference.refresh_from_db()
    assert reference.curation_note == "Checked against the publisher's page."
    log = LogEntry.objects.filter(object_id=str(reference.pk), content_type__model="reference").latest(
        "action_time"
    )
    assert (log.action_flag, log.user) == (CHANGE, curator)
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
