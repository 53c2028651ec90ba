"""Importing BibTeX as real files contain it: Zotero, JabRef, Google Scholar, publishers, and broken ones."""

from pathlib import Path

import pytest

from references.bibtex import import_bibtex, plan_import
from references.models import EntryType, Reference
from tests.helpers import sample

pytestmark = pytest.mark.django_db


def saved(citekey: str) -> Reference:
    return Reference.objects.with_authors().get(citekey=citekey)


def test_zotero_export_is_read_field_by_field():
    report = import_bibtex(sample("zotero.bib"))
    assert report.ok
    assert [e.key for e in report.created] == [
        "kizilaslan_conference_2021",
        "materials_project_llzo_2023",
        "novak_thesis_2019",
    ]
    paper = saved("kizilaslan2021li")
    assert paper.title == "Li–Metal anodes with Li₂S-rich interphases"
    assert [(a.family, a.given) for a in paper.author_list] == [
        ("Kızılaslan", "Abdulkadir"),
        ("Akbulut", "Hatem"),
    ]
    assert paper.entry_type == EntryType.INPROCEEDINGS
    assert paper.journal == "Proceedings of the International Conference on Solid State Ionics"
    assert paper.publisher == "Springer International Publishing"
    assert paper.doi == "10.1007/978-3-030-00000-0_12"  # written as a URL in the file
    assert paper.pages == "101–110"
    online = saved("materialsproject2023materials")
    assert online.entry_type == EntryType.ONLINE
    assert [a.family for a in online.author_list] == ["Materials Project"]
    assert online.url == "https://next-gen.materialsproject.org/materials/mp-942733"
    thesis = saved("novak2019interfaces")
    assert thesis.entry_type == EntryType.PHDTHESIS
    assert thesis.journal == "Technische Universität München"


def test_zotero_entry_already_in_the_atlas_is_a_duplicate_not_a_copy():
    report = plan_import(sample("zotero.bib"))
    [(entry, existing)] = report.duplicates
    assert entry.key == "han_negating_2017"
    assert existing.citekey == "han2017negating"


def test_jabref_strings_crossref_months_and_accents():
    report = import_bibtex(sample("jabref.bib"))
    assert report.problems == []  # "% Encoding: UTF-8" and @Comment are comments
    assert report.failed == []
    wang = saved("wang2019situ")
    assert wang.journal == "Journal of Power Sources"  # @String macro
    assert wang.month == 9  # month = sep
    assert wang.doi == "10.1016/j.jpowsour.2019.03.001"  # doi:10.1016/J.JPOWSOUR...
    assert wang.pages == "1–8"
    chapter = saved("muller2020sulfide")
    assert [a.family for a in chapter.author_list] == ["Müller", "García", "Østergaard"]
    assert chapter.title == "Sulfide electrolytes: Li₁₀GeP₂S₁₂ and beyond"
    # Inherited from the crossref'd book.
    assert (chapter.journal, chapter.publisher, chapter.year) == ("Solid-State Batteries", "Wiley-VCH", 2020)
    book = saved("janek2020solidstate")  # the editors stand for the book's authors
    assert book.entry_type == EntryType.BOOK
    assert [(a.family, a.given) for a in book.author_list] == [("Janek", "Jürgen"), ("Zeier", "Wolfgang G.")]
    proceedings = saved("sastre2021fast")
    assert proceedings.journal == "ACS Applied Materials & Interfaces – Conference Edition"  # macro # text
    assert proceedings.month == 12
    assert [e.key for e, _ in report.duplicates] == ["Fu2017"]


def test_google_scholar_style_without_doi_matches_by_title_year_and_first_author():
    report = import_bibtex(sample("scholar.bib"))
    assert report.ok
    [(entry, existing)] = report.duplicates
    assert (entry.key, existing.citekey) == ("deng2020tuning", "deng2020tuning")
    report_paper = saved("smith2015report")
    assert report_paper.title == "Report on & about solid electrolytes: 50% cheaper"
    assert [a.family for a in report_paper.author_list] == ["Smith"]  # "and others" is not a person
    assert report_paper.entry_type == EntryType.TECHREPORT
    assert report_paper.journal == "Argonne National Laboratory"
    assert saved("lee2018lithium").journal == "Seoul National University"
    assert saved("zhao2022liin").entry_type == EntryType.MISC


@pytest.mark.parametrize("name", ["zotero.bib", "jabref.bib", "scholar.bib"])
def test_importing_the_same_file_twice_creates_nothing_the_second_time(name):
    first = import_bibtex(sample(name))
    count = Reference.objects.count()
    second = import_bibtex(sample(name))
    assert second.created == [] and second.saved == []
    assert len(second.duplicates) == len(first.created) + len(first.duplicates)
    assert Reference.objects.count() == count


def test_the_preview_is_what_the_import_does():
    text = sample("zotero.bib") + sample("scholar.bib")
    before = Reference.objects.count()
    preview = plan_import(text)
    assert Reference.objects.count() == before  # a preview writes nothing
    report = import_bibtex(text)
    assert [r.citekey for r in report.saved] == [e.citekey for e in preview.created]
    assert [e.key for e, _ in report.duplicates] == [e.key for e, _ in preview.duplicates]
    assert Reference.objects.count() == before + len(preview.created)


