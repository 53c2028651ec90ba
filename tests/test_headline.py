"""The headline-figure rule, written once per form its figures come in, gives one answer."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interfaces.exports import measurement_json
from interfaces.headline import headline, headline_of_documents, headline_value, top
from interfaces.models import LOWER_IS_BETTER, Quantity, Role, Study
from tests.conftest import make_study

pytestmark = pytest.mark.django_db

COMPARED = [Quantity.CCD, Quantity.INTERFACIAL_RESISTANCE]

figure = st.fixed_dictionaries(
    {
        "quantity": st.sampled_from(COMPARED),
        "value": st.sampled_from([0.0, 0.05, 0.5, 1.0, 2.2, 12.5, 320.0]),
        "spread": st.sampled_from([None, 0.0, 0.3, 5.0]),
        "role": st.sampled_from(["", Role.TREATED, Role.CONTROL]),
    }
)


def _forms_agree(study: Study) -> None:
    study = Study.objects.for_list().get(pk=study.pk)
    figures = list(study.measurements.all())
    documents = [measurement_json(m) for m in figures]
    stored = {
        Quantity.CCD: study.best_ccd_value,
        Quantity.INTERFACIAL_RESISTANCE: study.lowest_resistance_value,
    }
    for quantity in COMPARED:
        best = headline(figures, quantity)
        best_document = headline_of_documents(documents, quantity)
        if best is None:
            assert best_document is None and stored[quantity] is None
            continue
        value = headline_value(best, quantity)
        document_value = (
            best_document["value"]
            if quantity in LOWER_IS_BETTER
            else top(best_document["value"], best_document["value_max"])
        )
        assert value == document_value == stored[quantity]
        assert best.role != Role.CONTROL


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(figure, min_size=0, max_size=6))
def test_instances_documents_and_sql_choose_the_same_headline(specs):
    measurements = [
        {
            "quantity": spec["quantity"],
            "value": spec["value"],
            "value_max": None if spec["spread"] is None else spec["value"] + spec["spread"],
            "role": spec["role"],
        }
        for spec in specs
    ]
    _forms_agree(make_study(measurements=measurements))


def test_the_forms_agree_on_every_curated_study():
    studies = list(Study.objects.all())
    assert len(studies) > 50
    for study in studies:
        _forms_agree(study)


def test_a_range_counts_by_its_top_and_a_control_never_counts():
    study = make_study(
        measurements=[
            {"quantity": Quantity.CCD, "value": 1.0, "value_max": 2.0},
            {"quantity": Quantity.CCD, "value": 1.5},
            {"quantity": Quantity.CCD, "value": 9.0, "role": Role.CONTROL},
            {"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 3.0, "role": Role.CONTROL},
            {"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 40.0},
        ]
    )
    study = Study.objects.for_list().get(pk=study.pk)
    assert (study.best_ccd.value, study.best_ccd.value_max) == (1.0, 2.0)
    assert study.best_ccd_value == 2.0
    assert study.lowest_resistance.value == 40.0 == study.lowest_resistance_value
