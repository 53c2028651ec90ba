"""What the database itself enforces, whatever path the data takes."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from interfaces.models import Measurement, Quantity
from references.doi import InvalidDOI, normalize_doi
from references.models import Reference
from tests.helpers import make_reference, make_study

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "spelling",
    [
        "10.1002/adma.202000030",
        "10.1002/ADMA.202000030",
        "https://doi.org/10.1002/adma.202000030",
        "http://dx.doi.org/10.1002/ADMA.202000030",
        "doi:10.1002/adma.202000030",
        " DOI: 10.1002/adma.202000030 ",
    ],
)
def test_the_same_doi_in_another_spelling_is_rejected(spelling):
    # deng2020tuning, from the curated data, already holds this DOI.
    with pytest.raises(IntegrityError), transaction.atomic():
        make_reference(doi=spelling)


def test_a_doi_written_around_save_must_still_be_normalised():
    reference = make_reference(doi="10.9999/test.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reference.objects.filter(pk=reference.pk).update(doi="https://doi.org/10.9999/TEST.1")


def test_a_doi_that_is_not_a_doi_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Reference.objects.bulk_create([Reference(citekey="x2020y", title="Y", doi="not a doi")])


def test_clean_names_the_doi_field():
    reference = Reference(citekey="x2020y", title="Y", doi="hello world")
    with pytest.raises(ValidationError) as exc:
        reference.full_clean()
    assert "doi" in exc.value.message_dict


def test_references_without_doi_may_coexist():
    before = Reference.objects.filter(doi="").count()
    make_reference(doi="")
    make_reference(doi="")
    assert Reference.objects.filter(doi="").count() == before + 2


def test_doi_normalisation():
    assert normalize_doi("https://doi.org/10.1021/ACSAEM.0C00511") == "10.1021/acsaem.0c00511"
    assert normalize_doi("10.1016/S0378-7753(98)00128-1") == "10.1016/s0378-7753(98)00128-1"
    assert normalize_doi("https://doi.org/10.1002/%28SICI%291521") == "10.1002/(sici)1521"
    with pytest.raises(InvalidDOI):
        normalize_doi("11.1000/abc")


@pytest.mark.parametrize(
    "fields",
    [
        {"value": -1.0},
        {"value": 3.0, "value_max": 2.0},
        {"value": 1.0, "stack_pressure_mpa": -5.0},
        {"value": 1.0, "temperature_c": -300.0},
        {"value": 1.0, "locator": ""},
    ],
    ids=["negative", "range-reversed", "negative-pressure", "below-absolute-zero", "no-locator"],
)
def test_measurement_constraints_are_enforced_by_the_database(fields):
    study = make_study()
    values = {"locator": "Fig. 1", **fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.create(study=study, quantity=Quantity.CCD, **values)


def test_measurement_clean_names_the_fields():
    study = make_study()
    measurement = Measurement(study=study, position=1, quantity=Quantity.CCD, value=-1, value_max=-2)
    with pytest.raises(ValidationError) as exc:
        measurement.full_clean()
    assert {"value", "value_max", "locator"} <= set(exc.value.message_dict)


def test_control_must_come_from_the_same_study_and_quantity():
    study = make_study(measurements=[{"value": 0.5, "condition": "bare"}])
    other = make_study(measurements=[{"value": 0.3}])
    treated = Measurement(
        study=study,
        position=2,
        quantity=Quantity.CCD,
        value=2.0,
        locator="Fig. 2",
        role="treated",
        control=other.measurements.get(),
    )
    with pytest.raises(ValidationError) as exc:
        treated.full_clean()
    assert "same study" in exc.value.message_dict["control"][0]
    treated.control = study.measurements.get()
    treated.full_clean()


def test_range_and_qualifier_display():
    study = make_study(measurements=[{"quantity": Quantity.GRAIN_SIZE, "value": 20, "value_max": 40}])
    measurement = study.measurements.get()
    assert (measurement.display_value, measurement.unit) == ("20–40", "µm")
    measurement.qualifier, measurement.value_max = "~", None
    assert measurement.display_value == "~20"
