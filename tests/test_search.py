"""Text search q: containment everywhere; full-text search with ranking on PostgreSQL."""

import pytest
from django.db import connection

from interfaces.models import Study
from tests.helpers import make_reference, make_study

pytestmark = pytest.mark.django_db

URL = "/studies/"
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL only"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite falls back to containment")


def found(client, q: str) -> list[str]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    return [study.key for study in response.context["filter"].qs]


def test_a_formula_matches_by_containment(client):
    assert "deng2020tuning-li3po4-llzto" in found(client, "Li3PO4")


def test_case_does_not_matter(client):
    assert found(client, "li3po4") == found(client, "LI3PO4")
    assert "deng2020tuning-li3po4-llzto" in found(client, "li3po4")


def test_an_electrolyte_formula_and_alias(client):
    llzto = set(Study.objects.filter(electrolyte__slug="llzto").values_list("key", flat=True))
    assert "deng2020tuning-li3po4-llzto" in llzto
    # Every study of the electrolyte, by its formula and by its alias.
    assert llzto <= set(found(client, "Li6.3La3Zr1.5Ta0.5O12"))
    assert llzto <= set(found(client, "Ta-doped LLZO"))


def test_an_interlayer_alias(client):
    zno = sorted(Study.objects.filter(interlayers__slug="zno").values_list("key", flat=True))
    assert sorted(found(client, "zinc oxide")) == zno and "hao2019constructing-zno-latp" in zno


def test_an_author_surname(client):
    keys = found(client, "Kızılaslan")
    assert keys == ["kizilaslan2019assembling-li3n-li7p3s11"]


def test_words_of_the_summary_and_title(client):
    assert "doux2020stack-pressure-li6ps5cl" in found(client, "stack pressure")
    assert "deng2020tuning-li3po4-llzto" in found(client, "Anode–Electrolyte Interface Chemistry")


def test_search_combines_with_filters(client):
    keys = found(client, "LLZO")
    assert "luo2016transition-si-llzo" in keys
    family_of = dict(Study.objects.values_list("key", "electrolyte__family__slug"))
    for family in ("garnet", "thiophosphate"):
        combined = client.get(URL, {"q": "LLZO", "family": family}).context["filter"].qs
        # Exactly the studies the search finds that are of the family.
        assert sorted(s.key for s in combined) == sorted(k for k in keys if family_of[k] == family), family
    assert any(family_of[k] == "garnet" for k in keys)


def test_nothing_found(client):
    response = client.get(URL, {"q": "unobtainium"})
    assert response.context["page_obj"].paginator.count == 0
    assert "No study matches “unobtainium”." in response.content.decode()


def test_a_study_with_many_matching_authors_is_listed_once(client):
    reference = make_reference(authors=[("Smithers", "A."), ("Smithers", "B."), ("Smithers", "C.")])
    study = make_study(reference=reference, interlayers=["Smithersite"])
    assert found(client, "Smithers").count(study.key) == 1


def test_words_match_in_any_order_and_form_on_either_database(client):
    keys = found(client, "dendrites suppressed")
    assert "deng2020tuning-li3po4-llzto" in keys and "han2018suppressing-lii-lps" in keys
    assert set(found(client, "suppressed dendrite")) == set(keys)


@postgres_only
def test_on_postgresql_words_match_in_any_order_and_form(client):
    # Stemming: "suppressed dendrite" finds "suppressing Li dendrites".
    keys = found(client, "suppressed dendrite")
    assert "deng2020tuning-li3po4-llzto" in keys
    assert "han2018suppressing-lii-lps" in keys


@postgres_only
def test_on_postgresql_results_are_ranked_by_relevance(client):
    # Li3PO4 is in Deng's summary and mechanism; elsewhere it appears at most in passing.
    strong = make_study(
        reference=make_reference(title="Garnet garnet garnet interface"),
        summary="A garnet study about garnet.",
    )
    weak = make_study(mechanism="Compared in passing with a garnet.")
    keys = found(client, "garnet")
    assert keys.index(strong.key) < keys.index(weak.key)
    assert keys[0] == strong.key


@postgres_only
def test_on_postgresql_formulas_still_match_by_containment(client):
    assert "deng2020tuning-li3po4-llzto" in found(client, "Li3PO4")
    assert "liu2019high-lpszno-lgps" in found(client, "Zn0.02")


@postgres_only
def test_on_postgresql_search_syntax_in_user_input_is_harmless(client):
    for q in ['"unterminated', "a & | ! b", "(((", "-", ":*", "'"]:
        response = client.get(URL, {"q": q})
        assert response.status_code == 200, q
