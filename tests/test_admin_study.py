"""Recording a paper's studies and measurements in the admin, through the test client."""

from html.parser import HTMLParser

import pytest
from django.contrib.admin.models import ADDITION, LogEntry

from interfaces.models import Electrolyte, ElectrolyteFamily, InterlayerMaterial, Measurement, Quantity, Study
from references.models import Author, Authorship, Reference
from tests.helpers import admin_change_url, make_study

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/interfaces/study/add/"


def study_post(reference, electrolyte, *, layers=(), measurements=(), **fields):
    """The add form as a browser posts it, with both inline formsets."""
    data = {
        "key": "deng2020tuning-new",
        "reference": reference.pk,
        "strategy": "artificial-interlayer",
        "electrolyte": electrolyte.pk,
        "method": "ald",
        "method_detail": "",
        "anode": "Li",
        "cell_type": "symmetric",
        "cell": "Li | LLZTO | Li",
        "summary": "A new interlayer.",
        "mechanism": "",
        "review_locator": "review §2.3.1",
        "curation_note": "",
        "figures_source": "abstract",
        **fields,
    }
    for prefix, rows in (("layers", layers), ("measurements", measurements)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": len(rows),
                f"{prefix}-INITIAL_FORMS": 0,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for index, row in enumerate(rows):
            data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def measurement(**fields):
    row = {
        "quantity": "ccd",
        "qualifier": "",
        "value": "1.2",
        "value_max": "",
        "reported": "",
        "temperature_c": "25",
        "stack_pressure_mpa": "",
        "condition": "coated",
        "role": "treated",
        "control_position": "",
        "current_density_ma_cm2": "",
        "areal_capacity_mah_cm2": "",
        "cell_type": "",
        "locator": "Fig. 4f",
        "source": "full-text",
        "source_url": "https://example.org/paper",
        "source_kind": "figure",
        "note": "",
    }
    row.update(fields)
    return row


@pytest.fixture
def paper():
    return Reference.objects.get(citekey="deng2020tuning")


@pytest.fixture
def llzto():
    return Electrolyte.objects.get(slug="llzto")


def test_add_a_study_from_this_paper_fills_in_the_reference(client, curator, paper):
    change_page = client.get(admin_change_url(paper)).content.decode()
    link = f"/admin/interfaces/study/add/?reference={paper.pk}"
    assert f'href="{link}"' in change_page and "Add a study from this paper" in change_page
    response = client.get(link)
    assert response.context["adminform"].form.initial["reference"] == str(paper.pk)
    assert f'<option value="{paper.pk}" selected>{paper}</option>' in response.content.decode()


def test_a_curator_records_a_study_with_its_interlayer_and_measurements(client, curator, paper, llzto):
    material = InterlayerMaterial.objects.first()
    data = study_post(
        paper,
        llzto,
        layers=[{"material": material.pk, "position": 1, "note": ""}],
        measurements=[
            measurement(value="0.4", condition="bare", role="control"),
            measurement(quantity="interfacial_resistance", value="25", value_max="30"),
        ],
    )
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    study = Study.objects.get(key="deng2020tuning-new")
    assert study.reference == paper and list(study.interlayers.all()) == [material]
    values = [(m.quantity, m.value, m.value_max, m.unit) for m in study.measurements.order_by("position")]
    assert values == [("ccd", 0.4, None, "mA/cm²"), ("interfacial_resistance", 25.0, 30.0, "Ω·cm²")]
    log = LogEntry.objects.get(object_id=str(study.pk), content_type__model="study")
    assert (log.action_flag, log.user) == (ADDITION, curator)
    assert "Added figure “Interfacial resistance: 25–30 Ω·cm²”" in log.get_change_message()


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"value": "3", "value_max": "2"}, "value_max", "The upper end of the range is below its lower end."),
        ({"value": "-1"}, "value", "A physical value cannot be negative."),
        ({"locator": ""}, "locator", "This field is required."),
        ({"quantity": "speed"}, "quantity", "Select a valid choice."),
    ],
)
def test_an_invalid_measurement_is_refused_naming_its_field(
    client, curator, paper, llzto, row, field, message
):
    response = client.post(ADD_URL, study_post(paper, llzto, measurements=[measurement(**row)]))
    assert response.status_code == 200
    [formset] = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "measurements"]
    assert message in formset.formset.forms[0].errors[field][0]
    assert not Study.objects.filter(key="deng2020tuning-new").exists()


def test_the_quantity_menu_shows_each_unit(client, curator):
    page = client.get(ADD_URL).content.decode()
    for quantity in Quantity:
        assert f"{quantity.label} (" in page
    assert "Critical current density (mA/cm²)" in page and "Interfacial resistance (Ω·cm²)" in page


