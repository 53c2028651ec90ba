"""Plain helpers shared by the test modules: factories, sample files, posting and parsing helpers.

Fixtures live in conftest.py; everything here is an ordinary function, class or constant.
"""

import csv
import io
import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client

from interfaces.models import (
    CuratedRecord,
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Quantity,
    Strategy,
    Study,
    StudyInterlayer,
)
from references.models import Author, Authorship, EntryType, Reference

_counter = itertools.count(1)

SAMPLES = Path(__file__).resolve().parent / "samples"
TEST_OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} does not exist: install Debian's chromium"
)
IMPORT_URL = "/admin/references/reference/import-bibtex/"
MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
# A key long and random enough for Django's deployment checks; used by no real site.
PRODUCTION_SECRET_KEY = "kq3-Vb8_Zr1xP0mTn4wLs7Hy2uJc9Df6Ge5Ra!Ok-Qi8Ul3Wt0Ez7Yp"
# The filters of the study list (HTML, exports and API alike), in the form's order.
STUDY_FILTERS = [
    "family",
    "strategy",
    "method",
    "electrolyte",
    "interlayer",
    "interlayer_kind",
    "q",
    "ccd_min",
    "ccd_max",
    "resistance_max",
    "year_min",
    "year_max",
    "reading",
]


# -- factories ----------------------------------------------------------------------------------


def make_reference(*, title=None, doi="", year=2020, authors=(("Doe", "Jane"),), **fields) -> Reference:
    """A reference with a fresh citation key and its authors in order."""
    n = next(_counter)
    reference = Reference.objects.create(
        citekey=fields.pop("citekey", f"test{n}ref"),
        title=title or f"Test paper {n}",
        doi=doi,
        year=year,
        journal=fields.pop("journal", "Journal of Tests"),
        **fields,
    )
    for position, (family, given) in enumerate(authors, start=1):
        author, _ = Author.objects.get_or_create(family=family, given=given)
        Authorship.objects.create(reference=reference, author=author, position=position)
    return reference


def make_study(*, reference=None, electrolyte=None, interlayers=(), measurements=(), **fields) -> Study:
    """A study (by default of a new paper, on a new garnet electrolyte) with its layers and figures."""
    n = next(_counter)
    if electrolyte is None:
        family, _ = ElectrolyteFamily.objects.get_or_create(slug="garnet", defaults={"label": "Garnet oxide"})
        electrolyte = Electrolyte.objects.create(slug=f"test-se-{n}", name=f"SE{n}", family=family)
    study = Study.objects.create(
        key=fields.pop("key", f"test-study-{n}"),
        reference=reference or make_reference(),
        electrolyte=electrolyte,
        strategy=fields.pop("strategy", Strategy.ARTIFICIAL_INTERLAYER),
        summary=fields.pop("summary", "A test study."),
        **fields,
    )
    for position, material in enumerate(interlayers, start=1):
        if isinstance(material, str):
            material, _ = InterlayerMaterial.objects.get_or_create(
                slug=material.lower(), defaults={"name": material, "kind": "oxide"}
            )
        StudyInterlayer.objects.create(study=study, material=material, position=position)
    for position, spec in enumerate(measurements, start=1):
        spec = dict(spec)
        Measurement.objects.create(
            study=study,
            position=position,
            quantity=spec.pop("quantity", Quantity.CCD),
            locator=spec.pop("locator", "test"),
            **spec,
        )
    return study


def empty_the_database():
    """Delete every study, paper and vocabulary entry, so a test can load into an empty atlas."""
    for model in (Measurement, StudyInterlayer, Study, Electrolyte, InterlayerMaterial, ElectrolyteFamily):
        model.objects.all().delete()
    for model in (Authorship, Reference, Author, CuratedRecord):
        model.objects.all().delete()


