"""Data releases: made by a command, listed on /data/, verifiable, reloadable, never rewritten."""

import hashlib
import json
import re

import pandas as pd
import pytest
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from django.core.management import CommandError, call_command

from interfaces.curation import load_curated, reference_values
from interfaces.exports import study_json
from interfaces.models import Measurement, Study
from references.bibtex import import_bibtex, write_bibtex
from references.models import Reference
from tests.helpers import empty_the_database, make_study

pytestmark = pytest.mark.django_db

BASE = "https://atlas.example.org"


@pytest.fixture
def releases(settings, tmp_path):
    settings.RELEASES_DIR = tmp_path / "releases"
    return settings.RELEASES_DIR


def release(version: str):
    call_command("release", version, base_url=BASE, stdout=open("/dev/null", "w"))


def test_a_release_is_written_listed_and_verifiable(client, releases):
    release("1.0")
    folder = releases / "1.0"
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {
        "interphase-atlas-1.0.json",
        "interphase-atlas-1.0.csv",
        "interphase-atlas-1.0.bib",
        "interphase-atlas-1.0-csl.json",
        "curated/atlas.yaml",
        "curated/references.bib",
        "README.md",
        "CITATION.cff",
        "CHANGELOG.md",
        ".zenodo.json",
        "datapackage.json",
        "SHA256SUMS",
        "manifest.json",
    } == names
    # Every file but the checksums and the manifest is listed in SHA256SUMS, and matches it.
    sums = dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == names - {"SHA256SUMS", "manifest.json"}
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name

    page = client.get("/data/")
    text = page.content.decode()
    assert page.status_code == 200 and "Release 1.0" in text
    for name, digest in sums.items():
        assert digest in text and f'href="/data/1.0/{name}"' in text
    assert "CC BY 4.0" in text and "creativecommons.org/licenses/by/4.0/" in text
    assert "@misc{interphaseatlas1_0" in text and "Interphase Atlas curators" in text
    assert "Kim, J.-H. Interfacial Reaction Between Li Metal and Solid Electrolyte" in text  # the review
    download = client.get("/data/1.0/interphase-atlas-1.0.bib")
    assert b"".join(download.streaming_content) == (folder / "interphase-atlas-1.0.bib").read_bytes()
    assert client.get("/data/1.0/manifest.json").status_code == 404  # only the listed files
    assert client.get("/data/1.0/../1.0/README.md").status_code == 404
    assert client.get("/data/9.9/README.md").status_code == 404

    readme = (folder / "README.md").read_text()
    assert "CC BY 4.0" in readme and "How to cite" in readme and "interphase-atlas-1.0.csv" in readme
    assert "`datapackage.json`" in readme and "`.zenodo.json`" in readme
    cff = (folder / "CITATION.cff").read_text()
    assert "cff-version: 1.2.0" in cff and 'version: "1.0"' in cff and "license: CC-BY-4.0" in cff
    assert 'title: "Interfacial Reaction between Li Metal' in cff


def test_the_same_version_is_refused_and_the_release_unchanged(releases):
    release("1.0")
    before = {p: p.read_bytes() for p in (releases / "1.0").rglob("*") if p.is_file()}
    make_study(key="added-later")
    with pytest.raises(CommandError, match="already exists"):
        release("1.0")
    assert {p: p.read_bytes() for p in (releases / "1.0").rglob("*") if p.is_file()} == before
    with pytest.raises(CommandError, match="not a version"):
        release("../evil")


def _normalised(studies: list[dict]) -> list[dict]:
    """Studies keyed by their key, with database ids replaced by positions (a reload renumbers)."""
    result = []
    for study in sorted(studies, key=lambda s: s["key"]):
        ids = [m["id"] for m in study["measurements"]]
        measurements = [
            m | {"id": index, "control": ids.index(m["control"]) if m["control"] else None}
            for index, m in enumerate(study["measurements"])
        ]
        result.append(study | {"id": None, "url": None, "measurements": measurements})
    return result


def _references() -> dict[str, dict]:
    return {r.citekey: reference_values(r) for r in Reference.objects.with_authors()}


def _public(references: dict[str, dict]) -> dict[str, dict]:
    """What the public BibTeX keeps: all but the curators' notes and the abstract (the curated
    references.bib keeps those)."""
    left_out = {"abstract", "curation_note"}
    return {key: {k: v for k, v in values.items() if k not in left_out} for key, values in references.items()}


def test_the_release_reloads_into_an_empty_database_equal_to_the_source(releases):
    release("1.0")
    folder = releases / "1.0"
    released = json.loads((folder / "interphase-atlas-1.0.json").read_text())
    bib = (folder / "interphase-atlas-1.0.bib").read_text()
    assert released["count"] == Study.objects.count() == len(released["results"])
    assert all(s["url"].startswith(f"{BASE}/studies/") for s in released["results"])

    source = _references()
    empty_the_database()
    report = import_bibtex(bib, keep_keys=True)
    assert report.ok and len(report.saved) == len(source)
    reloaded = _references()
    # An article the atlas holds without its journal is still written as @article, and
    # reloaded as it was.
    assert "@misc" not in bib
    assert any(not values["journal"] and values["entry_type"] == "article" for values in source.values())
    for key, values in _public(source).items():
        assert _public(reloaded)[key] == values, key

    empty_the_database()
    load_curated(folder / "curated")
    reloaded = [study_json(s) for s in Study.objects.for_list().order_by("pk")]
    assert _normalised(reloaded) == _normalised(released["results"])
    assert write_bibtex(Reference.objects.with_authors().order_by("pk")) == bib


