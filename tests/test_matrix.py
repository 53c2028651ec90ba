"""/matrix/: each cell counts what the list it links to shows; empty cells are open questions."""

import re

import pytest

from interfaces.models import ElectrolyteFamily, Strategy

pytestmark = pytest.mark.django_db


def list_count(client, url: str) -> int:
    return client.get(url).context["page_obj"].paginator.count


@pytest.mark.parametrize("by", ["kind", "strategy"])
def test_every_cell_counts_what_its_link_lists(client, by):
    response = client.get("/matrix/", {"by": by, "open": "garnet"})
    assert response.status_code == 200
    checked = 0
    for row in response.context["rows"]:
        for sub in [row, *(row.electrolytes or [])]:
            for cell in sub.cells:
                if cell.count:
                    assert list_count(client, cell.url) == cell.count, cell.url
                    checked += 1
            assert list_count(client, sub.total_url) == sub.total, sub.total_url
    assert checked > 10


def test_the_best_ccd_of_a_cell_is_the_best_on_its_list(client):
    response = client.get("/matrix/", {"by": "strategy"})
    garnet = next(row for row in response.context["rows"] if row.slug == "garnet")
    cell = garnet.cells[[s.value for s in Strategy].index("artificial-interlayer")]
    studies = client.get(cell.url + "&sort=-ccd").context["page_obj"].object_list
    assert cell.best_ccd == studies[0].best_ccd_value


def test_empty_cells_are_open_questions(client):
    response = client.get("/matrix/")
    html = response.content.decode()
    perovskite = next(row for row in response.context["rows"] if row.slug == "perovskite")
    assert all(cell.count == 0 for cell in perovskite.cells)
    assert html.count("open question: no study yet") == response.context["empty"] > 0
    assert f"{response.context['empty']} of {response.context['cells']}" in html
    assert response.context["cells"] == ElectrolyteFamily.objects.count() * 9


def test_a_family_opens_to_its_electrolytes_without_javascript(client):
    html = client.get("/matrix/").content.decode()
    assert 'href="?by=kind&amp;open=garnet"' in html
    html = client.get("/matrix/", {"open": "garnet"}).content.decode()
    assert 'class="electrolyte-row"' in html and "LLZTO" in html
    assert 'href="?by=kind"' in html  # closes it again
    assert len(re.findall(r"<h1[\s>]", html)) == 1


def test_unknown_column_choice_is_a_message(client):
    response = client.get("/matrix/", {"by": "colour", "open": "<nothing>"})
    assert response.status_code == 400
    assert "is not a way to split the columns" in response.content.decode()


@pytest.mark.parametrize("params, queries", [({}, 3), ({"open": ["garnet", "argyrodite"]}, 5)])
def test_matrix_queries(client, django_assert_num_queries, params, queries):
    # counts by family, totals, families with electrolytes (2); opened: counts and totals by electrolyte
    with django_assert_num_queries(queries + 1):
        assert client.get("/matrix/", params).status_code == 200
