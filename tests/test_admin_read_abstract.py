"""The admin's "read figures from the abstract": proposed, ticked, edited, saved only when confirmed."""

import json

import pytest
import requests
import responses

from interfaces.models import Measurement, Study
from references.crossref import WORK
from tests.helpers import make_reference, make_study, sample

pytestmark = pytest.mark.django_db

ABSTRACT = (
    "A thin Li3PO4 interlayer on garnet lowers the interfacial resistance from 900 to 12 Ω cm2 "
    "and raises the critical current density to 1.2 mA cm−2. The work was funded in 2023."
)
DOI = "10.5555/atlas.gaps.2024"


@pytest.fixture
def carla(client, curator):
    """The test client, signed in as conftest's curator, carla."""
    return client


@pytest.fixture
def study():
    return make_study(reference=make_reference(title="A Li3PO4 interlayer on garnet", doi=DOI))


def url(study) -> str:
    return f"/admin/interfaces/study/{study.pk}/read-abstract/"


def proposed(client, study, abstract=ABSTRACT):
    response = client.post(
        url(study), {"action": "propose", "abstract": abstract, "source_url": f"https://doi.org/{DOI}"}
    )
    assert response.status_code == 200
    return response


def test_a_curator_accepts_the_figures_an_abstract_states_in_a_few_clicks(carla, study):
    page = carla.get(f"/admin/interfaces/study/{study.pk}/change/").content.decode()
    assert "Read figures from the abstract" in page
    response = proposed(carla, study)
    rows = response.context["proposals"].initial
    figures = {(row["quantity"], row["value"], row["role"]) for row in rows}
    assert ("interfacial_resistance", 900, "control") in figures
    assert ("interfacial_resistance", 12, "treated") in figures
    assert ("ccd", 1.2, "treated") in figures or ("ccd", 1.2, "") in figures
    assert not any(row["value"] == 2023 for row in rows)  # a year is no figure
    assert not Measurement.objects.filter(study=study).exists()  # nothing saved yet

    data = {
        "action": "save",
        "abstract": ABSTRACT,
        "source_url": f"https://doi.org/{DOI}",
        "figure-TOTAL_FORMS": len(rows),
        "figure-INITIAL_FORMS": len(rows),
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            if value is None or value is False:
                continue
            data[f"figure-{index}-{name}"] = "on" if value is True else value
    response = carla.post(url(study), data)
    assert response.status_code == 302, response.context["proposals"].errors
    saved = list(study.measurements.order_by("position"))
    assert len(saved) == len(rows)
    treated = next(m for m in saved if m.quantity == "interfacial_resistance" and m.value == 12)
    assert treated.control.value == 900 and treated.role == "treated" and treated.control.role == "control"
    assert all(m.source == "abstract" and m.locator == "abstract" for m in saved)
    assert all(m.entered_by == "carla" and not m.is_checked for m in saved)
    assert all(m.source_url == f"https://doi.org/{DOI}" for m in saved)
    study.reference.refresh_from_db()
    assert study.reference.abstract == ABSTRACT  # kept with the paper


def test_only_the_ticked_and_edited_rows_are_saved(carla, study):
    rows = proposed(carla, study).context["proposals"].initial
    data = {
        "action": "save",
        "abstract": ABSTRACT,
        "source_url": f"https://doi.org/{DOI}",
        "figure-TOTAL_FORMS": len(rows),
        "figure-INITIAL_FORMS": len(rows),
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            if value is None or value is False or name in {"keep", "control"}:
                continue
            data[f"figure-{index}-{name}"] = value
    data["figure-0-keep"] = "on"
    data["figure-0-value"] = "950"
    carla.post(url(study), data)
    assert list(study.measurements.values_list("value", flat=True)) == [950]


def test_nothing_ticked_or_a_bad_value_saves_nothing_and_says_why(carla, study):
    rows = proposed(carla, study).context["proposals"].initial
    data = {
        "action": "save",
        "abstract": ABSTRACT,
        "source_url": f"https://doi.org/{DOI}",
        "figure-TOTAL_FORMS": len(rows),
        "figure-INITIAL_FORMS": len(rows),
    }
    for index, row in enumerate(rows):
        data |= {f"figure-{index}-quantity": row["quantity"], f"figure-{index}-value": row["value"]}
    response = carla.post(url(study), data)
    assert "Tick at least one figure" in response.content.decode()
    data |= {"figure-0-keep": "on", "figure-0-value": "-3"}
    response = carla.post(url(study), data)
    assert response.status_code == 200 and not study.measurements.exists()


@responses.activate
def test_the_abstract_is_fetched_from_crossref_and_offline_the_curator_pastes_it(carla, study):
    responses.get(WORK.format(doi=DOI), json=json.loads(sample("crossref/work.json")))
    response = carla.post(url(study), {"action": "fetch"})
    assert "lowers the interfacial resistance from 900 to 12" in response.context["form"].initial["abstract"]
    responses.reset()
    responses.get(WORK.format(doi=DOI), body=requests.ConnectionError("offline"))
    response = carla.post(url(study), {"action": "fetch"}, follow=True)
    assert response.status_code == 200
    assert "Paste the abstract instead" in response.content.decode()


def test_a_reader_cannot_reach_it(client, study):
    assert client.get(url(study)).status_code == 302  # to the sign-in page
    assert Study.objects.filter(pk=study.pk).exists()