def test_the_csv_reads_in_pandas_with_the_right_types_and_is_safe_in_excel(releases):
    make_study(
        key="formula-bait",
        summary='=HYPERLINK("http://evil")',
        measurements=[{"value": 1.5, "condition": "@SUM(A1)", "note": "-2+3", "locator": "+cmd"}],
    )
    release("1.0")
    path = releases / "1.0" / "interphase-atlas-1.0.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the units right
    frame = pd.read_csv(path, encoding="utf-8-sig")
    assert frame["study_id"].dtype.kind == "i" and frame["year"].dtype.kind in "if"
    assert frame["value"].dtype.kind == "f" and frame["measurement_id"].dtype.kind in "if"
    assert len(frame) >= Measurement.objects.count()
    assert frame["study_url"].str.match(rf"^{re.escape(BASE)}/studies/\d+/$").all()
    assert "Ω·cm²" in set(frame["unit"].dropna()) and "mA/cm²" in set(frame["unit"].dropna())
    for column in frame.columns:
        cells = frame[column].dropna().astype(str)
        dangerous = cells[cells.str.match(r"^[=+\-@]") & ~cells.str.match(r"^-?[0-9.]+$")]
        assert dangerous.empty, (column, list(dangerous)[:3])
    bait = frame[frame["measurement_id"].notna() & (frame["condition"] == "'@SUM(A1)")]
    assert len(bait) == 1 and bait.iloc[0]["note"] == "'-2+3" and bait.iloc[0]["locator"] == "'+cmd"
    controls = frame["control_id"].dropna().astype(int)
    assert set(controls) <= set(frame["measurement_id"].dropna().astype(int))


def _bibliography(items: list[dict], keys: list[str]) -> list[str]:
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for key in keys:
        bibliography.register(Citation([CitationItem(key)]))
    return [str(entry) for entry in bibliography.bibliography()]


def test_csl_json_reads_back_in_citeproc(client, releases):
    release("1.0")
    items = json.loads((releases / "1.0" / "interphase-atlas-1.0-csl.json").read_text())
    assert len(items) == Reference.objects.count()
    [deng] = _bibliography(items, ["deng2020tuning"])
    assert "Advanced Materials" in deng and "2020" in deng and "Deng" in deng
    response = client.get("/studies/?family=garnet&format=csl")
    assert response.status_code == 200 and "csl+json" in response["Content-Type"]
    exported = json.loads(response.content)
    assert {i["id"] for i in exported} == set(
        Reference.objects.filter(studies__electrolyte__family__slug="garnet").values_list(
            "citekey", flat=True
        )
    )
    deng = next(i for i in exported if i["id"] == "deng2020tuning")
    assert deng["DOI"] == "10.1002/adma.202000030" and deng["type"] == "article-journal"
    assert deng["issued"]["date-parts"][0][0] == 2020
    assert len(_bibliography(exported, [i["id"] for i in exported])) == len(exported)


def test_the_changelog_counts_and_lists_what_changed(releases):
    release("1.0")
    study = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    study.summary += " Corrected."
    study.save()
    make_study(key="brand-new-study")
    release("1.1")
    changes = (releases / "1.1" / "CHANGELOG.md").read_text()
    assert "Compared with release 1.0" in changes
    assert "## Studies (with their figures): 1 added, 1 corrected, 0 removed" in changes
    assert "- added: brand-new-study" in changes and "- corrected: deng2020tuning-li3po4-llzto" in changes
    first = (releases / "1.0" / "CHANGELOG.md").read_text()
    assert "this is the first release" in first and f"{Study.objects.count() - 1} added" in first


def test_the_changelog_lists_the_studies_read_on_pages_kept_in_code_repositories(releases, settings):
    from_repositories = sorted(
        Study.objects.filter(measurements__source_url__contains="github.com/")
        .distinct()
        .values_list("key", flat=True)
    )
    assert len(from_repositories) >= 10
    Study.objects.filter(key__in=from_repositories).delete()
    release("1.0")
    load_curated(settings.CURATED_DATA_DIR, take_files=True)  # the curated files bring them back
    release("1.1")
    changes = (releases / "1.1" / "CHANGELOG.md").read_text()
    assert f"{len(from_repositories)} added" in changes
    for key in from_repositories:
        assert key in changes


def test_every_page_footer_shows_the_data_version(client, releases):
    for url in ("/", "/studies/", "/about/", "/api/"):
        assert "Data: unreleased" in client.get(url).content.decode()
    release("2.0")
    text = client.get("/studies/").content.decode()
    assert re.search(r"release 2\.0</a> of \d{4}-\d{2}-\d{2}", text)
    assert "Data: unreleased" not in text


def test_the_about_page_says_how_the_atlas_is_made(client):
    home = client.get("/").content.decode()
    assert 'href="/about/"' in home and "Interfacial Reaction between Li Metal" in home
    text = client.get("/about/").content.decode()
    for phrase in (
        "What it holds, and what it does not",
        "review",
        "abstract",
        "full text",
        "—",
        "Not yet curated",
        "Report a problem with this study",
        "Corrections",
        "Units",
        "Controls",
    ):
        assert phrase in text, phrase
    assert "Corrosion Science and Technology" in text
    # The review's DOI is not in the text the atlas was built from: the page says so, invents none.
    assert "DOI is not printed" in text
