"""A figure's second reading: entered by one curator, checked against its source by another,
unchecked again by any later change of what it says, on every write route."""

import json
from datetime import UTC, datetime

import pytest
import yaml
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from interfaces.models import Measurement, Study, content_columns
from interfaces.second_reading import mark_checked
from tests.helpers import (
    add_figure,
    admin_change_url,
    admin_form_data,
    csv_rows,
    make_study,
    run_load_curated,
    signed_in,
)

pytestmark = pytest.mark.django_db

STUDY = "deng2020tuning-li3po4-llzto"
CHECKED_AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def alice():
    return signed_in("alice")


@pytest.fixture
def bruno():
    return signed_in("bruno")


def form_of(client, study) -> dict:
    return admin_form_data(client.get(admin_change_url(study)))


def save(client, study, data) -> None:
    response = client.post(admin_change_url(study), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response


def checked(figure: Measurement, by: str = "bruno", entered_by: str = "alice") -> Measurement:
    Measurement.objects.filter(pk=figure.pk).update(
        entered_by=entered_by, checked_by=by, checked_at=CHECKED_AT
    )
    figure.refresh_from_db()
    assert figure.is_checked
    return figure


def test_a_figure_saved_in_the_admin_is_its_curators_entry_awaiting_a_second_reading(alice, client):
    study = Study.objects.get(key=STUDY)
    save(alice, study, add_figure(form_of(alice, study), value="12"))
    figure = study.measurements.get(value=12)
    assert (figure.entered_by, figure.checked_by, figure.checked_at) == ("alice", "", None)
    assert figure.entered_at is not None
    page = client.get(study.get_absolute_url()).content.decode()
    assert "entered, not yet checked" in page
    assert f"0 of {study.measurements.count()} figures checked" in page


def test_a_second_curator_checks_a_studys_figures_from_its_page_but_never_their_own(alice, bruno, client):
    study = Study.objects.get(key=STUDY)
    save(alice, study, add_figure(form_of(alice, study), value="12"))
    mine = study.measurements.get(value=12)
    url = f"/admin/interfaces/study/{study.pk}/check-figures/"

    # Alice's page offers to check only the figures she did not enter.
    others = study.measurements.count() - 1
    assert f"Mark {others} figure" in alice.get(admin_change_url(study)).content.decode()
    response = alice.post(url, follow=True)
    assert "1 left unchecked: you entered it" in response.content.decode()
    mine.refresh_from_db()
    assert not mine.is_checked
    assert study.measurements.filter(checked_by="alice").count() == others

    response = bruno.post(url, follow=True)
    assert "1 figure marked checked" in response.content.decode()
    mine.refresh_from_db()
    assert (mine.checked_by, mine.is_checked) == ("bruno", True)
    assert not study.measurements.filter(checked_at__isnull=True).exists()
    # Nothing left to check: the button is gone.
    assert "/check-figures/" not in bruno.get(admin_change_url(study)).content.decode()
    page = client.get(study.get_absolute_url()).content.decode()
    assert "checked by a second curator" in page and "entered, not yet checked" not in page
    # A GET changes nothing.
    assert bruno.get(url).status_code == 405


def test_the_queue_lists_the_unchecked_figures_study_by_study_and_checks_them_in_bulk(alice, bruno):
    study = Study.objects.get(key=STUDY)
    save(alice, study, add_figure(form_of(alice, study), value="12"))
    queue = bruno.get("/admin/interfaces/measurement/", {"reading": "unchecked"})
    changelist = queue.context["cl"]
    assert changelist.result_count == Measurement.objects.filter(checked_at__isnull=True).count()
    # Study by study: each study's figures together, in their order.
    shown = [(m.study_id, m.position) for m in changelist.result_list]
    runs = [
        study_id for index, (study_id, _) in enumerate(shown) if index == 0 or shown[index - 1][0] != study_id
    ]
    assert len(runs) == len(set(runs))
    assert all(shown[i] < shown[i + 1] for i in range(len(shown) - 1) if shown[i][0] == shown[i + 1][0])
    mine = bruno.get("/admin/interfaces/measurement/", {"reading": "unchecked", "q": STUDY})
    assert "entered by alice, not yet checked" in mine.content.decode()

    ids = list(study.measurements.values_list("pk", flat=True))
    response = alice.post(
        "/admin/interfaces/measurement/?reading=unchecked",
        {"action": "mark_checked", "_selected_action": ids},
        follow=True,
    )
    assert "you entered it" in response.content.decode()
    assert study.measurements.filter(entered_by="alice", checked_at__isnull=True).count() == 1
    bruno.post("/admin/interfaces/measurement/", {"action": "mark_checked", "_selected_action": ids})
    assert not study.measurements.filter(checked_at__isnull=True).exists()


def test_the_database_refuses_a_check_by_the_figures_own_curator_or_without_its_date():
    figure = Measurement.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.filter(pk=figure.pk).update(
            entered_by="alice", checked_by="alice", checked_at=CHECKED_AT
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.filter(pk=figure.pk).update(checked_by="bruno", checked_at=None)
    assert mark_checked(Measurement.objects.filter(pk=figure.pk), "bruno").checked == 1


# A new value for each column of what a figure says. A column added to the model and not
# here fails the first test below: the trigger then watches it, and so must this test.
NEW_VALUES = {
    "quantity": "current_density",
    "qualifier": "~",
    "value": 2.0,
    "value_max": 5.0,
    "reported": "2–5 mA cm−2",
    "temperature_c": 60.0,
    "stack_pressure_mpa": 3.0,
    "current_density_ma_cm2": 0.5,
    "areal_capacity_mah_cm2": 1.0,
    "cell_type": "full",
    "condition": "coated",
    "role": "",
    "control_id": "the control",
    "locator": "Fig. 2",
    "source": "full-text",
    "source_url": "https://example.org/another-page",
    "source_kind": "table",
}


@pytest.fixture
def pair():
    study = make_study(
        measurements=[
            {
                "value": 1.0,
                "role": "treated",
                "source": "abstract",
                "source_url": "https://example.org/abstract",
            },
            {"value": 0.2, "role": "control", "source": "review"},
        ]
    )
    return study.measurements.order_by("position")


def test_every_column_of_what_a_figure_says_is_watched():
    assert set(NEW_VALUES) == set(content_columns())


@pytest.mark.parametrize("column", sorted(NEW_VALUES))
def test_a_change_of_any_column_unchecks_the_figure(pair, column):
    figure, control = pair
    value = control.pk if column == "control_id" else NEW_VALUES[column]
    if column == "control_id":
        figure.role = "treated"
    checked(figure)
    Measurement.objects.filter(pk=figure.pk).update(**{column: value})
    figure.refresh_from_db()
    assert not figure.is_checked and figure.checked_by == ""


def test_its_place_in_the_list_or_its_note_leaves_the_check(pair):
    figure, _ = pair
    checked(figure)
    Measurement.objects.filter(pk=figure.pk).update(note="The source's own words.", position=9)
    figure.refresh_from_db()
    assert figure.is_checked


def test_a_check_and_a_change_in_one_write_keep_the_check(pair):
    """A write that sets the check itself (a revert, the curated files) is taken as it says."""
    figure, _ = pair
    Measurement.objects.filter(pk=figure.pk).update(
        value=3.0, entered_by="alice", checked_by="bruno", checked_at=CHECKED_AT
    )
    figure.refresh_from_db()
    assert figure.is_checked and figure.value == 3.0


def test_every_route_unchecks_a_changed_figure(alice, pair):
    figure, _ = pair
    # A model save (a script, the shell).
    checked(figure)
    figure.value = 4.0
    figure.save()
    figure.refresh_from_db()
    assert not figure.is_checked
    # SQL.
    checked(figure)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE interfaces_measurement SET locator = %s WHERE id = %s", ["Table 3", figure.pk])
    figure.refresh_from_db()
    assert not figure.is_checked
    # The admin's study form: the editor becomes its curator.
    checked(figure, entered_by="carla")
    study = figure.study
    data = form_of(alice, study)
    prefix = next(key for key, value in data.items() if key.endswith("-id") and value == figure.pk)[
        : -len("id")
    ]
    data[f"{prefix}value"] = "7"
    save(alice, study, data)
    figure.refresh_from_db()
    assert (figure.value, figure.is_checked, figure.entered_by) == (7.0, False, "alice")


def test_the_curated_files_carry_the_reading_and_a_changed_figure_comes_back_unchecked(tmp_path):
    study = Study.objects.get(key=STUDY)
    first = study.measurements.order_by("position").first()
    checked(first)
    call_command("export_curated", str(tmp_path))
    written = yaml.safe_load((tmp_path / "atlas.yaml").read_text())
    figure = next(s for s in written["studies"] if s["key"] == STUDY)["measurements"][0]
    assert (figure["entered_by"], figure["checked_by"], figure["checked_at"]) == (
        "alice",
        "bruno",
        "2026-12-01T09:30:00Z",
    )
    # Loaded back, the files change nothing.
    run_load_curated(tmp_path)
    first.refresh_from_db()
    assert first.checked_at == CHECKED_AT
    # The files change the figure's value: the check does not survive it.
    text = (tmp_path / "atlas.yaml").read_text()
    old = f"reported: {first.reported}"
    assert old in text
    path = tmp_path / "atlas.yaml"
    path.write_text(text.replace("value: 2.2\n", "value: 2.3\n", 1))
    run_load_curated(tmp_path)
    first.refresh_from_db()
    assert (first.value, first.is_checked) == (2.3, False)


def test_a_bad_moment_in_the_curated_files_is_refused_with_its_place(tmp_path):
    call_command("export_curated", str(tmp_path))
    path = tmp_path / "atlas.yaml"
    path.write_text(
        path.read_text().replace("source_kind: text\n", "source_kind: text\n        checked_at: soon\n", 1)
    )
    with pytest.raises(Exception, match="checked_at must be a date and time"):
        run_load_curated(tmp_path)


def test_the_exports_and_the_api_carry_the_reading(client, pair):
    figure, control = pair
    checked(figure)
    study = figure.study
    document = client.get(f"/studies/{study.pk}/", {"format": "json"})
    if document.status_code != 200 or "json" not in document["Content-Type"]:
        document = client.get("/studies/", {"id": study.pk, "format": "json"})
    figures = {m["id"]: m for m in json.loads(document.content)["results"][0]["measurements"]}
    assert figures[figure.pk]["checked_at"] == "2026-12-01T09:30:00Z"
    assert figures[control.pk]["checked_at"] is None
    rows = csv_rows(client.get("/studies/", {"id": study.pk, "format": "csv"}))
    assert {row["measurement_id"]: row["checked_at"] for row in rows} == {
        str(figure.pk): "2026-12-01T09:30:00Z",
        str(control.pk): "",
    }
    api = client.get("/api/measurements/", {"reading": "checked"}).json()
    assert [m["id"] for m in api["results"]] == [figure.pk]
    api = client.get("/api/measurements/", {"reading": "unchecked"}).json()
    assert api["count"] == Measurement.objects.filter(checked_at__isnull=True).count()


def test_the_list_filters_studies_on_their_figures_reading(client, pair):
    figure, control = pair
    checked(figure)
    checked(control)
    every = client.get("/studies/", {"reading": "checked"})
    assert [s.pk for s in every.context["page_obj"].object_list] == [figure.study_id]
    some = client.get("/studies/", {"reading": "unchecked"})
    unchecked = Measurement.objects.filter(checked_at__isnull=True).values("study_id")
    expected = Study.objects.filter(pk__in=unchecked).count()
    assert some.context["page_obj"].paginator.count == expected
    assert client.get("/studies/", {"reading": "sometimes"}).status_code == 400


def test_about_explains_the_second_reading(client):
    page = client.get("/about/").content.decode()
    assert 'id="second-reading"' in page
    assert "checked by a second curator" in page and "Entered, not yet checked" in page