# Titles with every kind of character a round trip through BibTeX must keep.
ROUND_TRIP_TITLES = [
    "Κ-edge XANES of ΑΒΕΖΗΙΚΜΝΟΡΤΧ and ο, αβγ ΓΔΩ, Жук, 中文, ℏ, Ŀ and ʃ",
    "Li₇La₃Zr₂O₁₂ at 25 °C with Li⁺ and −20 °C: 50% & #1 $x_y$ {b} ~ ^ | < >",
    "Kızılaslan, Østergaard, Ångström, Hű, Müller — “quotes” ‘too’ … √2 ≤ ∞",
]


def round_trip_references() -> list[Reference]:
    """Two references of every entry type, with odd titles, years, journals, authors and pages."""
    references = []
    kinds = list(EntryType)
    years = [-44, 731, 1066, 1999, 2024, None]
    for n, kind in enumerate(kinds * 2):
        references.append(
            make_reference(
                title=f"{ROUND_TRIP_TITLES[n % len(ROUND_TRIP_TITLES)]} ({n})",
                entry_type=kind,
                year=years[n % len(years)],
                journal=f"Ζeitschrift {n}" if n % 3 else "",
                authors=[("Kızılaslan", "Abdulkadir"), ("Ωmega", "Ψ.")] if n % 4 else [],
                month=n % 12 + 1 if n % 2 else None,
                pages="725–732" if n % 2 else "",
            )
        )
    # Types of biblatex and reference managers, remembered beside the nearest kept one.
    source_types = {
        EntryType.BOOK: "collection",
        EntryType.INCOLLECTION: "inreference",
        EntryType.INBOOK: "book_section",
        EntryType.ONLINE: "web_page",
        EntryType.MISC: "dataset",
    }
    for reference in references[len(kinds) :]:
        reference.source_type = source_types.get(reference.entry_type, "")
        reference.save()
    return references


def public_round_trip_references() -> list[Reference]:
    """Every type, with what makes the public export write another one: a missing journal,
    school or publisher (@misc), numbers classic styles warn of, biblatex-only types."""
    references = round_trip_references()
    for n, reference in enumerate(references):
        reference.volume = str(n) if n % 3 == 1 else ""
        reference.number = f"{n}–S" if n % 2 else ""
        reference.publisher = "Ελληνικά Γράμματα & Sons" if n % 5 else ""
        reference.doi = f"10.5555/round.{n}" if n % 4 == 1 else ""
        reference.url = f"https://example.org/{n}?a=1&b=%20" if n % 4 == 2 else ""
        reference.save()
    return references


# -- files --------------------------------------------------------------------------------------


def sample(name: str) -> str:
    """The text of a file of tests/samples/ (a path below it, such as real_exports/x.bib, too)."""
    return (SAMPLES / name).read_text(encoding="utf-8")


def curated_copy(tmp_path: Path, old: str | None = None, new: str = "", count: int = -1) -> Path:
    """A copy of the curated files (fixtures/), its atlas.yaml with `old` replaced by `new`."""
    directory = tmp_path / "fixtures"
    shutil.copytree(settings.CURATED_DATA_DIR, directory)
    if old is not None:
        path = directory / "atlas.yaml"
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, count))
    return directory


def run_load_curated(directory=None, *args: str) -> str:
    """What the load_curated command prints, run on `directory` (by default the curated files)."""
    out = io.StringIO()
    call_command("load_curated", "--dir", directory or settings.CURATED_DATA_DIR, *args, stdout=out)
    return out.getvalue()


def require_binary(name: str) -> str:
    """The path of a program on PATH; the test is skipped without it."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def run_tool(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """A program's run (TeX, bibtex, biber …) in `cwd`, its output read as text, never raising."""
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=120, check=False
    )


# -- posting ------------------------------------------------------------------------------------


def post_bibtex(client, text: str, *, confirm: bool = False, **fields):
    """The admin's Import BibTeX page posted `text`: a preview, or with confirm=True the import."""
    data = {"bibtex_text": text, **fields}
    if confirm:
        data["confirm"] = "yes"
    return client.post(IMPORT_URL, data)


