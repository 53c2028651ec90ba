"""The same URL as data: JSON, CSV, BibTeX and RIS hold exactly the filtered rows, all pages of them."""

import json
import re

import bibtexparser
import pytest
from django.utils import timezone

from interfaces.filters import StudyFilter
from interfaces.models import Study
from tests.helpers import bib_keys, csv_rows, every_page, make_reference, make_study, ris_ids

pytestmark = pytest.mark.django_db

URL = "/studies/"
TODAY = timezone.localdate().isoformat()


def download_name(response) -> str:
    """The file name a download is saved under, checked to be named for the studies and today."""
    pattern = r'attachment; filename="(interphase-atlas-studies[a-z0-9-]*-(\d{4}-\d\d-\d\d))\.\w+"'
    match = re.fullmatch(pattern, response["Content-Disposition"])
    assert match and match[2] == TODAY, response["Content-Disposition"]
    return match[1]


FILTERS = [
    {},
    {"family": "garnet"},
    {"family": "garnet", "strategy": "artificial-interlayer", "ccd_min": "2"},
    {"interlayer": ["si", "au"], "sort": "-year"},
    {"q": "LLZO", "year_max": "2017"},
    {"family": "nasicon", "strategy": "anode-design"},
]


def shown(client, params) -> list[int]:
    """Ids of the filtered studies as the HTML pages list them, over every page."""
    return [study.pk for study in every_page(client, params, URL)]