def test_a_doi_is_a_duplicate_whatever_its_spelling():
    text = """@article{a, title={Another title}, author={X, Y}, year=1998,
        doi={https://dx.doi.org/10.1002/(SICI)1521-4095(199807)10:10<725::AID-ADMA725>3.0.CO;2-Z}}"""
    [(entry, existing)] = plan_import(text).duplicates
    assert existing.citekey == "winter1998insertion"
    assert entry.doi == "10.1002/(sici)1521-4095(199807)10:10<725::aid-adma725>3.0.co;2-z"


def test_the_same_paper_twice_in_one_file_is_refused_the_second_time():
    text = """@article{one, title={Twins}, author={Doe, J.}, year=2020, doi={10.1000/twin}}
@article{two, title={Twins again}, author={Doe, J.}, year=2020, doi={DOI:10.1000/TWIN}}
@article{three, title={No DOI twin}, author={Roe, R.}, year=2021}
@article{four, title={No {DOI} twin}, author={Roe, Richard}, year=2021}"""
    report = plan_import(text)
    assert [e.key for e in report.created] == ["one", "three"]
    assert {e.key: e.errors for e in report.failed} == {
        "two": ["the same paper as one (line 1) earlier in this file"],
        "four": ["the same paper as three (line 3) earlier in this file"],
    }


PROBLEMS = [
    ("broken2015", 46, "cannot read the entry that starts '@article{broken2015,'"),
]
FAILURES = [
    ("notitle2020", 11, "no title"),
]
# What BibTeX and biber read imports, with a warning.
WARNINGS = [
    ("good2021", 39, "the citation key good2021 appears earlier in the file too"),
    ("baddoi2019", 17, "invalid DOI dropped: 'not-a-doi' is not a DOI"),
    ("macro2018", 25, "field journal uses the undefined @string macro 'jundefined': kept as its name"),
    ("key with spaces", 32, "the citation key 'key with spaces' is not safe in a URL or BibTeX"),
]


@pytest.mark.parametrize(("key", "line", "reason"), PROBLEMS)
def test_each_file_problem_is_named_with_key_line_and_reason(key, line, reason):
    report = plan_import(sample("problems.bib"))
    assert any(p.key == key and p.line == line and p.reason.startswith(reason) for p in report.problems), [
        str(p) for p in report.problems
    ]


@pytest.mark.parametrize(("key", "line", "reason"), FAILURES)
def test_each_failing_entry_is_named_with_key_line_and_reason(key, line, reason):
    report = plan_import(sample("problems.bib"))
    failed = {e.key: e for e in report.failed}
    assert failed[key].line == line
    assert any(error.startswith(reason) for error in failed[key].errors), failed[key].errors


@pytest.mark.parametrize(("key", "line", "warning"), WARNINGS)
def test_what_bibtex_reads_is_imported_with_a_warning(key, line, warning):
    report = plan_import(sample("problems.bib"))
    [entry] = [e for e in report.created if e.key == key and e.line == line]
    assert any(note.startswith(warning) for note in entry.warnings), entry.warnings


def test_stray_text_between_entries_is_ignored_as_bibtex_ignores_it():
    report = plan_import(sample("problems.bib"))
    assert not any("outside any entry" in str(p) for p in report.problems)


def test_a_file_with_failures_saves_nothing_unless_the_preview_was_confirmed():
    before = Reference.objects.count()
    report = import_bibtex(sample("problems.bib"))
    assert not report.ok and report.saved == []
    assert Reference.objects.count() == before
    confirmed = import_bibtex(sample("problems.bib"), skip_failed=True)
    assert [r.title for r in confirmed.saved] == [
        "A well-formed entry",
        "An entry with a broken DOI",
        "An entry using an undefined string",
        "A key with spaces",
        "The same key twice",
        "An entry after the broken one",
    ]
    assert Reference.objects.count() == before + 6


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no BibTeX entry found"),
        ("Dear editor, please find attached our manuscript.", "no BibTeX entry found"),
        ("\x00\x01PK\x03\x04binary", "the file is binary"),
        ("@article{x, title={unclosed", 'a brace { or a quote " is never closed'),
    ],
)
def test_garbage_saves_nothing_and_says_why(text, reason):
    before = Reference.objects.count()
    report = import_bibtex(text, skip_failed=True)
    assert report.saved == []
    assert any(reason in str(p) for p in report.problems), [str(p) for p in report.problems]
    assert Reference.objects.count() == before


def test_a_missing_comma_is_named_as_such():
    [entry] = plan_import("@article{k, title={T} year=2020}").failed
    assert entry.errors == ["field title has a malformed value '{T} year=2020' (a missing comma or brace?)"]


@pytest.mark.parametrize(
    ("key", "command"),
    [("hostile2020", "\\input"), ("hostile2021", "\\immediate"), ("hostile2022", "\\catcode")],
)
def test_fields_that_would_run_code_are_refused(key, command):
    before = Reference.objects.count()
    report = import_bibtex(sample("hostile.bib"), skip_failed=True)
    assert report.saved == [] and Reference.objects.count() == before
    failed = {e.key: e.errors for e in report.failed}
    assert any(command in error and "would run" in error for error in failed[key])


