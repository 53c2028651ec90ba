"""A study's figure rows as a curator enters them."""

import pytest

from references.models import Reference
from tests.helpers import add_figure, admin_change_url, admin_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return Reference.objects.get(citekey="deng2020tuning")


def test_compared_with_names_a_new_row_by_the_number_the_page_shows(client, curator, paper):
    """A blank row above a pair is not saved: the pair is numbered on from the saved figures, and
    the treated one is compared with the row it named, as the page numbered it."""
    study = paper.studies.first()
    page = client.get(admin_change_url(study))
    data = admin_form_data(page)
    highest = max(study.measurements.values_list("position", flat=True))
    blank = {"quantity": "", "value": "", "locator": "", "role": "", "source": "review", "source_url": ""}
    data = add_figure(data, **blank, source_kind="text")
    data = add_figure(data, value="1", control_position=str(highest + 3))
    data = add_figure(data, value="1710", role="control")
    response = client.post(admin_change_url(study), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    treated, control = study.measurements.order_by("-position")[:2][::-1]
    assert (treated.position, control.position) == (highest + 1, highest + 2)
    assert (treated.value, treated.role, treated.control, control.role) == (1, "treated", control, "control")