def form_values(form) -> dict:
    """What a bound admin form would post back unchanged (blank for an empty field)."""
    return {name: form[name].value() or "" for name in form.fields}


def admin_form_data(page) -> dict:
    """What an admin change page would post back unchanged: its form and its inlines' saved rows,
    with each inline's management form as the browser sends it."""
    data = form_values(page.context["adminform"].form)
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        forms = [f for f in fs.forms if f.instance.pk]
        data |= {f"{fs.prefix}-TOTAL_FORMS": len(forms), f"{fs.prefix}-INITIAL_FORMS": len(forms)}
        data |= {f"{fs.prefix}-MIN_NUM_FORMS": 0, f"{fs.prefix}-MAX_NUM_FORMS": 1000}
        for index, f in enumerate(forms):
            for name in f.fields:
                value = f[name].value()
                data[f"{fs.prefix}-{index}-{name}"] = "" if value is None else value
    return data


def admin_change_url(obj) -> str:
    """The admin's change page of a study, a paper or any other registered record."""
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


# -- reading answers ----------------------------------------------------------------------------


def every_page(client, params: dict, url: str = "/studies/") -> list:
    """The rows of a list, page after page, in the order they are shown."""
    rows, page = [], 1
    while True:
        response = client.get(url, {**params, "page": page})
        rows += response.context["page_obj"].object_list
        if not response.context["page_obj"].has_next():
            return rows
        page += 1


def exported_keys(client, **params) -> set[str]:
    """Keys of every study the study list's JSON export holds for the filter `params`."""
    response = client.get("/studies/", {**params, "format": "json"})
    assert response.status_code == 200, response.content[:500]
    return {row["key"] for row in response.json()["results"]}


def facet_counts(response) -> dict[str, dict[str, int]]:
    """The study list's sidebar counts: {facet parameter: {value: studies}}."""
    return {facet.param: {v.value: v.count for v in facet.values} for facet in response.context["facets"]}


def csv_rows(response) -> list[dict]:
    """The rows of a (streamed) CSV download, as dicts by column."""
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def bib_keys(response) -> list[str]:
    """The sorted citation keys of a BibTeX download."""
    assert response.status_code == 200
    library = bibtexparser.parse_string(response.content.decode())
    return sorted(entry.key for entry in library.entries)


def ris_ids(text: str) -> list[str]:
    """The sorted ID tags (citation keys) of the records of a RIS file."""
    return sorted(line[6:] for line in text.splitlines() if line.startswith("ID  - "))


def serious_accessibility_violations(page) -> list[str]:
    """What axe-core (vendored from npm) finds of serious or critical impact on the page."""
    # Loaded from the site's own static files: the pages' Content-Security-Policy refuses inline scripts.
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def add_figure(data: dict, **fields) -> dict:
    """An admin study form's data with one new figure row (interfacial resistance from a
    full text's table, unless `fields` say otherwise)."""
    index = data["measurements-TOTAL_FORMS"]
    row = {
        "quantity": "interfacial_resistance",
        "value": "12",
        "locator": "Table 1",
        "source": "full-text",
        "source_url": "https://example.org/deng2020",
        "source_kind": "table",
        "role": "treated",
        **fields,
    }
    return (
        data
        | {f"measurements-{index}-{name}": value for name, value in row.items()}
        | {"measurements-TOTAL_FORMS": index + 1}
    )


def follow(page, target) -> None:
    """Clicks a link or a submit button and waits for the page it leads to, so that what the
    test reads next is the new page and never the one it is leaving."""
    with page.expect_navigation():
        target.click()


def signed_in(name: str, **flags) -> Client:
    """A test client signed in as a new staff member of the Curator group called `name`."""
    user = User.objects.create_user(name, password="pw", is_staff=True, **flags)
    user.groups.add(Group.objects.get(name="Curator"))
    client = Client()
    client.force_login(user)
    return client
