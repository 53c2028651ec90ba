"""Two curators editing one record at once: a save from a form read before the other's save is
refused, nothing of it saved, with what changed meanwhile; saved again from the form it comes back
with, both curators' changes stand."""

import pytest
from django.contrib.auth.models import User

from interfaces.models import Electrolyte, Measurement, Quantity, Study
from references.models import Reference
from tests.helpers import TEST_OUTPUT as OUTPUT
from tests.helpers import (
    add_figure,
    admin_change_url,
    admin_form_data,
    needs_chromium,
    serious_accessibility_violations,
    signed_in,
)

pytestmark = pytest.mark.django_db

STUDY = "deng2020tuning-li3po4-llzto"
SUMMARY = "An air-stable Li3PO4 layer"


@pytest.fixture
def alice():
    return signed_in("alice")


@pytest.fixture
def bruno():
    return signed_in("bruno")


def opened(client, obj) -> dict:
    """The change form as the curator's browser holds it, ready to post back."""
    page = client.get(admin_change_url(obj))
    assert page.status_code == 200
    return admin_form_data(page)


def saved(client, obj, data) -> None:
    response = client.post(admin_change_url(obj), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response


def refused(client, obj, data):
    response = client.post(admin_change_url(obj), data)
    assert response.status_code == 409, response.status_code
    page = response.content.decode()
    assert "Not saved: this" in page and "changed after you opened it" in page
    return response


def rows(response) -> list[tuple[str, str, str, str, bool]]:
    return [(c.where, c.original, c.theirs, c.yours, c.both) for c in response.context["stale_changes"]]


def test_the_second_save_of_a_study_from_a_stale_form_is_refused_and_merged(alice, bruno):
    study = Study.objects.get(key=STUDY)
    form_a, form_b = opened(alice, study), opened(bruno, study)
    saved(alice, study, form_a | {"summary": "Alice's summary.", "measurements-0-value": "2.5"})

    response = refused(bruno, study, form_b | {"curation_note": "Bruno checked the review."})
    page = response.content.decode()
    assert "Alice&#x27;s summary." in page and "2.5" in page and "last saved by alice" in page
    changes = rows(response)
    assert ("Summary", form_a["summary"], "Alice's summary.", form_a["summary"], False) in changes
    assert ("figure #1: Value", "2.2", "2.5", "2.2", False) in changes
    # Nothing of Bruno's was saved; Alice's values stand.
    study.refresh_from_db()
    assert study.summary == "Alice's summary." and study.curation_note == form_a["curation_note"]
    assert study.measurements.get(position=1).value == 2.5

    # The form Bruno gets back holds Alice's changes with his on top, at the new version.
    again = admin_form_data(response)
    assert again["summary"] == "Alice's summary." and again["measurements-0-value"] == "2.5"
    assert again["curation_note"] == "Bruno checked the review."
    assert int(again["read_version"]) == Study.objects.get(pk=study.pk).version
    saved(bruno, study, again)
    study.refresh_from_db()
    assert study.summary == "Alice's summary." and study.curation_note == "Bruno checked the review."
    assert study.measurements.get(position=1).value == 2.5


def test_a_field_both_curators_changed_keeps_the_second_ones_value_marked_to_check(alice, bruno):
    study = Study.objects.get(key=STUDY)
    form_a, form_b = opened(alice, study), opened(bruno, study)
    saved(alice, study, form_a | {"summary": "Alice's summary."})
    response = refused(bruno, study, form_b | {"summary": "Bruno's summary."})
    assert ("Summary", form_a["summary"], "Alice's summary.", "Bruno's summary.", True) in rows(response)
    assert "you changed it too: check it" in response.content.decode()
    assert Study.objects.get(pk=study.pk).summary == "Alice's summary."
    saved(bruno, study, admin_form_data(response))
    assert Study.objects.get(pk=study.pk).summary == "Bruno's summary."


def test_a_figure_added_meanwhile_refuses_the_stale_save_and_survives_the_merge(alice, bruno):
    study = Study.objects.get(key=STUDY)
    form_a, form_b = opened(alice, study), opened(bruno, study)
    saved(alice, study, add_figure(form_a, value="12"))
    added = study.measurements.get(value=12)

    response = refused(bruno, study, form_b | {"mechanism": "Bruno's mechanism."})
    assert any(
        where == f"figure #{added.position}" and theirs.startswith("added:")
        for where, _, theirs, _, _ in rows(response)
    )
    assert Study.objects.get(pk=study.pk).mechanism != "Bruno's mechanism."
    saved(bruno, study, admin_form_data(response))
    study.refresh_from_db()
    assert study.mechanism == "Bruno's mechanism." and study.measurements.filter(pk=added.pk).exists()


def test_a_figure_deleted_meanwhile_refuses_the_stale_save_and_stays_deleted(bruno):
    alice = signed_in("alice", is_superuser=True)  # curators delete no figure; an administrator may
    study = Study.objects.get(key=STUDY)
    form_a, form_b = opened(alice, study), opened(bruno, study)
    thickness = study.measurements.get(position=2)
    saved(alice, study, form_a | {"measurements-1-DELETE": "on"})
    assert not Measurement.objects.filter(pk=thickness.pk).exists()

    response = refused(bruno, study, form_b | {"summary": "Bruno's summary.", "measurements-1-value": "12"})
    assert ("figure #2", "as you read it", "deleted", "your changes to it are not in the form", True) in rows(
        response
    )
    assert Study.objects.get(pk=study.pk).summary.startswith(SUMMARY)
    saved(bruno, study, admin_form_data(response))
    assert Study.objects.get(pk=study.pk).summary == "Bruno's summary."
    assert not Measurement.objects.filter(pk=thickness.pk).exists()
    assert not study.measurements.filter(value=12).exists()


def test_an_interlayer_removed_meanwhile_refuses_the_stale_save(alice, bruno):
    study = Study.objects.get(key=STUDY)
    form_a, form_b = opened(alice, study), opened(bruno, study)
    saved(alice, study, form_a | {"layers-0-DELETE": "on"})
    response = refused(bruno, study, form_b | {"summary": "Bruno's summary."})
    assert ("interlayer #1", "as you read it", "deleted", "", False) in rows(response)
    saved(bruno, study, admin_form_data(response))
    study.refresh_from_db()
    assert study.summary == "Bruno's summary." and not study.layers.exists()


def test_a_figure_written_outside_the_admin_makes_an_open_study_form_stale(bruno):
    study = Study.objects.get(key=STUDY)
    form_b = opened(bruno, study)
    Measurement.objects.create(study=study, position=9, quantity=Quantity.CCD, value=3.0, locator="Fig. 2")
    response = refused(bruno, study, form_b | {"summary": "Bruno's summary."})
    assert any(where == "figure #9" for where, *_ in rows(response))
    assert Study.objects.get(pk=study.pk).summary.startswith(SUMMARY)


def test_the_second_save_of_a_reference_from_a_stale_form_is_refused_and_merged(alice, bruno):
    reference = Reference.objects.get(citekey="deng2020tuning")
    form_a, form_b = opened(alice, reference), opened(bruno, reference)
    saved(
        alice,
        reference,
        form_a | {"curation_note": "Alice checked the publisher's page.", "authorships-0-DELETE": "on"},
    )
    authors_after_alice = [
        a.family for a in Reference.objects.with_authors().get(pk=reference.pk).author_list
    ]

    response = refused(bruno, reference, form_b | {"pages": "1234-1240"})
    changes = rows(response)
    assert any(
        where == "Curation note" and theirs == "Alice checked the publisher's page."
        for where, _, theirs, _, _ in changes
    )
    assert any(where == "author #1" and theirs == "deleted" for where, _, theirs, _, _ in changes)
    reference.refresh_from_db()
    assert (
        reference.pages not in {"1234-1240", "1234–1240"}
        and reference.curation_note == "Alice checked the publisher's page."
    )

    saved(bruno, reference, admin_form_data(response))
    reference = Reference.objects.with_authors().get(pk=reference.pk)
    # A page range is stored with an en dash, whatever dash was typed.
    assert reference.pages == "1234–1240" and reference.curation_note == "Alice checked the publisher's page."
    assert [a.family for a in reference.author_list] == authors_after_alice


def test_a_stale_material_form_is_refused(alice, bruno):
    llzto = Electrolyte.objects.get(slug="llzto")
    form_a, form_b = opened(alice, llzto), opened(bruno, llzto)
    saved(alice, llzto, form_a | {"dopants": "Ta, Ga"})
    response = refused(bruno, llzto, form_b | {"description": "Bruno's description."})
    assert ("Dopants", form_a["dopants"], "Ta, Ga", form_a["dopants"], False) in rows(response)
    saved(bruno, llzto, admin_form_data(response))
    llzto.refresh_from_db()
    assert (llzto.dopants, llzto.description) == ("Ta, Ga", "Bruno's description.")


def test_an_unchanged_form_saved_twice_is_not_refused(alice):
    study = Study.objects.get(key=STUDY)
    saved(alice, study, opened(alice, study) | {"summary": "Once."})
    saved(alice, study, opened(alice, study) | {"summary": "Twice."})
    assert Study.objects.get(pk=study.pk).summary == "Twice."


@pytest.mark.browser
@needs_chromium
def test_in_a_browser_the_refusal_reads_clearly_and_the_merged_form_saves(
    new_page, live_server, curated_live
):
    """Two curators in two browsers on one study; the second sees the refusal, then saves the merge."""
    OUTPUT.mkdir(exist_ok=True)
    study = Study.objects.get(key=STUDY)
    url = f"{live_server.url}{admin_change_url(study)}"
    pages = []
    for name in ("alice", "bruno"):
        User.objects.create_superuser(name, password="a long test password")
        page = new_page()
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", name)
        page.fill("#id_password", "a long test password")
        page.click("input[type=submit]")
        page.goto(url)
        pages.append(page)
    alice, bruno = pages
    alice.fill("#id_summary", "Alice's summary.")
    alice.fill("#id_measurements-0-value", "2.5")
    alice.click("input[name=_continue]")
    assert "was changed successfully" in alice.inner_text(".messagelist")

    bruno.fill("#id_curation_note", "Bruno checked the review.")
    bruno.click("input[name=_continue]")
    section = bruno.inner_text(".stale-edit")
    assert "Not saved: this study changed after you opened it" in section and "last saved by alice" in section
    assert "Alice's summary." in section and "figure #1: Value" in section
    assert bruno.input_value("#id_summary") == "Alice's summary."
    assert bruno.input_value("#id_curation_note") == "Bruno checked the review."
    assert serious_accessibility_violations(bruno) == []
    bruno.screenshot(path=str(OUTPUT / "admin-stale-edit-refused.png"), full_page=True)
    bruno.locator(".stale-edit").screenshot(path=str(OUTPUT / "admin-stale-edit-changes.png"))

    bruno.click("input[name=_continue]")
    assert "was changed successfully" in bruno.inner_text(".messagelist")
    study.refresh_from_db()
    assert (study.summary, study.curation_note) == ("Alice's summary.", "Bruno checked the review.")
    assert study.measurements.get(position=1).value == 2.5
