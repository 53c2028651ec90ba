"""The BibTeX export of the whole bibliography, run through the real tools: bibtex, pdflatex, biber,
pybtex (strict) and bibtexparser. Any warning fails, but bibtex's "empty journal in …" for a
field the atlas does not yet hold: the type follows what the source is."""

import re
from pathlib import Path

import pybtex.database
import pybtex.errors
import pytest

from references.bibtex import decode_latex, parse_bibtex, write_bibtex
from references.bibtex.writer import lacking
from references.models import EntryType, Reference
from tests.helpers import make_reference, public_round_trip_references, require_binary, run_tool

pytestmark = [pytest.mark.tex, pytest.mark.django_db]
# Accented Latin, Greek, symbols, scripts and dashes as they arrive from publishers' sites.
WIDE_CHARACTERS = (
    "áàâäãåāăąçćčďéèêëēėęěğíìîïīıįľłńňñóòôöõøőřśšşťúùûüůűýÿžźżßæœÁÀÂÄÅÇČÉÈÊËÍÎÏŁÑÓÔÖØŒŠÚÛÜÝŽÆ "
    "αβγδεζηθικλμνξπρσςτυφχψωΓΔΘΛΞΠΣΦΨΩ –—…·°µ±×÷≈≤≥→←↔∞√∂∇∑∫‰€£¥©®™§¶†‡•‘’“”«» "
    "₀₁₂₃₄₅₆₇₈₉ ⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ −"
)


def _awkward_references() -> list[Reference]:
    """What curators type that a naive writer gets wrong."""
    return [
        make_reference(
            title="Li–Metal anodes & Li₂S: 50% of Li⁺ at 25 °C and −20 °C, #1 $cheap_cells$ {braces} ~ ^ <b>",
            authors=[("Kızılaslan", "Abdulkadir"), ("Wachsman", "Eric D."), ("Novák", "Petr")],
            doi="10.1002/(SICI)1521-4095(199807)10:10<725::AID-ADMA999>3.0.CO;2-Z",
            pages="725–732",
            month=3,
            volume="410-411",
            number="7",
        ),
        make_reference(
            title=r"\input{/etc/passwd} \write18{rm -rf ~} \catcode`\@=11 ^^5cinput",
            authors=[("van der Ven", "Anton"), ("Smith, Jr", "John")],
            journal=r"\def\x{oops} Journal",
        ),
        make_reference(
            title="LLZO, LiPON and β-Li3PS4 in Li–In | Li6PS5Cl | NCM811 cells: Ångström-scale ZrO₂",
            authors=[("Materials Project", "")],
            entry_type=EntryType.ONLINE,
            url="https://example.org/a_b?c=1&d=%20x#frag",
            year=2024,
        ),
        make_reference(title="A paper without any author", authors=[], year=2021),
        make_reference(title=f"Every character curators paste: {WIDE_CHARACTERS}", year=2022),
        make_reference(
            title="Thesis on garnets", entry_type=EntryType.PHDTHESIS, journal="Seoul National University"
        ),
        make_reference(title="A book without a publisher", entry_type=EntryType.BOOK, journal=""),
        make_reference(
            title="Proceedings paper",
            entry_type=EntryType.INPROCEEDINGS,
            journal="Proc. Solid State Ionics",
            number="3",
        ),
    ]


@pytest.fixture
def export(tmp_path):
    """The whole bibliography (the curated 61 and some awkward additions) written to atlas.bib."""
    _awkward_references()
    references = list(Reference.objects.with_authors())
    assert len(references) >= 61 + 8
    (tmp_path / "atlas.bib").write_text(write_bibtex(references), encoding="utf-8")
    return tmp_path, references


def _warnings_of_bibtex(log: str) -> list[str]:
    return [line for line in log.splitlines() if "Warning--" in line or "error message" in line]


def _lacking(references) -> set[str]:
    """What classic styles say of the fields an entry's type requires and the atlas lacks."""
    return {
        f"Warning--there's a month but no year in {reference.citekey}"
        if name == "year" and reference.month
        else f"Warning--empty {name} in {reference.citekey}"
        for reference in references
        for name in lacking(reference)
    }


@pytest.mark.parametrize("style", ["plain", "unsrt", "alpha", "abbrv", "ieeetr", "plainnat", "apalike"])
def test_bibtex_processes_the_whole_export_without_a_warning(export, style):
    bibtex = require_binary("bibtex")
    if not run_tool([require_binary("kpsewhich"), f"{style}.bst"], Path.cwd()).stdout.strip():
        pytest.skip(f"{style}.bst is not installed")
    directory, references = export
    (directory / "test.aux").write_text(
        f"\\relax\n\\citation{{*}}\n\\bibstyle{{{style}}}\n\\bibdata{{atlas}}\n"
    )
    result = run_tool([bibtex, "test"], directory)
    log = (directory / "test.blg").read_text()
    # Author-year styles say so of a paper whose source gives no year: true, and left as it is
    # rather than inventing a year. Nothing else may warn.
    undated = {f"Warning--empty year in {r.citekey}" for r in references if not r.year}
    expected = _lacking(references) | (undated if style in {"plainnat", "apalike"} else set())
    assert set(_warnings_of_bibtex(log)) == expected
    assert result.returncode == 0, result.stdout
    bbl = (directory / "test.bbl").read_text()
    assert bbl.count("\\bibitem") == len(references)
    # Styles that lower-case titles leave braced formulas and element symbols as written.
    assert "{Li\\textsubscript{2}S}" in bbl
    assert "{LLZO}" in bbl and "{LiPON}" in bbl


