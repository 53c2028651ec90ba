"""The best treated CCD and lowest treated interfacial resistance stored on each study stay right
after every way a figure is written: admin, inline delete, load_curated, a changed pairing."""

import pytest
from django.contrib.auth.models import User

from interfaces.models import Measurement, Quantity, Study
from tests.helpers import (
    admin_change_url,
    admin_form_data,
    curated_copy,
    exported_keys,
    make_study,
    run_load_curated,
)

pytestmark = pytest.mark.django_db


def stored(study: Study) -> tuple:
    study.refresh_from_db()
    return study.best_ccd_value, study.lowest_resistance_value


def computed(study: Study) -> tuple:
    study = Study.objects.for_list().get(pk=study.pk)
    ccd, resistance = study.best_ccd, study.lowest_resistance
    return (ccd.value_max or ccd.value) if ccd else None, resistance.value if resistance else None


def test_every_curated_study_stores_what_its_figures_say():
    for study in Study.objects.all():
        assert stored(study) == computed(study), study.key
    han = Study.objects.get(key="han2017negating-al2o3-llczn")
    assert stored(han) == (None, 1.0)  # the treated 1 Ω·cm², not the bare 1710


def test_a_figure_saved_or_deleted_updates_its_study():
    study = make_study()
    assert stored(study) == (None, None)
    figure = Measurement.objects.create(
        study=study, position=1, quantity=Quantity.CCD, value=1.2, locator="x"
    )
    Measurement.objects.create(
        study=study, position=2, quantity=Quantity.CCD, value=0.5, value_max=3.0, locator="x"
    )
    assert stored(study) == (3.0, None)  # the top of a range counts
    figure.value = 4.0
    figure.save()
    assert stored(study) == (4.0, None)
    figure.delete()
    assert stored(study) == (3.0, None)


def test_a_figure_that_becomes_a_control_leaves_the_best():
    study = make_study(
        measurements=[
            {"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 900, "role": "treated"},
            {"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 50, "role": "treated"},
        ]
    )
    assert stored(study) == (None, 50.0)
    low = study.measurements.get(value=50)
    low.role = "control"
    low.save()
    assert stored(study) == (None, 900.0)


def test_a_figure_moved_to_another_study_updates_both():
    first, second = make_study(measurements=[{"value": 2.0}]), make_study()
    figure = first.measurements.get()
    figure.study, figure.position = second, 1
    figure.save()
    assert stored(first) == (None, None) and stored(second) == (2.0, None)


def test_the_admin_paths_keep_them_right(client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    study = make_study(measurements=[{"value": 1.0}, {"value": 2.5}])
    data = admin_form_data(client.get(admin_change_url(study)))
    index = next(i for i in range(2) if float(data[f"measurements-{i}-value"]) == 2.5)
    data[f"measurements-{index}-DELETE"] = "on"  # an inline delete
    response = client.post(admin_change_url(study), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert stored(study) == (1.0, None)


def test_load_curated_keeps_them_right(tmp_path):
    figure = "value: {}\n        reported: 2.2 mA/cm²\n"  # Deng's CCD: its value changed, not its text
    run_load_curated(curated_copy(tmp_path, figure.format(2.2), figure.format(2.4), 1))
    deng = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    assert stored(deng) == computed(deng) == (2.4, None)


def test_the_list_sorts_and_filters_on_the_stored_figures(client):
    study = make_study(measurements=[{"value": 99.0}])
    response = client.get("/studies/", {"sort": "-ccd"})
    assert response.context["page_obj"].object_list[0].pk == study.pk
    assert study.key in exported_keys(client, ccd_min=50)