@pytest.mark.parametrize("params", FILTERS)
def test_json_holds_the_filtered_rows_in_the_same_order(client, params):
    response = client.get(URL, {**params, "format": "json"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert [row["id"] for row in data["results"]] == shown(client, params)
    assert data["count"] == len(data["results"])


def test_json_is_the_whole_result_not_one_page(client):
    data = client.get(URL, {"format": "json", "page": 2}).json()
    assert data["count"] == Study.objects.count() > 25


def test_json_shape_of_the_deng_study(client):
    params = {
        "family": "garnet",
        "strategy": "artificial-interlayer",
        "ccd_min": "2",
        "q": "Li3PO4",
        "format": "json",
    }
    data = client.get(URL, params).json()
    assert data["count"] == 1
    row = data["results"][0]
    study = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    assert row["id"] == study.pk and row["url"] == f"/studies/{study.pk}/"
    assert row["strategy"] == {"slug": "artificial-interlayer", "label": "Artificial interlayer"}
    assert row["electrolyte"]["slug"] == "llzto" and row["electrolyte"]["name"] == "LLZTO"
    assert row["electrolyte"]["family"] == {"slug": "garnet", "label": "Garnet oxide"}
    assert row["interlayers"] == [{"slug": "li3po4", "name": "Li3PO4", "kind": "phosphate"}]
    assert row["method"] == {"slug": "ald", "label": "Atomic layer deposition"}
    assert row["anode"] == "Li"
    ccd = row["measurements"][0]
    assert ccd["quantity"] == "ccd" and ccd["value"] == 2.2 and ccd["value_max"] is None
    assert ccd["unit"] == "mA/cm²" and ccd["temperature_c"] is None and ccd["locator"] == "review §2.3.1"
    assert ccd["reported"] == "2.2 mA/cm²" and ccd["source_kind"] == "text"
    assert row["measurements"][1]["qualifier"] == "~"
    assert row["measurements"][1]["locator"] == "review Fig. 1a caption"
    reference = row["reference"]
    assert reference["citekey"] == "deng2020tuning"
    assert reference["doi"] == "10.1002/adma.202000030"
    assert reference["doi_url"] == "https://doi.org/10.1002/adma.202000030"
    assert reference["authors"][:2] == ["T. Deng", "X. Ji"] and reference["year"] == 2020
    assert len(reference["authors"]) == study.reference.authorships.count() == 15  # every author
    assert reference["journal"] == "Advanced Materials"


def test_json_method_may_be_null_and_interlayers_empty(client):
    data = client.get(URL, {"electrolyte": "lgps-o", "format": "json"}).json()
    assert data["results"][0]["method"] is None and data["results"][0]["interlayers"] == []


@pytest.mark.parametrize("params", FILTERS)
def test_csv_has_one_row_per_measurement_of_the_filtered_studies(client, params):
    response = client.get(URL, {**params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].endswith('.csv"') and download_name(response)
    assert response.streaming
    rows = csv_rows(response)
    ids = shown(client, params)
    assert list(dict.fromkeys(int(row["study_id"]) for row in rows)) == ids
    expected_rows = sum(max(1, Study.objects.get(pk=pk).measurements.count()) for pk in ids)
    assert len(rows) == expected_rows


def test_csv_repeats_the_study_columns_on_each_measurement(client):
    doux = Study.objects.get(key="doux2020stack-pressure-li6ps5cl")
    rows = csv_rows(client.get(URL, {"id": doux.pk, "format": "csv"}))
    assert len(rows) == doux.measurements.count() == 7  # four stack pressures, a cycling time twice, cycles
    assert {row["citekey"] for row in rows} == {"doux2020stack"}
    assert {row["electrolyte"] for row in rows} == {"Li6PS5Cl"}
    assert [row["quantity"] for row in rows].count("stack_pressure") == 4
    assert {row["unit"] for row in rows if row["quantity"] == "stack_pressure"} == {"MPa"}
    cycling = next(row for row in rows if row["quantity"] == "cycling_time")
    assert cycling["value"] == "1000.0" and cycling["stack_pressure_mpa"] == "5.0" and cycling["unit"] == "h"
    assert cycling["source"] == "review" and cycling["source_url"] == ""
    abstract = next(row for row in rows if row["quantity"] == "cycling_time" and row["source"] == "abstract")
    assert abstract["source_url"] == "https://arxiv.org/abs/1910.02118" and abstract["qualifier"] == ">"


def test_csv_keeps_a_study_without_measurements(client):
    bare = make_study()
    rows = csv_rows(client.get(URL, {"id": bare.pk, "format": "csv"}))
    assert len(rows) == 1 and rows[0]["quantity"] == "" and rows[0]["study_id"] == str(bare.pk)


def test_csv_range_and_first_author(client):
    rows = csv_rows(client.get(URL, {"electrolyte": "al-llzo", "format": "csv"}))
    assert rows[0]["value"] == "20.0" and rows[0]["value_max"] == "40.0" and rows[0]["unit"] == "µm"
    assert rows[0]["first_author"] == "Cheng et al."
    assert rows[0]["reported"] == "20–40 μm" and "grain size" in rows[0]["note"]


@pytest.mark.parametrize("params", FILTERS)
def test_bibtex_holds_the_distinct_references_of_the_filtered_studies(client, params):
    response = client.get(URL, {**params, "format": "bib"})
    assert response["Content-Disposition"].endswith('.bib"') and download_name(response)
    ids = shown(client, params)
    expected = sorted(set(Study.objects.filter(pk__in=ids).values_list("reference__citekey", flat=True)))
    assert bib_keys(response) == expected


def test_bibtex_lists_a_paper_with_two_studies_once(client):
    reference = make_reference(citekey="twice2024paper", title="Two studies of one paper")
    first = make_study(reference=reference, key="twice-a")
    second = make_study(reference=reference, key="twice-b")
    assert bib_keys(client.get(URL, {"id": [first.pk, second.pk], "format": "bib"})) == ["twice2024paper"]


def test_ris_holds_the_same_references(client):
    response = client.get(URL, {"family": "garnet", "format": "ris"})
    assert response.status_code == 200
    name = f"interphase-atlas-studies-garnet-{TODAY}.ris"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    bib = client.get(URL, {"family": "garnet", "format": "bib"})
    assert ris_ids(response.content.decode()) == bib_keys(bib)


def test_selected_rows_export_only_those(client):
    chosen = list(Study.objects.filter(key__in=["deng2020tuning-li3po4-llzto", "luo2016transition-si-llzo"]))
    params = {"id": [s.pk for s in chosen], "format": "bib", "selection": "1"}
    assert bib_keys(client.get(URL, params)) == ["deng2020tuning", "luo2016transition"]
    data = client.get(URL, {**params, "format": "json"}).json()
    assert sorted(row["id"] for row in data["results"]) == sorted(s.pk for s in chosen)


def test_a_selection_with_no_ticked_row_says_so_instead_of_exporting_everything(client):
    response = client.get(URL, {"selection": "1", "format": "bib"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Tick at least one row to export a selection." in response.content.decode()


def test_the_page_links_to_each_export_with_the_filter_kept(client):
    html = client.get(URL, {"family": "garnet", "sort": "-ccd", "page": 1}).content.decode()
    for fmt, kind in [
        ("json", "application/json"),
        ("csv", "text/csv"),
        ("bib", "application/x-bibtex"),
        ("ris", "application/x-research-info-systems"),
    ]:
        href = f"?family=garnet&amp;sort=-ccd&amp;format={fmt}"
        assert f'<link rel="alternate" type="{kind}"' in html
        assert f'href="{href}"' in html, fmt
    assert 'name="id"' in html and 'form="selection"' in html
    assert '<button type="submit" name="format" value="bib"' in html


# -- query counts: the same for one row and for all rows ------------------------------


# JSON and CSV: the ids in order, then per batch of 500 studies their rows, layers, authors
# and figures. BibTeX and RIS: references and their authors, per batch of 500.
@pytest.mark.parametrize("fmt, queries", [("json", 5), ("csv", 5), ("bib", 2), ("ris", 2)])
@pytest.mark.parametrize("one_row", [True, False])
def test_export_query_counts(client, django_assert_num_queries, fmt, queries, one_row):
    params = {"format": fmt}
    if one_row:
        params["id"] = Study.objects.get(key="deng2020tuning-li3po4-llzto").pk
    with django_assert_num_queries(queries):
        response = client.get(URL, params)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body


def test_json_is_shown_inline_with_a_file_name_for_saving(client):
    response = client.get(URL, {"format": "json"})
    assert response["Content-Disposition"] == f'inline; filename="interphase-atlas-studies-{TODAY}.json"'
    response = client.get("/references/", {"format": "json"})
    assert response["Content-Disposition"] == f'inline; filename="interphase-atlas-references-{TODAY}.json"'


@pytest.mark.parametrize(
    "params, name",
    [
        ({"family": "garnet"}, "interphase-atlas-studies-garnet"),
        ({"family": ["garnet", "lgps"], "sort": "-ccd", "page": "2"}, "interphase-atlas-studies-garnet-lgps"),
        ({"q": "Li3PO4 on LLZO", "ccd_min": "0.5"}, "interphase-atlas-studies-ccd-min-0-5-q-li3po4-on-llzo"),
        ({"id": ["3", "5"], "selection": "1"}, "interphase-atlas-studies-selection"),
        ({"q": '<script>"x";</script>'}, "interphase-atlas-studies-q-scriptxscript"),
    ],
)
def test_a_download_is_named_by_its_filter_and_day(client, params, name):
    response = client.get(URL, {**params, "format": "csv"})
    assert response["Content-Disposition"] == f'attachment; filename="{name}-{TODAY}.csv"'


def test_the_csv_links_absolutely_labels_its_slugs_and_offers_a_byte_order_mark(client):
    deng = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    [first, *_] = csv_rows(client.get(URL, {"id": deng.pk, "format": "csv"}))
    assert first["study_url"] == f"http://testserver/studies/{deng.pk}/"
    assert (first["strategy"], first["strategy_label"]) == ("artificial-interlayer", "Artificial interlayer")
    assert (first["family"], first["family_label"]) == ("garnet", "Garnet oxide")
    assert (first["method"], first["method_label"]) == ("ald", "Atomic layer deposition")
    assert (first["quantity"], first["quantity_label"]) == ("ccd", "Critical current density")
    plain = client.get(URL, {"id": deng.pk, "format": "csv"}).content
    marked = client.get(URL, {"id": deng.pk, "format": "csv", "bom": "1"}).content
    assert marked == "\ufeff".encode() + plain and not plain.startswith("\ufeff".encode())
    assert "mA/cm²" in marked.decode("utf-8-sig")


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_a_spreadsheet_would_run_are_neutralised(client, payload):
    study = make_study(
        summary="x",
        measurements=[{"value": 1.5, "condition": payload, "note": payload, "reported": "-1.5"}],
    )
    rows = csv_rows(client.get(URL, {"id": study.pk, "format": "csv"}))
    assert rows[0]["condition"] == "'" + payload and rows[0]["note"] == "'" + payload
    assert rows[0]["reported"] == "-1.5"  # a number stays a number


def test_csv_numbers_read_back_as_numbers_with_pandas_like_parsing(client):
    study = make_study(measurements=[{"value": 0.5, "value_max": 2.0, "temperature_c": -20.0}])
    [row] = csv_rows(client.get(URL, {"id": study.pk, "format": "csv"}))
    assert float(row["value"]) == 0.5 and float(row["value_max"]) == 2.0
    assert float(row["temperature_c"]) == -20.0


def test_the_streamed_json_is_the_whole_document_in_the_spec_shape(client):
    from interfaces.exports import study_json

    response = client.get(URL, {"format": "json", "sort": "year"})
    assert response.streaming and response["Content-Type"] == "application/json"
    streamed = json.loads(b"".join(response.streaming_content))
    studies = StudyFilter({"sort": "year"}, queryset=Study.objects.for_list()).qs
    assert streamed == {"count": studies.count(), "results": [study_json(study) for study in studies]}


@pytest.mark.parametrize("fmt", ["bib", "ris", "csl"])
def test_bibliographies_stream_and_hold_what_one_write_gives(client, fmt):
    from references.exports import BIBLIOGRAPHY_FORMATS, bibliography_chunks
    from references.models import Reference

    response = client.get(URL, {"format": fmt})
    assert response.streaming
    references = Reference.objects.filter(studies__isnull=False).distinct().with_authors()
    whole = BIBLIOGRAPHY_FORMATS[fmt][0](references)
    assert response.content.decode() == whole  # the curated atlas fits in one batch
    # In batches of 7, a BibTeX file may align its values per batch; the entries are the same.
    pieces = "".join(bibliography_chunks(references, fmt, size=7))
    if fmt != "bib":
        assert pieces == whole
    else:
        entries = bibtexparser.parse_string(pieces).entries
        expected = bibtexparser.parse_string(whole).entries
        assert [(e.key, e.entry_type, e.fields_dict.keys()) for e in entries] == [
            (e.key, e.entry_type, e.fields_dict.keys()) for e in expected
        ]
        values = [[f.value for f in e.fields] for e in entries]
        assert values == [[f.value for f in e.fields] for e in expected]
        assert len(entries) == references.count() > 50


def test_an_export_read_in_many_batches_is_the_same_document(client, monkeypatch):
    from interfaces.exports import documents

    whole = client.get(URL, {"format": "json", "sort": "-ccd"}).json()
    csv_whole = client.get(URL, {"format": "csv", "sort": "-ccd"}).content
    monkeypatch.setattr(documents, "BATCH_SIZE", 7)
    assert client.get(URL, {"format": "json", "sort": "-ccd"}).json() == whole
    assert client.get(URL, {"format": "csv", "sort": "-ccd"}).content == csv_whole
    studies = StudyFilter({"sort": "-ccd"}, queryset=Study.objects.for_list()).qs
    assert [row["id"] for row in whole["results"]] == [study.pk for study in studies]
    assert whole["count"] == len(studies) > 50


@pytest.mark.parametrize("fmt", ["bib", "ris", "csl"])
def test_references_read_as_values_write_what_model_instances_write(fmt):
    """A download reads references as plain values; every field a writer uses must come
    through as it does from a Reference with its authors prefetched."""
    from references.exports import BIBLIOGRAPHY_FORMATS, bibliography_chunks
    from references.models import Reference

    full = make_reference(
        title="Li₆PS₅Cl–Li interphase: “in situ” XPS of Li3PO4 -- and {braces}",
        doi="10.1000/xyz.1",
        year=2021,
        month=3,
        authors=(("van der Ven", "Anton"), ("Kızılaslan", "Abdulkadir"), ("Consortium, The", "")),
        journal="Chem. Mater.",
        publisher="ACS",
        volume="33",
        number="4",
        pages="1210–1219",
        url="https://example.org/paper",
        abstract="A CCD of 1.2 mA cm⁻² at 25 °C; 5 Ω cm².",
        curation_note="Pages as printed.",
        source_type="book_section",
        entry_type="incollection",
    )
    bare = make_reference(title="Untitled note", year=None, authors=())
    references = Reference.objects.filter(pk__in=[full.pk, bare.pk]).order_by("pk").with_authors()
    streamed = "".join(bibliography_chunks(references, fmt))
    assert streamed == BIBLIOGRAPHY_FORMATS[fmt][0](list(references))
    expected = {
        "bib": ["= mar,", "{1210--1219}", "= {book_section}", "{van der Ven, Anton and K{\\i}z{\\i}laslan"],
        "ris": ["DA  - 2021/03//", "SP  - 1210", "EP  - 1219", "AU  - Kızılaslan, Abdulkadir"],
        "csl": ['"issue": "4"', '"family": "van der Ven"', '"literal": "Consortium, The"', "Untitled note"],
    }[fmt]
    assert all(text in streamed for text in expected), streamed


def test_any_of_reads_the_rows_of_the_ids_given_and_none_for_no_ids(django_assert_num_queries):
    from django.db.models import F

    from atlas.lookups import AnyOf
    from interfaces.models import Measurement

    studies = [make_study(measurements=[{"value": 1.0}, {"value": 2.0}]) for _ in range(3)]

    chosen = [studies[0].pk, studies[2].pk]
    found = Measurement.objects.filter(AnyOf(F("study_id"), chosen)).values_list("study_id", flat=True)
    assert sorted(found) == sorted(chosen * 2)
    with django_assert_num_queries(0):
        assert list(Measurement.objects.filter(AnyOf(F("study_id"), []))) == []