def test_new_figures_are_numbered_after_the_existing_ones(client, curator):
    study = make_study(measurements=[{"value": 1}, {"value": 2}])
    data = change_post(study, [measurement(value="3"), measurement(value="4")])
    response = client.post(admin_change_url(study), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert list(study.measurements.values_list("position", "value")) == [(1, 1), (2, 2), (3, 3), (4, 4)]


def test_a_treated_figure_is_paired_with_its_control_in_the_same_save(client, curator, paper, llzto):
    data = study_post(
        paper,
        llzto,
        measurements=[
            measurement(quantity="interfacial_resistance", value="1", role="", control_position="2"),
            measurement(quantity="interfacial_resistance", value="1710", role="", condition="bare"),
        ],
    )
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    treated, control = Study.objects.get(key="deng2020tuning-new").measurements.order_by("position")
    assert (treated.role, control.role) == ("treated", "control")
    assert treated.control == control and treated.improvement == 1710


@pytest.mark.parametrize(
    ("pairing", "message"),
    [
        ({"control_position": "7"}, "No figure #7 in this study."),
        ({"control_position": "1"}, "A figure cannot be its own control."),
        ({"control_position": "2", "quantity": "ccd"}, "#2 measures another quantity."),
    ],
)
def test_a_wrong_pairing_is_refused_and_nothing_saved(client, curator, paper, llzto, pairing, message):
    first = {"quantity": "interfacial_resistance", "value": "1"} | pairing
    data = study_post(
        paper, llzto, measurements=[measurement(**first), measurement(quantity="interfacial_resistance")]
    )
    response = client.post(ADD_URL, data)
    assert response.status_code == 200
    [formset] = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "measurements"]
    assert message in str(formset.formset.forms[0].errors)
    assert not Study.objects.filter(key="deng2020tuning-new").exists()


def test_the_study_key_is_made_from_the_reference_and_electrolyte(client, curator, paper, llzto):
    response = client.post(ADD_URL, study_post(paper, llzto, key=""))
    assert response.status_code == 302
    assert Study.objects.filter(key="deng2020tuning-llzto").exists()
    response = client.post(ADD_URL, study_post(paper, llzto, key=""))
    assert Study.objects.filter(key="deng2020tuning-llzto-2").exists()


def test_the_figure_rows_are_compact_and_show_the_unit_of_their_quantity(client, curator):
    study = make_study(measurements=[{"value": 1}])
    page = client.get(admin_change_url(study)).content.decode()
    assert 'class="js-inline-admin-formset inline-group"' in page and "tabular" in page
    assert 'data-units="{' in page and "admin/atlas-admin.js" in page
    assert 'aria-label="compared with #"' in page and 'aria-label="Value"' in page


def change_post(study, new_rows):
    """The change form of an existing study, its figures as they are plus new rows."""
    data = study_post(study.reference, study.electrolyte, key=study.key)
    existing = list(study.measurements.order_by("position"))
    data["measurements-INITIAL_FORMS"] = len(existing)
    data["measurements-TOTAL_FORMS"] = len(existing) + len(new_rows)
    rows = [
        measurement(id=m.pk, study=study.pk, value=str(m.value), role="", source="review", source_url="")
        for m in existing
    ] + new_rows
    for index, row in enumerate(rows):
        data.update({f"measurements-{index}-{name}": value for name, value in row.items()})
    return data


def test_autocomplete_finds_references_electrolytes_and_interlayers(client, curator):
    def search(field, term, model="study"):
        response = client.get(
            "/admin/autocomplete/",
            {"app_label": "interfaces", "model_name": model, "field_name": field, "term": term},
        )
        assert response.status_code == 200
        return [result["text"] for result in response.json()["results"]]

    assert any("Tuning" in text for text in search("reference", "deng2020"))
    assert "LLZTO" in search("electrolyte", "LLZTO")
    assert "Li3PO4" in search("material", "Li3PO4", model="studyinterlayer")