def test_a_command_hidden_behind_tex_escapes_is_refused_too():
    text = r"@article{k, title={\textbackslash{}write18\textbraceleft{}ls\textbraceright{}}, year=2020}"
    [entry] = plan_import(text).failed
    assert "\\write18" in entry.errors[0]


def test_dangerous_text_typed_into_a_model_fails_validation():
    from django.core.exceptions import ValidationError

    reference = Reference(citekey="x2020y", title=r"Nice \input{/etc/passwd}", journal="J")
    with pytest.raises(ValidationError) as raised:
        reference.full_clean()
    assert "title" in raised.value.message_dict
    assert "\\input" in raised.value.message_dict["title"][0]


def test_load_curated_and_the_admin_share_one_importer():
    """The curated review is a duplicate of itself: what load_curated imported, import_bibtex recognises."""
    text = (Path(__file__).parent.parent / "fixtures" / "references.bib").read_text()
    report = plan_import(text)
    assert report.ok
    assert report.created == []
    assert len(report.duplicates) == text.count("\n@") == Reference.objects.count()


def test_publisher_exports_in_every_common_type():
    report = import_bibtex(sample("publishers.bib"))
    assert report.ok, [str(p) for p in report.failures]
    elsevier = saved("martinez2019garnet")
    assert elsevier.title == "Garnet Li₇La₃Zr₂O₁₂ / Li interfaces"
    assert [(a.family, a.given) for a in elsevier.author_list] == [("Martínez", "Ana"), ("Schmidt", "Lukas")]
    assert elsevier.doi == "10.1016/j.jpowsour.2019.02.099"
    assert elsevier.pages == "100–110"
    chapter = saved("zeier2021argyrodite")
    assert (chapter.entry_type, chapter.journal) == (EntryType.INBOOK, "Handbook of Solid State Batteries")
    assert chapter.doi == "10.1002/9781119000000.ch7"
    roadmap = saved("usdepartmentofenergy2022solidstate")
    assert (roadmap.entry_type, roadmap.year, roadmap.journal) == (
        EntryType.TECHREPORT,
        2022,
        "Office of Energy Efficiency",
    )
    thesis = saved("obrien2020sputtered")
    assert (thesis.entry_type, thesis.month) == (EntryType.MASTERSTHESIS, 6)
    assert thesis.author_list[0].family == "O'Brien"
    web = saved("acspublications2020li")
    assert (web.entry_type, web.title) == (EntryType.ONLINE, "Li⁺ transport at interfaces")
    # The DOI hidden in the URL is found, so the paper is recognised next time.
    assert web.doi == "10.1021/acsenergylett.0c99999"


def test_biblatex_thesis_types_and_dates():
    report = import_bibtex(
        """@thesis{a, author={Ahn, B.}, title={MA work}, type={mathesis}, institution={K}, date={2021-03}}
@thesis{b, author={Baek, C.}, title={Doctoral work}, type={phdthesis}, school={SNU}, year=2022, month=dec}"""
    )
    assert report.ok
    masters, doctoral = (Reference.objects.get(pk=r.pk) for r in report.saved)
    assert (masters.entry_type, masters.year, masters.month) == (EntryType.MASTERSTHESIS, 2021, 3)
    assert (doctoral.entry_type, doctoral.year, doctoral.month) == (EntryType.PHDTHESIS, 2022, 12)


def test_fields_the_atlas_does_not_keep_are_dropped_not_refused():
    """Zotero on Windows writes attachment paths with backslashes; they are never stored or exported."""
    text = r"""@article{win, title={Kept}, author={Doe, J.}, year=2020, journal={J},
        file = {Full Text:C\:\\Users\\me\\Zotero\\storage\\input\\paper.pdf:application/pdf},
        keywords = {\def}}"""
    report = import_bibtex(text)
    assert report.ok
    [entry] = report.created
    assert set(entry.fields) == {"title", "year", "journal"}


def test_an_import_in_bulk_refreshes_the_cached_counts_and_keeps_history(
    client, django_capture_on_commit_callbacks
):
    before = client.get("/").context["counts"]["references"]
    text = (
        "@article{one, title = {First}, author = {Ahn, J.}, year = 2020, doi = {10.5555/Bulk.1}}\n"
        "@book{two, title = {Second}, author = {Berg, K. and Ahn, J.}, year = 2021}"
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = import_bibtex(text)
    assert client.get("/").context["counts"]["references"] == before + 2  # not the cached count
    for reference in report.saved:
        [history] = reference.history.all()
        assert history.history_type == "+" and history.title == reference.title
        assert history.identity == reference.identity and history.doi == reference.doi
    one, two = report.saved
    assert one.doi == "10.5555/bulk.1" and one.identity == ""
    assert two.identity == "second|2021|berg"
    assert [a.family for a in Reference.objects.with_authors().get(pk=two.pk).author_list] == ["Berg", "Ahn"]
