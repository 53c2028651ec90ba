"""A study's history shows its figures' and interlayers' changes, and reverting it restores them too."""

import pytest

from interfaces.models import InterlayerMaterial, Measurement, Quantity, Study, StudyInterlayer
from tests.helpers import admin_change_url, admin_form_data, form_values, make_study

pytestmark = pytest.mark.django_db


def _edit_in_admin(client, study, **figure_changes):
    """Save the study's change page once, with its first figure changed."""
    page = client.get(admin_change_url(study))
    data = admin_form_data(page)
    for name, value in figure_changes.items():
        data[f"measurements-0-{name}"] = value
    response = client.post(admin_change_url(study), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def _revert(client, study, version):
    url = f"{admin_change_url(study).removesuffix('change/')}history/{version.history_id}/"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, form_values(page.context["adminform"].form))
    assert response.status_code == 302, response.content.decode()[:2000]


def test_reverting_a_study_restores_its_figures_and_interlayers(client, curator):
    study = make_study(
        interlayers=["Li3PO4"],
        measurements=[
            {"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 20.0, "role": "treated"},
            {"quantity": Quantity.THICKNESS, "value": 10.0},
        ],
    )
    _edit_in_admin(client, study)  # a version of the study with its figures as they were made
    version = Study.history.filter(id=study.pk).latest("history_date")
    figure = study.measurements.get(position=1)
    # Since then: a figure changed, one deleted, one added, and the interlayer replaced.
    _edit_in_admin(client, study, value="25")
    study.measurements.get(position=2).delete()
    Measurement.objects.create(study=study, position=3, quantity=Quantity.CCD, value=1.5, locator="Fig. 2")
    study.layers.all().delete()
    alumina, _ = InterlayerMaterial.objects.get_or_create(
        slug="al2o3", defaults={"name": "Al2O3", "kind": "oxide"}
    )
    StudyInterlayer.objects.create(study=study, material=alumina, position=1)

    _revert(client, study, version)

    figures = {m.position: (m.pk, m.quantity, m.value) for m in study.measurements.all()}
    assert figures[1] == (figure.pk, Quantity.INTERFACIAL_RESISTANCE, 20.0)
    assert figures[2][1:] == (Quantity.THICKNESS, 10.0)
    assert 3 not in figures
    assert [layer.material.name for layer in study.layers.all()] == ["Li3PO4"]
    study.refresh_from_db()
    assert study.lowest_resistance_value == 20.0  # the stored figures follow the restored rows
    reasons = set(
        Measurement.history.filter(study_id=study.pk).values_list("history_change_reason", flat=True)
    )
    assert any(reason and reason.startswith("Reverted with its study") for reason in reasons)


def test_the_study_history_lists_its_figures_and_interlayers_changes(client, curator):
    study = make_study(interlayers=["Li3PO4"], measurements=[{"value": 1.0}])
    _edit_in_admin(client, study, value="2")
    page = client.get(f"{admin_change_url(study).removesuffix('change/')}history/").content.decode()
    assert "Its figures and interlayers" in page
    assert page.count("<td>changed</td>") >= 1 and page.count("<td>added</td>") >= 2
    assert "Critical current density: 2" in page and "Li3PO4" in page


def test_a_long_reason_for_a_change_is_kept_short_enough_for_every_database():
    from tests.helpers import make_reference

    reference = make_reference()
    reference._change_reason = "A reason a curator or a command wrote at length. " * 5
    reference.title = "A new title"
    reference.save()
    reason = reference.history.first().history_change_reason
    assert len(reason) == 100 and reason.endswith("…") and reason.startswith("A reason a curator")