def test_a_latex_document_citing_every_entry_compiles_cleanly(export):
    pdflatex, bibtex = require_binary("pdflatex"), require_binary("bibtex")
    directory, references = export
    keys = ",".join(r.citekey for r in references)
    (directory / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n"
        "\\usepackage{lmodern}\n\\begin{document}\nAll of them \\cite{" + keys + "}.\n"
        "\\bibliographystyle{plain}\n\\bibliography{atlas}\n\\end{document}\n"
    )
    latex = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc"]
    assert run_tool(latex, directory).returncode == 0
    result = run_tool([bibtex, "doc"], directory)
    assert set(_warnings_of_bibtex((directory / "doc.blg").read_text())) == _lacking(references)
    assert result.returncode == 0
    for _ in range(2):
        result = run_tool(latex, directory)
    log = (directory / "doc.log").read_text(errors="replace")
    assert result.returncode == 0, log[-3000:]
    assert not re.findall(r"^!.*$", log, re.MULTILINE)
    assert not re.findall(r"^.*Warning.*$", log, re.MULTILINE)
    assert "/etc/passwd" not in log.replace("\\textbackslash", "")  # never opened
    assert (directory / "doc.pdf").stat().st_size > 10_000


def test_biber_processes_the_whole_export_without_a_warning(export):
    biber = require_binary("biber")
    directory, references = export
    result = run_tool([biber, "--tool", "--output-file=checked.bib", "atlas.bib"], directory)
    problems = [line for line in result.stdout.splitlines() if line.startswith(("WARN", "ERROR"))]
    assert problems == []
    assert result.returncode == 0
    checked = (directory / "checked.bib").read_text()
    assert len(re.findall(r"^@", checked, re.MULTILINE)) == len(references)
    # biber decodes the TeX back to the names in the database.
    assert "Kızılaslan" in checked.replace("{", "").replace("}", "") and "Novák" in checked


def test_a_biblatex_document_citing_every_entry_compiles_with_biber(export):
    pdflatex, biber, kpsewhich = (require_binary(name) for name in ("pdflatex", "biber", "kpsewhich"))
    for package in ("biblatex.sty", "etoolbox.sty"):
        if not run_tool([kpsewhich, package], Path.cwd()).stdout.strip():
            pytest.skip(f"{package} is not installed (biber itself is tested in tool mode above)")
    directory, references = export
    # pdflatex has no glyphs for the Greek, arrows and scripts of the every-character title, which
    # biber hands back as Unicode; the bibtex tests above cover that entry.
    printable = [r for r in references if not r.title.startswith("Every character")]
    (directory / "atlas.bib").write_text(write_bibtex(printable), encoding="utf-8")
    (directory / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n"
        "\\usepackage{lmodern}\n\\usepackage[backend=biber,safeinputenc]{biblatex}\n\\addbibresource{atlas.bib}\n"
        "\\begin{document}\n\\nocite{*}\n\\printbibliography\n\\end{document}\n"
    )
    latex = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc"]
    assert run_tool(latex, directory).returncode == 0
    result = run_tool([biber, "doc"], directory)
    assert [line for line in result.stdout.splitlines() if line.startswith(("WARN", "ERROR"))] == []
    run_tool(latex, directory)  # latex, biber, latex, latex: the usual sequence
    result = run_tool(latex, directory)
    log = (directory / "doc.log").read_text(errors="replace")
    assert result.returncode == 0, log[-3000:]
    assert not re.findall(r"^.*Warning.*$", log, re.MULTILINE)


def test_pybtex_in_strict_mode_reads_every_entry_back(export):
    directory, references = export
    pybtex.errors.set_strict_mode(True)
    try:
        data = pybtex.database.parse_file(str(directory / "atlas.bib"), bib_format="bibtex")
    finally:
        pybtex.errors.set_strict_mode(False)
    assert set(data.entries) == {r.citekey for r in references}
    for reference in references:
        persons = data.entries[reference.citekey].persons.get("author", [])
        names = []
        for person in persons:
            family = " ".join(person.prelast_names + person.last_names)
            if person.lineage_names:
                family += ", " + " ".join(person.lineage_names)
            names.append(
                (decode_latex(family), decode_latex(" ".join(person.first_names + person.middle_names)))
            )
        assert names == [(a.family, a.given) for a in reference.author_list], reference.citekey


