"""Readers report a problem with a study; curators moderate; nothing is published by a report."""

import pytest
from django.utils.html import escape

from interfaces.models import Report, ReportStatus, Study

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    return Study.objects.get(key="deng2020tuning-li3po4-llzto")


def report_url(study) -> str:
    return f"/studies/{study.pk}/report/"


GOOD = {
    "problem": "The CCD is 2.2 mA/cm² at 25 °C in the paper, but the page gives no temperature.",
    "correction": "25 °C",
    "evidence": "Fig. 4c of the paper",
    "email": "",
    "website": "",
}


def test_the_study_page_links_to_the_report_form(client, study):
    page = client.get(study.get_absolute_url()).content.decode()
    assert f'href="{report_url(study)}"' in page and "Report a problem with this study" in page
    form = client.get(report_url(study)).content.decode()
    assert "<h1>Report a problem with this study</h1>" in form and 'name="problem"' in form


def test_a_report_is_stored_for_a_curator_and_never_shown(client, study):
    response = client.post(report_url(study), GOOD, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 200 and "waiting for a curator" in response.content.decode()
    report = Report.objects.get()
    assert (report.study, report.status, report.correction) == (study, ReportStatus.NEW, "25 °C")
    assert report.client and "192.0.2.10" not in report.client  # a keyed hash, not the address
    page = client.get(study.get_absolute_url()).content.decode()
    assert "the page gives no temperature" not in page  # never published by itself
    assert "Fig. 4c of the paper" not in client.get("/studies/?q=Fig.+4c").content.decode()


def test_the_honeypot_swallows_robots(client, study):
    response = client.post(report_url(study), GOOD | {"website": "http://spam.example"})
    assert response.status_code == 200 and "waiting for a curator" in response.content.decode()
    assert not Report.objects.exists()


def test_reports_are_rate_limited_per_address(client, study):
    for _ in range(5):
        assert client.post(report_url(study), GOOD, REMOTE_ADDR="192.0.2.20").status_code == 200
    response = client.post(report_url(study), GOOD, REMOTE_ADDR="192.0.2.20")
    assert response.status_code == 429
    assert "You have sent 5 reports in the last hour" in response.content.decode()
    assert Report.objects.count() == 5
    # Another address is not held back.
    assert client.post(report_url(study), GOOD, REMOTE_ADDR="192.0.2.21").status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"problem": ""}, "problem"),
        ({"problem": "x" * 2001}, "problem"),
        ({"correction": "y" * 501}, "correction"),
        ({"email": "not an address"}, "email"),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(client, study, changes, field):
    response = client.post(report_url(study), GOOD | changes)
    assert response.status_code == 400
    [message] = response.context["form"].errors[field]
    assert escape(message) in response.content.decode()  # the reader is told what is wrong
    assert not Report.objects.exists()


def test_an_unknown_study_is_a_404(client):
    assert client.get("/studies/999999/report/").status_code == 404
    assert client.post("/studies/999999/report/", GOOD).status_code == 404


def test_a_curator_accepts_or_rejects_and_cannot_delete(client, curator, study):
    client.post(report_url(study), GOOD, REMOTE_ADDR="192.0.2.30")
    client.post(report_url(study), GOOD | {"problem": "Another one"}, REMOTE_ADDR="192.0.2.30")
    first, second = Report.objects.order_by("created_at")
    listing = client.get("/admin/interfaces/report/").content.decode()
    assert "the page gives no temperature" in listing
    response = client.post(
        "/admin/interfaces/report/", {"action": "accept", "_selected_action": [first.pk]}, follow=True
    )
    assert response.status_code == 200
    first.refresh_from_db()
    assert (first.status, first.moderated_by) == (ReportStatus.ACCEPTED, curator)
    assert first.moderated_at is not None
    client.post("/admin/interfaces/report/", {"action": "reject", "_selected_action": [second.pk]})
    second.refresh_from_db()
    assert second.status == ReportStatus.REJECTED
    assert client.post(f"/admin/interfaces/report/{first.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Report.objects.count() == 2
