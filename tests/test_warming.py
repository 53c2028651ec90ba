"""A curator's save draws the most read pages again once it is answered (atlas/warming.py): their
next reader finds them counted and drawn, as after any warm request."""

import logging

import pytest
from django.test import Client

from atlas import warming
from interfaces.models import Strategy, Study
from interfaces.templatetags.atlas import short_name
from tests.helpers import admin_change_url, admin_form_data
from tests.test_reports import GOOD, report_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn_after_a_save(settings):
    settings.WARM_AFTER_SAVE, settings.WARM_STUDY_PAGES = ["/", "/studies/"], 3


def reclassify_in_admin(client, study: Study) -> str:
    """The study's admin form posted back with another strategy: the new strategy's label."""
    other = Strategy.OTHER if study.strategy != Strategy.OTHER else Strategy.ANODE_DESIGN
    page = client.get(admin_change_url(study))
    response = client.post(admin_change_url(study), admin_form_data(page) | {"strategy": other})
    assert response.status_code == 302
    return str(Strategy(other).label)


def queries_of(reader: Client, url: str, django_assert_max_num_queries) -> tuple[int, str]:
    with django_assert_max_num_queries(1000) as queries:
        response = reader.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("drawn", [True, False], ids=["drawn after the save", "not drawn"])
def test_the_next_reader_after_a_reclassification_finds_the_list_and_the_page_drawn(
    client, curator, settings, django_assert_max_num_queries, drawn
):
    if drawn:
        settings.WARM_AFTER_SAVE, settings.WARM_STUDY_PAGES = ["/studies/"], 3
    reader = Client()
    study = Study.objects.first()  # the first row of the list
    for url in ("/studies/", study.get_absolute_url()):
        reader.get(url)
    warm_list, _ = queries_of(reader, "/studies/", django_assert_max_num_queries)
    warm_page, _ = queries_of(reader, study.get_absolute_url(), django_assert_max_num_queries)

    label = reclassify_in_admin(client, study)

    first_list, listed = queries_of(reader, "/studies/", django_assert_max_num_queries)
    first_page, shown = queries_of(reader, study.get_absolute_url(), django_assert_max_num_queries)
    row = listed.split(f'href="{study.get_absolute_url()}"', 1)[1].split("</tr>", 1)[0]
    assert short_name(label) in row and label in shown  # the new strategy, at once
    if drawn:
        assert (first_list, first_page) == (warm_list, warm_page)
    else:  # what the drawing saves the next reader: the counts, the row, the page read again
        assert first_list > warm_list + 3 and first_page > warm_page + 3


def test_only_a_write_of_the_atlas_draws_pages_again_as_a_reader_not_signed_in(
    client, curator, drawn_after_a_save, monkeypatch
):
    asked = []
    monkeypatch.setattr(warming, "warm", lambda addresses, environ: asked.append((addresses, environ)))
    study = Study.objects.first()
    Client().post(report_url(study), GOOD)  # a reader's report changes no data
    client.get("/studies/")
    client.get(admin_change_url(study))
    assert asked == []
    reclassify_in_admin(client, study)
    [(addresses, environ)] = asked
    assert addresses == ["/", "/studies/", study.get_absolute_url()]
    assert "HTTP_COOKIE" not in environ and environ["HTTP_HOST"] == "testserver"


def test_a_page_that_fails_to_draw_leaves_the_save_as_it_was(
    curator, drawn_after_a_save, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("a page that fails")

    # The test client raises what a request it did not send raised: as a server, it logs it.
    client = Client(raise_request_exception=False)
    client.force_login(curator)
    study = Study.objects.first()
    monkeypatch.setattr("interfaces.views.facets", broken)
    with caplog.at_level(logging.ERROR):
        label = reclassify_in_admin(client, study)
    monkeypatch.undo()
    assert Study.objects.get(pk=study.pk).get_strategy_display() == label
    assert any(getattr(record, "status_code", None) == 500 for record in caplog.records)
    assert label in Client().get(study.get_absolute_url()).content.decode()


def test_the_pages_are_drawn_through_the_whole_site_as_a_reader_gets_them(drawn_after_a_save):
    study = Study.objects.first()
    environ = {"HTTP_HOST": "testserver", "SERVER_NAME": "testserver", "SERVER_PORT": "80"}
    statuses = warming.warm(
        ["/", "/studies/?family=garnet", study.get_absolute_url(), "/no-such-page/"], environ
    )
    assert statuses == [200, 200, 200, 404]