def test_bibtexparser_reads_the_export_back_field_by_field(export):
    directory, references = export
    parsed = parse_bibtex((directory / "atlas.bib").read_text(encoding="utf-8"))
    assert parsed.problems == []
    entries = {entry.key: entry for entry in parsed.entries}
    assert set(entries) == {r.citekey for r in references}
    for reference in references:
        entry = entries[reference.citekey]
        where = reference.citekey
        if reference.title.startswith("\\input"):
            # Written as harmless text, and still refused when read back.
            assert any("\\input, a TeX command" in error for error in entry.errors)
            continue
        assert entry.errors == [], where
        assert entry.title == " ".join(reference.title.split()), where
        assert entry.authors == [(a.family, a.given) for a in reference.author_list], where
        assert entry.year == reference.year, where
        assert entry.doi == reference.doi, where
        assert entry.fields.get("url", "") == reference.url, where
        assert entry.fields.get("volume", "") == reference.volume, where
        assert entry.fields.get("pages", "") == reference.pages, where
        if reference.journal:
            venues = ("journal", "booktitle", "school", "institution", "howpublished", "series")
            assert reference.journal in [entry.fields.get(k) for k in venues], where
        if reference.month:
            assert entry.fields["month"] == str(reference.month)


@pytest.mark.parametrize(
    "url",
    [
        "/references/?format=bib",
        "/references/?format=bib&year_min=2019&q=garnet",
        "/studies/?format=bib",
        "/studies/?format=bib&family=garnet&strategy=artificial-interlayer",
        "/studies/?format=bib&family=argyrodite",
        "/references/deng2020tuning.bib",
    ],
)
def test_a_downloaded_view_compiles_with_bibtex_and_biber_without_a_warning(client, tmp_path, url):
    bibtex, biber = require_binary("bibtex"), require_binary("biber")
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    entries = len(re.findall(r"^@", text, re.MULTILINE))
    assert entries >= 1
    (tmp_path / "view.bib").write_text(text, encoding="utf-8")
    (tmp_path / "view.aux").write_text("\\relax\n\\citation{*}\n\\bibstyle{plain}\n\\bibdata{view}\n")
    result = run_tool([bibtex, "view"], tmp_path)
    keys = re.findall(r"^@\w+\{([^,]+),", text, re.MULTILINE)
    shown = _lacking(Reference.objects.with_authors().filter(citekey__in=keys))
    assert set(_warnings_of_bibtex((tmp_path / "view.blg").read_text())) == shown
    assert result.returncode == 0
    assert (tmp_path / "view.bbl").read_text().count("\\bibitem") == entries
    result = run_tool([biber, "--tool", "--output-file=checked.bib", "view.bib"], tmp_path)
    assert [line for line in result.stdout.splitlines() if line.startswith(("WARN", "ERROR"))] == []
    assert result.returncode == 0


@pytest.mark.parametrize("style", ["plain", "alpha", "ieeetr"])
def test_the_public_round_trip_file_compiles_with_bibtex_and_biber_without_a_warning(tmp_path, style):
    """Every type, the types written plainer with entrysubtype, numbers written as issue."""
    bibtex, biber = require_binary("bibtex"), require_binary("biber")
    references = public_round_trip_references()
    keys = {r.citekey for r in references}
    text = write_bibtex(Reference.objects.with_authors().filter(citekey__in=keys))
    assert "entrysubtype" in text and "issue" in text
    # A month without a year is what the record says, and the styles say so: true, left as it is.
    undated = {
        f"Warning--there's a month but no year in {r.citekey}" for r in references if r.month and not r.year
    }
    (tmp_path / "trip.bib").write_text(text, encoding="utf-8")
    aux = f"\\relax\n\\citation{{*}}\n\\bibstyle{{{style}}}\n\\bibdata{{trip}}\n"
    (tmp_path / "trip.aux").write_text(aux)
    result = run_tool([bibtex, "trip"], tmp_path)
    written = Reference.objects.with_authors().filter(citekey__in=keys)
    assert set(_warnings_of_bibtex((tmp_path / "trip.blg").read_text())) == undated | _lacking(written)
    assert result.returncode == 0
    assert (tmp_path / "trip.bbl").read_text().count("\\bibitem") == len(keys)
    result = run_tool([biber, "--tool", "--output-file=checked.bib", "trip.bib"], tmp_path)
    # biber reads a year before the common era only from a date field, which classic styles
    # ignore: the year field keeps it for them, and biber says it will not sort it. Nothing else.
    bce = {
        f"WARN - legacy year field '{r.year}' in entry '{r.citekey}' is not an integer - "
        "this will probably not sort properly."
        for r in references
        if r.year is not None and r.year < 0
    }
    assert {line for line in result.stdout.splitlines() if line.startswith(("WARN", "ERROR"))} == bce
    assert result.returncode == 0
