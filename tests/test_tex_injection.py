"""No route can smuggle a TeX command into an export through a DOI or a URL.

TeX reads ^^5c as a backslash, and DOIs used to be percent-decoded, so
doi = {10.1234/%5E%5E5cinput...} became \\input in every BibTeX export. The DOI has a
syntax (checked by normalize_doi and by the database), and DOIs and URLs are written
with ^, backslashes, braces and spaces percent-encoded. Each route in is tried here, and
the export is compiled with pdflatex + bibtex to show that no file is read."""

import re
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from references.bibtex import import_bibtex, plan_import, write_bibtex
from references.doi import InvalidDOI, normalize_doi
from references.models import Reference
from tests.helpers import admin_change_url, form_values, make_reference, post_bibtex, require_binary, run_tool

pytestmark = pytest.mark.django_db

SMUGGLED_DOIS = [
    "10.1234/%5E%5E5cinput%5E%5E7b/etc/hostname%5E%5E7d",
    "10.1234/^^5cinput^^7b/etc/hostname^^7d",
    "https://doi.org/10.1234/%5c%69nput",
    "10.1234/\\csname input\\endcsname",
    "10.1234/{x}",
    "10.1234/a b",
    "10.1234/" + "a" * 300,
]


@pytest.mark.parametrize("doi", SMUGGLED_DOIS)
def test_a_doi_has_a_syntax(doi):
    with pytest.raises(InvalidDOI):
        normalize_doi(doi)


def test_real_dois_still_pass():
    assert normalize_doi("https://doi.org/10.1002/(SICI)1521-4095(199807)10:10<725::AID-ADMA725>3.0.CO;2-Z")
    assert normalize_doi("doi:10.1016/j.jpowsour.2019.227440") == "10.1016/j.jpowsour.2019.227440"
    assert normalize_doi("10.1149/1945-7111/ac6836") == "10.1149/1945-7111/ac6836"


def refused_or_imported_without_its_doi(report):
    """The entry is refused (a TeX command), or imported without the DOI, with a warning."""
    if report.created:
        [entry] = report.created
        assert entry.doi == "" and any("invalid DOI dropped" in note for note in entry.warnings)
    else:
        assert "TeX command" in report.failures[0].reason


@pytest.mark.parametrize("doi", SMUGGLED_DOIS[:2])
def test_the_import_refuses_a_smuggled_doi(doi):
    report = plan_import(f"@article{{x, title = {{T}}, author = {{A, B}}, year = 2020, doi = {{{doi}}}}}")
    refused_or_imported_without_its_doi(report)


def test_a_string_concatenation_cannot_build_one():
    text = (
        '@string{a = "10.1234/^"}\n'
        '@article{x, title = {T}, author = {A, B}, year = 2020, doi = a # "^5cinput"}'
    )
    report = plan_import(text)
    refused_or_imported_without_its_doi(report)


def test_a_doi_inside_a_url_is_not_taken_when_it_is_smuggled():
    url = "https://doi.org/10.5555/%5E%5E5cinput%5E%5E7b/etc/hostname%5E%5E7d"
    report = import_bibtex(f"@article{{x, title = {{T}}, author = {{A, B}}, year = 2020, url = {{{url}}}}}")
    [reference] = report.saved
    assert reference.doi == ""  # the URL stays a URL, encoded as it came


def test_the_database_refuses_what_bypasses_the_forms():
    for doi in ("10.1234/^^5cinput", "10.1234/{x}", "10.1234/a\\b"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Reference.objects.filter(citekey="deng2020tuning").update(doi=doi)
    for url in ("javascript:alert(1)", "data:text/html,x", "ftp://example.org/x"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Reference.objects.filter(citekey="deng2020tuning").update(url=url)


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "data:text/html;base64,PHNjcmlwdD4="])
def test_script_addresses_are_refused_on_every_route(client, curator, url):
    # Import: the address is dropped, with a word in the preview.
    text = f"@article{{js, title = {{A paper}}, author = {{A, B}}, year = 2020, url = {{{url}}}}}"
    page = post_bibtex(client, text).content.decode()
    assert "is not an http(s) address the atlas keeps: left out" in page
    report = import_bibtex(text)
    assert report.saved[0].url == ""
    # Admin: the form refuses it.
    reference = Reference.objects.get(citekey="deng2020tuning")
    page = client.get(admin_change_url(reference))
    data = form_values(page.context["adminform"].form) | {"url": url}
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        data |= {f"{fs.prefix}-TOTAL_FORMS": 0, f"{fs.prefix}-INITIAL_FORMS": 0}
    response = client.post(admin_change_url(reference), data)
    assert response.status_code == 200 and response.context["adminform"].form.errors["url"]
    reference.refresh_from_db()
    assert reference.url == ""
    # The reference page never links a script address.
    assert "javascript:" not in client.get(reference.get_absolute_url()).content.decode()


def test_what_is_written_for_a_doi_or_url_holds_no_tex_escape():
    reference = make_reference(url="https://example.org/^^5cinput{/etc/hostname} x")
    bib = write_bibtex([Reference.objects.with_authors().get(pk=reference.pk)])
    assert "^^" not in bib and "\\input" not in bib
    assert re.search(r"url\s+= \{https://example.org/%5E%5E5cinput%7B/etc/hostname%7D%20x\}", bib)


@pytest.mark.tex
def test_the_export_compiles_without_reading_a_file(tmp_path):
    pdflatex, bibtex = require_binary("pdflatex"), require_binary("bibtex")
    import_bibtex(
        "@article{u, title = {Smuggled}, author = {A, B}, year = 2020,"
        " url = {https://doi.org/10.5555/%5E%5E5cinput%5E%5E7b/etc/hostname%5E%5E7d}}"
    )
    make_reference(url="https://example.org/^^5cinput^^7b/etc/hostname^^7d", year=2021)
    (tmp_path / "atlas.bib").write_text(write_bibtex(Reference.objects.with_authors()), encoding="utf-8")
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{url}\n\\usepackage{natbib}\n\\begin{document}\n"
        "\\nocite{*}\n\\bibliographystyle{plainnat}\n\\bibliography{atlas}\n\\end{document}\n"
    )
    latex = [pdflatex, "-interaction=nonstopmode", "-no-shell-escape", "doc"]
    run_tool(latex, tmp_path)
    run_tool([bibtex, "doc"], tmp_path)
    run_tool(latex, tmp_path)
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "/etc/hostname" not in log.replace("%7B/etc/hostname", "")
    assert "(/etc/hostname" not in log
    assert Path(tmp_path / "doc.pdf").exists()