def test_the_study_list_filters_by_family_strategy_method_and_year(client, curator):
    page = client.get("/admin/interfaces/study/").content.decode()
    for parameter in (
        "electrolyte__family__id__exact",
        "strategy__exact",
        "method__exact",
        "reference__year",
    ):
        assert parameter in page
    garnet = ElectrolyteFamily.objects.get(slug="garnet")
    for params, lookup in [
        ({"electrolyte__family__id__exact": garnet.pk}, {"electrolyte__family": garnet}),
        ({"strategy__exact": "anode-design"}, {"strategy": "anode-design"}),
        ({"method__exact": "ald"}, {"method": "ald"}),
        ({"reference__year": "2020"}, {"reference__year": 2020}),
    ]:
        response = client.get("/admin/interfaces/study/", params)
        shown = {study.pk for study in response.context["cl"].queryset}
        assert shown and shown == set(Study.objects.filter(**lookup).values_list("pk", flat=True)), params
    response = client.get("/admin/interfaces/study/", {"q": "deng2020tuning"})
    assert [s.reference.citekey for s in response.context["cl"].queryset] == ["deng2020tuning"]


def test_a_study_page_links_to_the_public_page(client, curator):
    study = Study.objects.filter(reference__citekey="deng2020tuning").first()
    page = client.get(admin_change_url(study)).content.decode()
    assert "View on site" in page
    response = client.get(f"/admin/r/{response_ct(study)}/{study.pk}/")
    assert response.status_code == 302 and response["Location"].endswith(f"/studies/{study.pk}/")


def response_ct(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


def test_the_study_list_needs_a_fixed_number_of_queries(client, curator, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        response = client.get("/admin/interfaces/study/")
    assert response.status_code == 200 and Measurement.objects.exists()


def test_the_measurement_list_needs_a_fixed_number_of_queries(client, curator, django_assert_num_queries):
    # Each row names its study, whose name lists the interlayers: one prefetch for the page.
    with django_assert_num_queries(9):
        response = client.get("/admin/interfaces/measurement/")
    assert response.status_code == 200
    first = Measurement.objects.select_related("study").order_by("-pk").first()  # newest first
    assert f"({first.study.reference.citekey})" in response.content.decode()
    make_study(interlayers=["ZrO2", "Li3N"], measurements=[{"value": 1.0}, {"value": 2.0}])
    with django_assert_num_queries(9):
        client.get("/admin/interfaces/measurement/")


class _InlineFields(HTMLParser):
    """The form fields of a page's inline rows (their names start with the formset's prefix), with
    what names them for a screen reader: a row has column headers, not a <label> for each field."""

    def __init__(self, prefixes):
        super().__init__()
        self.prefixes, self.fields = prefixes, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name") or ""
        if tag in {"input", "select", "textarea"} and attrs.get("type") != "hidden":
            if name.split("-")[0] in self.prefixes:
                self.fields[name] = attrs.get("aria-label")


def test_every_field_of_every_inline_row_names_itself(client, curator):
    study = make_study(interlayers=["Li3PO4", "ZnO"], measurements=[{"value": 1}, {"value": 2}])
    if not study.reference.authorships.exists():
        Authorship.objects.create(
            reference=study.reference, author=Author.objects.create(family="Ji"), position=1
        )
    for url, prefixes, rows in [
        (
            admin_change_url(study),
            {"layers", "measurements"},
            {"layers-0", "layers-1", "layers-__prefix__", "measurements-0", "measurements-1"},
        ),
        (admin_change_url(study.reference), {"authorships"}, {"authorships-0"}),
    ]:
        page = _InlineFields(prefixes)
        page.feed(client.get(url).content.decode())
        # Each row, the first one included (the admin's widget wrapper once left it unnamed), and
        # the blank row that new ones are copied from.
        assert rows <= {name.rsplit("-", 1)[0] for name in page.fields}
        assert [name for name, label in page.fields.items() if not label or label == "None"] == [], url
        first = sorted(rows)[0]
        assert page.fields[f"{first}-DELETE"] == "Delete"
    assert page.fields["authorships-0-author"] == "Author"
    assert page.fields["authorships-0-position"] == "Position"


def test_a_reached_value_typed_as_at_most_is_refused_with_the_rule(client, curator):
    study = make_study(measurements=[{"value": 1}])
    row = measurement(qualifier="≤", value="8", reported="up to 8 mA cm−2")
    response = client.post(admin_change_url(study), change_post(study, [row]))
    assert response.status_code == 200
    assert "a value the experiment reached is exact, not at most" in response.content.decode()
    assert study.measurements.count() == 1
    row = measurement(qualifier="", value="8", reported="up to 8 mA cm−2")
    assert client.post(admin_change_url(study), change_post(study, [row])).status_code == 302
    assert study.measurements.get(position=2).qualifier == ""


def test_the_qualifier_picker_carries_the_rule(client, curator):
    study = make_study(measurements=[{"value": 1}])
    page = client.get(admin_change_url(study)).content.decode()
    assert "A value the experiment reached (“up to X”, “as high as X”, “reaching X”) is that value" in page
