"""A release describes itself: a Frictionless data package, Zenodo's metadata, schema.org JSON-LD."""

import csv
import hashlib
import json
import re
from urllib.parse import urlparse

import pytest
from django.core.management import CommandError, call_command
from frictionless import validate

from interfaces.exports.as_csv import CSV_HEADER
from interfaces.release_metadata import json_ld
from references.models import Reference

pytestmark = pytest.mark.django_db

BASE = "https://atlas.example.org"
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


@pytest.fixture
def releases(settings, tmp_path):
    settings.RELEASES_DIR = tmp_path / "releases"
    settings.SITE_URL = BASE
    return settings.RELEASES_DIR


def release(version: str, *args, **options):
    call_command("release", version, *args, base_url=BASE, stdout=open("/dev/null", "w"), **options)


def record(version: str, doi: str):
    call_command("release", record_doi=[version, doi], stdout=open("/dev/null", "w"))


def test_the_data_package_validates_and_its_schema_is_the_csv_header(releases):
    release("1.0")
    folder = releases / "1.0"
    report = validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])

    package = json.loads((folder / "datapackage.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = {f["name"]: f for f in manifest["files"]}
    # Every file of the release but the package itself is a resource, with its true size and checksum.
    assert {r["path"] for r in package["resources"]} == set(listed) - {"datapackage.json"}
    for resource in package["resources"]:
        assert resource["bytes"] == listed[resource["path"]]["size"]
        assert resource["hash"] == "sha256:" + listed[resource["path"]]["sha256"]
        assert resource["mediatype"] and resource["format"] and resource["encoding"]
    [table] = [r for r in package["resources"] if r["path"].endswith(".csv")]
    with (folder / table["path"]).open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    assert [field["name"] for field in table["schema"]["fields"]] == header == CSV_HEADER
    fields = {field["name"]: field for field in table["schema"]["fields"]}
    assert all(field["description"] for field in fields.values())
    assert fields["study_id"]["type"] == "integer" and fields["value"]["type"] == "number"
    assert fields["temperature_c"]["unit"] == "°C" and fields["current_density_ma_cm2"]["unit"] == "mA/cm²"
    assert "unit" not in fields["value"] and "`unit` column" in fields["value"]["description"]
    assert fields["checked_at"]["type"] == "datetime" and fields["note"]["type"] == "string"

    assert package["version"] == "1.0" and package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["licenses"][0]["path"] == "https://creativecommons.org/licenses/by/4.0/"
    assert package["contributors"][0]["title"] == "Interphase Atlas curators"
    assert package["homepage"] == f"{BASE}/" and package["created"].startswith(manifest["date"])
    assert "Interfacial Reaction between Li Metal" in package["sources"][0]["title"]
    # The package is listed and checksummed with the other files, and served.
    assert "datapackage.json" in (folder / "SHA256SUMS").read_text()


# Zenodo's deposition metadata: the fields its REST API requires, and the vocabularies used.
ZENODO_REQUIRED = {"upload_type", "publication_date", "title", "creators", "description", "access_right"}


def test_zenodo_metadata_has_every_field_zenodo_requires(releases):
    release("1.0")
    zenodo = json.loads((releases / "1.0" / ".zenodo.json").read_text())
    assert ZENODO_REQUIRED <= set(zenodo)
    assert zenodo["upload_type"] == "dataset" and zenodo["access_right"] == "open"
    assert zenodo["license"] == "cc-by-4.0"  # required when access is open
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", zenodo["publication_date"])
    assert zenodo["version"] == "1.0" and zenodo["keywords"]
    assert all(creator["name"] for creator in zenodo["creators"]) and zenodo["description"].strip()
    relations = {"isSupplementTo", "isDerivedFrom", "cites", "isDocumentedBy"}
    for related in zenodo["related_identifiers"]:
        assert related["identifier"] and related["relation"] in relations
    assert {"identifier": f"{BASE}/", "relation": "isSupplementTo", "resource_type": "other"} in zenodo[
        "related_identifiers"
    ]


def test_zenodo_relates_the_release_to_the_founding_reviews_doi(releases):
    Reference.objects.filter(citekey="kim2023interfacial").update(doi="10.5229/jkes.2023.26.1.1")
    release("1.0")
    zenodo = json.loads((releases / "1.0" / ".zenodo.json").read_text())
    assert {
        "identifier": "10.5229/jkes.2023.26.1.1",
        "relation": "isDerivedFrom",
        "resource_type": "publication-article",
    } in zenodo["related_identifiers"]


def _json_ld(html: str) -> list[dict]:
    return [json.loads(block) for block in JSON_LD.findall(html)]


def test_the_data_page_and_the_home_page_describe_the_releases_as_datasets(client, releases):
    assert _json_ld(client.get("/data/").content.decode()) == []
    release("1.0")
    release("1.1")
    [graph] = _json_ld(client.get("/data/").content.decode())
    datasets = graph["@graph"]
    assert [d["version"] for d in datasets] == ["1.1", "1.0"]
    [home] = _json_ld(client.get("/").content.decode())
    assert home["@type"] == "Dataset" and home["version"] == "1.1"
    for dataset in (*datasets, home):
        assert dataset["name"].startswith("Interphase Atlas") and dataset["description"]
        assert dataset["license"] == "https://creativecommons.org/licenses/by/4.0/"
        assert dataset["isAccessibleForFree"] is True and dataset["keywords"]
        assert dataset["creator"]["name"] == "Interphase Atlas curators"
        assert "Interfacial Reaction between Li Metal" in dataset["citation"]["name"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", dataset["datePublished"])
        assert "identifier" not in dataset  # no DOI recorded yet
        names = {d["name"] for d in dataset["distribution"]}
        assert {f"interphase-atlas-{dataset['version']}.csv", "datapackage.json"} <= names
        for download in dataset["distribution"]:
            url = urlparse(download["contentUrl"])
            assert f"{url.scheme}://{url.netloc}" == BASE and download["encodingFormat"]
            assert re.fullmatch(r"[0-9a-f]{64}", download["sha256"])
            assert download["sha256"] in download["description"]
            response = client.get(url.path)
            assert response.status_code == 200, url.path
            body = b"".join(response.streaming_content)
            assert hashlib.sha256(body).hexdigest() == download["sha256"]


def test_json_ld_cannot_be_broken_out_of():
    html = str(json_ld({"name": "</script><script>alert(1)</script> & <!--"}))
    assert html.count("</script>") == 1 and "<!--" not in html
    [data] = _json_ld(html)
    assert data["name"] == "</script><script>alert(1)</script> & <!--"


def test_a_minted_doi_is_recorded_once_and_shown(client, releases):
    release("1.0")
    folder = releases / "1.0"
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    record("1.0", "https://doi.org/10.5281/ZENODO.1234567")
    assert (folder / "DOI").read_text().strip() == "10.5281/zenodo.1234567"
    # The release's files stay as they were checksummed.
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != "DOI"} == before
    record("1.0", "10.5281/zenodo.1234567")  # the same DOI again: nothing changes

    text = client.get("/data/").content.decode()
    assert 'href="https://doi.org/10.5281/zenodo.1234567"' in text
    assert "doi          = {10.5281/zenodo.1234567}" in text
    [graph] = _json_ld(text)
    assert graph["@graph"][0]["identifier"] == "https://doi.org/10.5281/zenodo.1234567"
    [home] = _json_ld(client.get("/").content.decode())
    assert home["identifier"] == "https://doi.org/10.5281/zenodo.1234567"


def test_a_doi_is_refused_when_bad_unknown_or_already_recorded(releases):
    release("1.0")
    folder = releases / "1.0"
    with pytest.raises(CommandError, match="not a DOI"):
        record("1.0", "zenodo 1234567")
    with pytest.raises(CommandError, match="no release 9.9"):
        record("9.9", "10.5281/zenodo.1")
    assert not (folder / "DOI").exists()
    record("1.0", "10.5281/zenodo.1")
    with pytest.raises(CommandError, match="already has the DOI 10.5281/zenodo.1"):
        record("1.0", "10.5281/zenodo.2")
    assert (folder / "DOI").read_text().strip() == "10.5281/zenodo.1"
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == [".zenodo.json"]


def test_a_doi_reserved_before_the_release_is_written_into_its_files(releases):
    with pytest.raises(CommandError, match="not a DOI"):
        release("1.0", doi="nonsense")
    assert not (releases / "1.0").exists()
    release("1.0", doi="10.5281/zenodo.42")
    folder = releases / "1.0"
    assert 'doi: "10.5281/zenodo.42"' in (folder / "CITATION.cff").read_text()
    assert json.loads((folder / ".zenodo.json").read_text())["doi"] == "10.5281/zenodo.42"
    assert json.loads((folder / "datapackage.json").read_text())["id"] == "https://doi.org/10.5281/zenodo.42"
    assert (folder / "DOI").read_text().strip() == "10.5281/zenodo.42"
