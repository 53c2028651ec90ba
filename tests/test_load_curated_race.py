"""load_curated racing a curator's save: it writes only the fields it changes, and only if they still
hold what it read; a field saved meanwhile keeps the curator's value and is reported."""

import threading

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from interfaces.curation import load
from interfaces.models import Study
from tests.helpers import admin_change_url, admin_form_data, curated_copy, run_load_curated

STUDY = "deng2020tuning-li3po4-llzto"
LOCATOR = "review_locator: review §2.3.1, Fig. 1\n"
FILES_SUMMARY = "summary: >-\n      An air-stable Li3PO4 layer coated by ALD"
CURATORS = "The curator's summary."
FIGURE = "        value: 2.2\n        reported: 2.2 mA/cm²\n"


def curator_group() -> Group:
    """The Curator group, made again as its migration makes it where a flush removed it (a
    transactional test empties every table)."""
    from importlib import import_module

    from django.contrib.auth.models import Permission

    group, created = Group.objects.get_or_create(name="Curator")
    if created:
        wanted = import_module("references.migrations.0003_curator_group").CURATOR_PERMISSIONS
        for (app_label, model), actions in wanted.items():
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
                )
    return group


def curator_client() -> Client:
    user = User.objects.create_user("carla", password="pw", is_staff=True)
    user.groups.add(curator_group())
    client = Client()
    client.force_login(user)
    return client


def open_study(client) -> dict:
    study = Study.objects.get(key=STUDY)
    page = client.get(admin_change_url(study))
    data = admin_form_data(page)
    for formset in page.context["inline_admin_formsets"]:
        data |= {
            f"{formset.formset.prefix}-MIN_NUM_FORMS": 0,
            f"{formset.formset.prefix}-MAX_NUM_FORMS": 1000,
        }
    return data


def save_study(client, data: dict) -> None:
    response = client.post(admin_change_url(Study.objects.get(key=STUDY)), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response


def between_read_and_write(monkeypatch, model_name: str, action) -> list:
    """Run `action` once, when load_curated has read a record of `model_name` and is about to write it."""
    original, calls = load.compare_and_set, []

    def racing(instance, *args, **kwargs):
        if type(instance).__name__ == model_name and not calls:
            calls.append(instance.pk)
            action()
        return original(instance, *args, **kwargs)

    monkeypatch.setattr(load, "compare_and_set", racing)
    return calls


@pytest.mark.django_db
def test_a_curators_save_of_another_field_during_the_load_is_not_overwritten(monkeypatch, tmp_path):
    client = curator_client()
    form = open_study(client)
    directory = curated_copy(tmp_path, LOCATOR, "review_locator: review §2.3.1\n")
    calls = between_read_and_write(
        monkeypatch, "Study", lambda: save_study(client, form | {"summary": "Corrected by a curator."})
    )
    output = run_load_curated(directory)
    assert calls, "load_curated never wrote the study"
    study = Study.objects.get(key=STUDY)
    # The load wrote only the field it changed; the curator's summary, saved after its read, stands.
    assert study.summary == "Corrected by a curator." and study.review_locator == "review §2.3.1"
    assert "conflict" not in output


@pytest.mark.django_db
def test_a_curators_save_of_the_same_field_during_the_load_is_kept_and_reported(monkeypatch, tmp_path):
    client = curator_client()
    form = open_study(client)
    directory = curated_copy(
        tmp_path, FILES_SUMMARY, "summary: >-\n      The files' new summary. An air-stable"
    )
    between_read_and_write(monkeypatch, "Study", lambda: save_study(client, form | {"summary": CURATORS}))
    output = run_load_curated(directory)
    assert Study.objects.get(key=STUDY).summary == CURATORS
    assert f"atlas.yaml: study {STUDY}: summary: kept the database's {CURATORS!r}; the files say" in output
    assert (
        "(saved while load_curated ran)" in output
        and "1 kept as saved in the database while loading" in output
    )
    assert "1 conflict(s)" in output
    # The next run still reports it: the files and the database disagree until a curator decides.
    monkeypatch.undo()
    again = run_load_curated(directory)
    assert f"study {STUDY}: summary: kept the database's {CURATORS!r}" in again
    assert Study.objects.get(key=STUDY).summary == CURATORS


@pytest.mark.django_db
def test_a_figure_saved_during_the_load_is_kept_and_reported(monkeypatch, tmp_path):
    client = curator_client()
    form = open_study(client)
    directory = curated_copy(tmp_path, FIGURE, "        value: 2.4\n        reported: 2.2 mA/cm²\n")
    between_read_and_write(
        monkeypatch, "Measurement", lambda: save_study(client, form | {"measurements-0-value": "2.3"})
    )
    output = run_load_curated(directory)
    figure = Study.objects.get(key=STUDY).measurements.get(position=1)
    assert figure.value == 2.3
    assert f"measurement {STUDY}/1: value: kept the database's 2.3; the files say 2.4" in output


@pytest.mark.django_db
def test_a_study_form_opened_before_the_load_wrote_the_study_is_refused(tmp_path):
    client = curator_client()
    form = open_study(client)
    run_load_curated(curated_copy(tmp_path, LOCATOR, "review_locator: review §2.3.1\n"))
    response = client.post(admin_change_url(Study.objects.get(key=STUDY)), form | {"summary": "Stale."})
    assert response.status_code == 409
    assert any(change.where == "Review locator" for change in response.context["stale_changes"])
    assert Study.objects.get(key=STUDY).review_locator == "review §2.3.1"


@pytest.mark.django_db
def test_after_a_race_the_curated_round_trip_has_nothing_to_do(monkeypatch, tmp_path):
    client = curator_client()
    form = open_study(client)
    directory = curated_copy(tmp_path, LOCATOR, "review_locator: review §2.3.1\n")
    between_read_and_write(monkeypatch, "Study", lambda: save_study(client, form | {"summary": "Corrected."}))
    run_load_curated(directory)
    monkeypatch.undo()
    exported = tmp_path / "exported"
    call_command("export_curated", str(exported), verbosity=0)
    output = run_load_curated(exported)
    assert "Curated data already up to date." in output and "conflict" not in output


@pytest.mark.django_db(transaction=True)
def test_a_curator_saving_on_another_connection_during_the_load_wins(curated_live, monkeypatch, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race on two connections needs PostgreSQL")
    client = curator_client()
    form = open_study(client)
    directory = curated_copy(
        tmp_path, FILES_SUMMARY, "summary: >-\n      The files' new summary. An air-stable"
    )
    has_read, curator_saved, outputs = threading.Event(), threading.Event(), []

    def pause():  # load_curated, in its own transaction, has read the study and waits
        has_read.set()
        assert curator_saved.wait(timeout=30)

    between_read_and_write(monkeypatch, "Study", pause)

    def load_in_thread():
        try:
            outputs.append(run_load_curated(directory))
        finally:
            connections.close_all()

    thread = threading.Thread(target=load_in_thread)
    thread.start()
    assert has_read.wait(timeout=60)
    save_study(client, form | {"summary": "The curator's, committed first."})
    curator_saved.set()
    thread.join(timeout=60)
    assert outputs, "load_curated did not finish"
    assert Study.objects.get(key=STUDY).summary == "The curator's, committed first."
    assert "(saved while load_curated ran)" in outputs[0]
