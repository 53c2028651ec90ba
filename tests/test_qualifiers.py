"""One rule for qualifiers: a value the experiment reached is exact; ≤ and < only for an upper bound."""

import pytest
from django.core.exceptions import ValidationError

from interfaces.curation import CurationError, load_curated
from interfaces.models import Measurement, Qualifier
from interfaces.vocabularies import QUALIFIER_RULE, qualifier_contradiction
from tests.helpers import curated_copy, make_study

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("qualifier", "reported", "refused"),
    [
        ("≤", "up to 12.5 mA cm-2", True),
        ("<", "as high as 5 mA/cm²", True),
        ("≤", "reaching 2000 h", True),
        ("", "up to 8 mA cm−2", False),
        ("≥", "at least 1 mA cm−2", False),
        (">", "over 1500 hours", False),
        ("≤", "100 nm or less", False),
        ("<", "shorted below 0.5 mA cm−2", False),
    ],
)
def test_the_rule_reads_the_source_words(qualifier, reported, refused):
    assert bool(qualifier_contradiction(qualifier, reported)) is refused


def test_a_figure_that_contradicts_its_source_words_does_not_validate():
    study = make_study(measurements=[{"value": 8.0}])
    figure = study.measurements.get()
    figure.qualifier, figure.reported = Qualifier.AT_MOST, "up to 8 mA cm−2"
    with pytest.raises(ValidationError) as raised:
        figure.full_clean()
    assert "a value the experiment reached is exact" in str(raised.value.message_dict["qualifier"])


def test_every_curated_figure_follows_the_rule():
    figures = Measurement.objects.exclude(reported="")
    assert figures.count() > 50
    assert [
        f"{m.study.key}/{m.position}" for m in figures if qualifier_contradiction(m.qualifier, m.reported)
    ] == []
    assert not Measurement.objects.filter(qualifier=Qualifier.AT_MOST, reported__istartswith="up to").exists()


def test_the_curated_files_refuse_a_reached_value_read_as_a_ceiling(tmp_path):
    directory = curated_copy(
        tmp_path,
        "        value: 12.5\n        reported: up to 12.5 mA cm-2\n",
        "        qualifier: ≤\n        value: 12.5\n        reported: up to 12.5 mA cm-2\n",
        count=1,
    )
    before = list(Measurement.objects.values_list("pk", "qualifier", "value"))
    with pytest.raises(CurationError, match="a value the experiment reached is exact"):
        load_curated(directory, take_files=True)
    assert list(Measurement.objects.values_list("pk", "qualifier", "value")) == before


def test_about_states_the_rule(client):
    html = client.get("/about/").content.decode()
    assert "<strong>Qualifiers</strong>:" in html
    assert "≤ and &lt; only where the source bounds the value from above" in html
    assert QUALIFIER_RULE.startswith("A value the experiment reached")
