"""A study's page: the interface stack, every measurement, the reference and related studies."""

import re

import pytest

from interfaces.models import Quantity, Study
from tests.helpers import make_study

pytestmark = pytest.mark.django_db


def page(client, key: str) -> str:
    response = client.get(Study.objects.get(key=key).get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_the_stack_is_anode_interlayer_electrolyte_with_thickness(client):
    html = page(client, "deng2020tuning-li3po4-llzto")
    stack = section(html, "stack-heading")
    layers = re.findall(r'<li class="layer ([a-z-]+)', stack)
    assert layers[0] == "anode" and layers[-1] == "electrolyte"
    assert layers[1].startswith("interlayer")
    assert "Li<sub>3</sub>PO<sub>4</sub>" in stack
    assert "~10&nbsp;nm thick" in stack
    assert stack.index("Anode") < stack.index("Li<sub>3</sub>PO<sub>4</sub>") < stack.index("LLZTO")


def test_two_interlayers_are_drawn_in_order(client):
    stack = section(page(client, "xu2018interface-lif-lii-li7p3s11"), "stack-heading")
    assert "Interlayer 1" in stack and "Interlayer 2" in stack
    assert stack.index(">LiF<") < stack.index(">LiI<")


def test_no_interlayer_is_drawn_as_such(client):
    stack = section(page(client, "doux2020stack-pressure-li6ps5cl"), "stack-heading")
    assert "No interlayer" in stack and "Li<sub>6</sub>PS<sub>5</sub>Cl" in stack


def test_every_measurement_with_value_unit_conditions_and_provenance(client):
    html = page(client, "doux2020stack-pressure-li6ps5cl")
    table = section(html, "measurements-heading")
    study = Study.objects.get(key="doux2020stack-pressure-li6ps5cl")
    rows = re.findall(r"<tr[^>]*>\s*<td>", table)
    assert len(rows) == study.measurements.count() == 7
    assert "Stack pressure" in table and "Cycling time" in table
    assert "no short circuit for 1000 h" in table
    assert "5\u00a0MPa" in table  # the stack pressure under which the cycling time was measured
    assert "review Fig. 6b caption" in table and "Stated in a figure caption" in table


def test_ranges_qualifiers_units_temperatures_and_controls(client):
    control_study = make_study(
        measurements=[
            {
                "quantity": Quantity.INTERFACIAL_RESISTANCE,
                "value": 1200,
                "condition": "bare",
                "role": "control",
            },
            {
                "quantity": Quantity.INTERFACIAL_RESISTANCE,
                "value": 15,
                "value_max": 20,
                "temperature_c": 25,
                "condition": "coated",
                "role": "treated",
            },
        ]
    )
    bare, coated = control_study.measurements.order_by("position")
    coated.control = bare
    coated.save()
    html = client.get(control_study.get_absolute_url()).content.decode()
    table = section(html, "measurements-heading")
    assert "15–20" in table and "Ω&nbsp;cm<sup>2</sup>" in table and "25\u00a0°C" in table
    assert re.search(r"compared with <a[^>]*>1200 ", table)
    assert "<strong>×80</strong> lower" in table  # 1200 → 15 Ω·cm²
    assert "Treated (with the strategy)" in table and "Control (without the strategy)" in table


def test_summary_mechanism_and_reference(client):
    html = page(client, "deng2020tuning-li3po4-llzto")
    assert "critical current density of 2.2 mA/cm²" in html
    assert "Mechanism" in html and "blocks electrons" in html
    reference = section(html, "reference-heading")
    assert "T. Deng, X. Ji" in reference and "<cite>Advanced Materials</cite>" in reference
    assert 'href="https://doi.org/10.1002/adma.202000030"' in reference
    assert 'href="/references/deng2020tuning.bib"' in reference
    assert '<summary class="button">Cite</summary>' in reference
    assert "@article{deng2020tuning" in reference


def test_related_studies_share_the_family_or_an_interlayer(client):
    html = page(client, "luo2016transition-si-llzo")
    related = section(html, "related-heading")
    by_family, by_interlayer = related.split("Same interlayer")
    family_ids = [int(pk) for pk in re.findall(r'href="/studies/(\d+)/"', by_family)]
    assert 0 < len(family_ids) <= 8
    assert set(
        Study.objects.filter(pk__in=family_ids).values_list("electrolyte__family__slug", flat=True)
    ) == {"garnet"}
    interlayer_ids = [int(pk) for pk in re.findall(r'href="/studies/(\d+)/"', by_interlayer)]
    assert interlayer_ids == [Study.objects.get(key="ogawa2012highcapacity-si-lps").pk]
    this = Study.objects.get(key="luo2016transition-si-llzo").pk
    assert this not in family_ids + interlayer_ids


def test_the_title_names_interlayer_and_electrolyte(client):
    html = page(client, "han2017negating-al2o3-llczn")
    assert re.search(r"<h1>Al<sub>2</sub>O<sub>3</sub> on LLCZN</h1>", html)
    assert "<title>Al2O3 on LLCZN (Han et al. 2017)" in html
    assert "<h1>Anode design — LLCZN</h1>" in page(client, "yang2018continuous-3d-llczn")


def test_a_study_without_figures_says_whether_its_source_was_read(client):
    read = make_study(figures_source="abstract")
    html = client.get(read.get_absolute_url()).content.decode()
    assert "Not stated in the abstract: the source read gives no figure for this study." in html
    unread = make_study()
    html = client.get(unread.get_absolute_url()).content.decode()
    assert "Not yet curated: nobody has read this paper" in html


def test_each_figure_says_where_it_was_read_and_links_the_page(client):
    study = make_study(
        figures_source="abstract",
        measurements=[
            {"value": 1.2, "role": "treated", "source": "abstract", "source_url": "https://example.org/abs"},
            {"quantity": Quantity.THICKNESS, "value": 10, "source": "review", "locator": "review §2.3.1"},
        ],
    )
    table = section(client.get(study.get_absolute_url()).content.decode(), "measurements-heading")
    assert '<span class="source-tag source-abstract">abstract</span>' in table
    assert '<a class="source-site source-site-other" href="https://example.org/abs"' in table
    assert '>example.org</a> <span class="site-kind">(another site)</span>' in table
    assert '<span class="source-tag source-review">review</span>' in table
