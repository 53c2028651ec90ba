"""A figure's fields are declared once (interfaces/fields.py): every reader and writer agrees with it."""

import csv
import io

import pytest
import yaml

from api.serializers import MeasurementSerializer
from interfaces.admin import MEASUREMENT_FORM_FIELDS
from interfaces.curation import curated_data
from interfaces.curation.records import MEASUREMENT_COLUMNS, NUMBERS
from interfaces.exports import CSV_HEADER, measurement_json
from interfaces.exports.documents import FIGURE_COLUMNS, figure_document
from interfaces.fields import CSV_FIELDS, FIGURE_FIELDS, FILE_FIELDS, JSON_FIELDS, NUMBER
from interfaces.models import READING_FIELDS, Measurement

pytestmark = pytest.mark.django_db


def test_every_stored_field_is_a_field_of_the_model():
    model_fields = {field.attname for field in Measurement._meta.concrete_fields} | {"pk"}
    for field in FIGURE_FIELDS:
        assert field.column is None or field.column in model_fields, field.name


def test_the_json_of_a_figure_has_the_declared_fields_in_order(client):
    document = client.get("/studies/", {"format": "json"}).json()
    figures = [m for study in document["results"] for m in study["measurements"]]
    assert figures
    assert {tuple(figure) for figure in figures} == {tuple(field.name for field in JSON_FIELDS)}


def test_the_csv_header_ends_with_the_declared_figure_columns(client):
    response = client.get("/studies/", {"format": "csv"})
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header == CSV_HEADER
    assert header[-len(CSV_FIELDS) :] == [field.csv for field in CSV_FIELDS]
    assert header[header.index("measurement_id") :][:3] == ["measurement_id", "quantity", "quantity_label"]


def test_a_figure_read_from_its_row_is_the_figure_read_from_its_instance():
    figures = Measurement.objects.select_related("control").order_by("pk")
    rows = {row[FIGURE_COLUMNS.index("pk")]: row for row in figures.values_list(*FIGURE_COLUMNS)}
    assert len(rows) > 50
    for figure in figures:
        from_row = figure_document(rows[figure.pk])
        assert from_row == measurement_json(figure)
        assert list(from_row) == list(measurement_json(figure))


def test_the_api_describes_exactly_the_declared_fields(client):
    assert list(MeasurementSerializer().fields) == [field.name for field in JSON_FIELDS]
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]
    figure = schema["Measurement"]
    assert list(figure["properties"]) == [field.name for field in JSON_FIELDS]
    assert figure["properties"]["value"]["description"] == "In the quantity's canonical unit."


def test_the_curated_files_name_the_declared_fields(tmp_path):
    names = [field.file for field in FILE_FIELDS]
    assert set(MEASUREMENT_COLUMNS) == set(names)
    assert NUMBERS == {field.file for field in FILE_FIELDS if field.kind == NUMBER}
    written = [m for study in curated_data()["studies"] for m in study.get("measurements", [])]
    assert written
    for figure in written:
        assert list(figure) == [name for name in names if name in figure]
    # The fixtures hold every figure field somewhere, in the declared order.
    fixtures = yaml.safe_load(open("fixtures/atlas.yaml", encoding="utf-8"))
    used = {name for study in fixtures["studies"] for m in study.get("measurements", []) for name in m}
    assert used <= set(names)


def test_the_admin_figure_row_shows_what_a_curator_enters_and_the_unit():
    # Who entered and checked a figure is recorded, never typed: the row shows it, read-only.
    entered = [
        "control_position" if f.name == "control" else f.column
        for f in FILE_FIELDS
        if f.name not in READING_FIELDS
    ]
    assert [name for name in MEASUREMENT_FORM_FIELDS if name not in {"number", "unit", "reading"}] == entered
    assert MEASUREMENT_FORM_FIELDS[-1] == "reading"
    assert MEASUREMENT_FORM_FIELDS.index("unit") == MEASUREMENT_FORM_FIELDS.index("value_max") + 1


def test_every_csv_column_and_figure_field_is_in_the_data_dictionary():
    dictionary = open("docs/data-dictionary.md", encoding="utf-8").read()
    missing = [name for name in CSV_HEADER if f"`{name}`" not in dictionary]
    missing += [field.name for field in JSON_FIELDS if f"`{field.name}`" not in dictionary]
    assert not missing
