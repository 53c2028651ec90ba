"""The figures read in the primary papers: provenance, pairing, comparability, and spot checks."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from interfaces.models import Measurement, Quantity, Role, Study
from references.models import Reference
from tests.helpers import make_study

pytestmark = pytest.mark.django_db


def test_every_figure_has_a_unit_a_locator_a_source_and_for_a_paper_an_address():
    for m in Measurement.objects.all():
        assert m.unit and m.locator.strip() and m.source, m
        if m.source != "review":
            assert m.source_url.startswith(("https://", "http://")), m
        assert m.reported.strip(), m  # the value as the source printed it


def test_every_control_is_of_the_same_study_and_quantity_and_marked_so():
    paired = Measurement.objects.exclude(control=None).select_related("control")
    assert paired.count() >= 7
    for m in paired:
        assert m.control.study_id == m.study_id and m.control.quantity == m.quantity, m
        assert (m.role, m.control.role) == (Role.TREATED, Role.CONTROL), m


def test_no_doi_twice_and_every_study_cites_a_reference_of_the_files():
    dois = [d.lower() for d in Reference.objects.exclude(doi="").values_list("doi", flat=True)]
    assert len(dois) == len(set(dois))
    bib = (Path(settings.CURATED_DATA_DIR) / "references.bib").read_text(encoding="utf-8")
    in_the_files = set(re.findall(r"^@(?!comment)\w+\{([^,\s]+),", bib, re.MULTILINE | re.IGNORECASE))
    cited = set(Study.objects.values_list("reference__citekey", flat=True))
    assert cited and cited <= in_the_files, cited - in_the_files


def test_lower_bounds_keep_their_qualifier():
    doux = Study.objects.get(key="doux2020stack-pressure-li6ps5cl")
    cycling = doux.measurements.get(quantity=Quantity.CYCLING_TIME, source="abstract")
    assert (cycling.qualifier, cycling.value, cycling.stack_pressure_mpa) == (">", 1000, 5)


def test_the_atlas_answers_its_headline_questions():
    studies = Study.objects.count()
    with_ccd_or_resistance = (
        Study.objects.filter(measurements__quantity__in=[Quantity.CCD, Quantity.INTERFACIAL_RESISTANCE])
        .distinct()
        .count()
    )
    assert with_ccd_or_resistance * 2 >= studies
    beyond_review = Study.objects.filter(review_locator="").count()
    assert beyond_review >= 30
    garnet_pairs = Measurement.objects.filter(
        study__electrolyte__family__slug="garnet", quantity=Quantity.INTERFACIAL_RESISTANCE
    ).exclude(control=None)
    assert garnet_pairs.count() >= 5


# Figures checked by hand against the abstract at the address each one records.
SPOT_CHECKS = [
    ("han2017negating-al2o3-llczn", Quantity.INTERFACIAL_RESISTANCE, "treated", 1, 1710),
    ("luo2017reducing-ge-llzo", Quantity.INTERFACIAL_RESISTANCE, "treated", 115, 900),
    ("lou2020achieving-ito-llzto-6-4", Quantity.INTERFACIAL_RESISTANCE, "treated", 32, 1192),
    ("zhou2018surfactant-zno-llbzt", Quantity.INTERFACIAL_RESISTANCE, "treated", 10, 70),
    ("zhai2024interface-lii-znlix-llzto-6-75", Quantity.INTERFACIAL_RESISTANCE, "treated", 10.3, 1173.4),
    ("fu2017garnet-al-llzo", Quantity.INTERFACIAL_RESISTANCE, "treated", 75, 950),
]


@pytest.mark.parametrize(("key", "quantity", "role", "value", "control"), SPOT_CHECKS)
def test_spot_checks_of_paired_figures(key, quantity, role, value, control):
    figure = Study.objects.get(key=key).measurements.get(quantity=quantity, role=role)
    assert figure.value == value and figure.control.value == control
    assert figure.unit == "Ω·cm²" and figure.source == "abstract"


@pytest.mark.parametrize(
    ("key", "quantity", "value", "qualifier", "current_density"),
    [
        ("lou2020achieving-ito-llzto-6-4", Quantity.CCD, 1.05, "", None),
        ("lou2020achieving-ito-llzto-6-4", Quantity.CYCLING_TIME, 800, ">", 0.2),
        ("zhai2024interface-lii-znlix-llzto-6-75", Quantity.CCD, 2.3, "", None),
        ("luo2017reducing-ge-llzo", Quantity.THICKNESS, 20, "", None),
    ],
)
def test_spot_checks_of_single_figures(key, quantity, value, qualifier, current_density):
    figures = Study.objects.get(key=key).measurements.filter(quantity=quantity, value=value)
    assert figures.exists(), list(Study.objects.get(key=key).measurements.values_list("quantity", "value"))
    figure = figures.first()
    assert (figure.qualifier, figure.current_density_ma_cm2) == (qualifier, current_density)


def test_resistance_without_area_and_controls_never_enter_the_resistance_sort_or_filter(client):
    unnormalised = make_study(measurements=[{"quantity": Quantity.RESISTANCE, "value": 0.01}])
    control_only = make_study(
        measurements=[{"quantity": Quantity.INTERFACIAL_RESISTANCE, "value": 0.02, "role": "control"}]
    )
    response = client.get("/studies/", {"resistance_max": "0.5", "format": "json"})
    ids = {row["id"] for row in response.json()["results"]}
    assert unnormalised.pk not in ids and control_only.pk not in ids
    response = client.get("/studies/", {"sort": "resistance"})
    first = response.context["page_obj"].object_list[0]
    assert first.pk not in {unnormalised.pk, control_only.pk}
    assert first.lowest_resistance.quantity == Quantity.INTERFACIAL_RESISTANCE
    response = client.get("/studies/", {"ccd_min": "0.001", "format": "json"})
    assert control_only.pk not in {row["id"] for row in response.json()["results"]}


def test_best_ccd_is_a_treated_figure_even_when_the_control_is_higher():
    study = make_study(
        measurements=[
            {"quantity": Quantity.CCD, "value": 3.0, "role": "control"},
            {"quantity": Quantity.CCD, "value": 1.0, "role": "treated"},
        ]
    )
    assert Study.objects.with_sort_keys().get(pk=study.pk).sort_ccd == 1.0
    assert study.best_ccd.value == 1.0


def test_filtering_by_ccd_of_2_returns_several_families(client):
    response = client.get("/studies/", {"ccd_min": "2", "format": "json"})
    families = {row["electrolyte"]["family"]["slug"] for row in response.json()["results"]}
    assert len(families) >= 2, families


def test_a_cycle_count_in_a_figures_condition_is_a_figure_of_its_study_too():
    """ "Retention after 100 cycles" keeps its 100 cycles as a cycle-count figure, so a search or
    a sort by cycle count finds it."""
    checked = 0
    for m in Measurement.objects.select_related("study"):
        for number in re.findall(r"(\d[\d,]*)\s*cycles", m.condition):
            checked += 1
            counts = set(
                m.study.measurements.filter(quantity=Quantity.CYCLE_COUNT).values_list("value", flat=True)
            )
            assert float(number.replace(",", "")) in counts, (m.study.key, m.condition)
    assert checked >= 3


@pytest.mark.parametrize(
    ("study", "quantity", "qualifier", "value", "reported"),
    [
        ("anon2024ultrafast-membrane-llzo", Quantity.ELECTROLYTE_THICKNESS, "", 45, "45 µm-thick"),
        ("ishiguro2013stability-nb-llzo", Quantity.CYCLING_TIME, "", 0.0778, "280 s"),
        ("zhai2024interface-lii-znlix-llzto-6-75", Quantity.CYCLE_COUNT, "", 200, "200 cycles"),
        ("sharafi2017surface-none-llzo", Quantity.CYCLE_COUNT, ">", 100, "over one-hundred cycles"),
        ("hao2019constructing-zno-latp", Quantity.RESISTANCE, "", 353, "353 Ω"),
        ("anon2018fluorinated-lif-li3ps4", Quantity.COULOMBIC_EFFICIENCY, ">", 98, "more than 98%"),
        ("anon2025high-densification-lpscl", Quantity.CCD, "", 9, None),
    ],
)
def test_the_figures_an_abstract_states_are_in_the_atlas(study, quantity, qualifier, value, reported):
    figures = Measurement.objects.filter(study__key=study, quantity=quantity, value=value)
    assert [(m.qualifier, m.reported if reported else None) for m in figures] == [(qualifier, reported)]
    assert all(m.source == "abstract" and m.source_url for m in figures)


def test_a_lower_bound_in_the_source_words_keeps_its_qualifier():
    """ "Over 2,000 h", "more than 36 mAh cm−2", "exceeding 15 mA cm−2", ">3.4 mA cm−2": the figure
    is a lower bound and says so, whichever curator or route entered it."""
    lower = re.compile(r"^\s*(?:over|more than|exceeding|in excess of|>|&gt;)", re.IGNORECASE)
    figures = [m for m in Measurement.objects.select_related("study") if lower.match(m.reported)]
    assert len(figures) >= 10
    assert [f"{m.study.key}: {m.reported}" for m in figures if m.qualifier not in (">", "≥")] == []


def test_every_address_on_a_code_repository_is_fixed_to_a_commit_and_named_in_the_curation_note():
    """A repository's files change: a figure read there carries the address of the file at one
    commit, and its study's curation note says what the repository is (an author's or group's own
    website, or a collection of papers' texts: an aggregator)."""
    fixed = re.compile(r"^https://(?:github|gitlab)\.com/([^/]+/[^/]+)/(?:-/)?blob/[0-9a-f]{40}/\S+$")
    read_there = Measurement.objects.filter(source_url__regex=r"^https?://(www\.)?(github|gitlab)\.com/")
    assert read_there.exists()
    for m in read_there.select_related("study"):
        match = fixed.match(m.source_url)
        assert match, (m.study.key, m.source_url)
        note = m.study.curation_note.lower()
        assert match.group(1).lower() in note, (m.study.key, match.group(1))
        assert any(word in note for word in ("website", "author", "aggregator")), m.study.key
