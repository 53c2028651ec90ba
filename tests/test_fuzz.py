"""Property-based fuzzing (Hypothesis) of every public URL's parameters and of the BibTeX import:
whatever arrives, the answer is never a server error and nothing is saved half-way."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interfaces.models import Study
from references.models import Authorship, Reference
from tests.helpers import STUDY_FILTERS, post_bibtex

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Values a person, a script or an attacker might send: numbers of every shape, scripts,
# operators PostgreSQL's text search reads, TeX, and arbitrary Unicode.
nasty = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "-",
            "-" * 40,
            "² ①",
            "9" * 4301,
            "1e309",
            "NaN",
            "-1",
            "0",
            "1.5",
            "garnet",
            "Li3PO4",
            '" OR 1=1 --',
            "<script>alert(1)</script>",
            "\\input{/etc/passwd}",
            "^^5c",
            "%00",
            "a & b | !c",
            "javascript:alert(1)",
            "10.1038/nmat4821",
            "ccd",
            "-ccd",
            "year",
            "json",
            "csv",
            "bib",
            "ris",
            "xml",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
STUDY_PARAMETERS = [*STUDY_FILTERS, "sort", "page", "id", "format"]
REFERENCE_PARAMETERS = ["q", "year_min", "year_max", "author", "journal", "page", "format", "sort"]


def query(names):
    return st.dictionaries(st.sampled_from(names), st.lists(nasty, min_size=1, max_size=3), max_size=6)


@FUZZ
@given(params=query(STUDY_PARAMETERS))
def test_the_study_list_and_its_exports_never_fail(client, params):
    response = client.get("/studies/", params)
    assert response.status_code < 500, (params, response.status_code)
    assert response.status_code in {200, 400}


@FUZZ
@given(
    params=query([*STUDY_PARAMETERS, "by", "open"]),
    path=st.sampled_from(["/studies/charts/", "/compare/", "/matrix/"]),
)
def test_the_charts_compare_and_matrix_never_fail(client, params, path):
    response = client.get(path, params)
    assert response.status_code in {200, 400, 404}, (path, params, response.status_code)


@FUZZ
@given(
    params=query(REFERENCE_PARAMETERS),
    path=st.sampled_from(["/references/", "/", "/electrolytes/", "/interlayers/"]),
)
def test_the_other_lists_never_fail(client, params, path):
    response = client.get(path, params)
    assert response.status_code < 500, (path, params, response.status_code)


@FUZZ
@given(tail=nasty)
def test_detail_urls_never_fail(client, tail):
    for path in (
        f"/studies/{tail}/",
        f"/references/{tail}/",
        f"/references/{tail}.bib",
        f"/electrolytes/{tail}/",
        f"/interlayers/{tail}/",
        f"/studies/{tail}/report/",
    ):
        response = client.get(path.replace("//", "/x/"))
        assert response.status_code < 500, (path, response.status_code)


def _bibtex_entries():
    value = st.one_of(
        st.text(max_size=60),
        st.sampled_from(
            [
                "{Li7La3Zr2O12}",
                'M{\\"u}ller',
                "$^{-2}$",
                "\\href{x}{y}",
                "{" * 300,
                "}",
                "\\verb|x|",
                "^^5cinput",
                "%5E%5E5c",
                "\\csname x\\endcsname",
                "javascript:alert(1)",
                "20x8",
                "-44",
                "10.1234/%5E%5E5cinput",
                "a # b",
                '"quoted"',
                "\x00",
                "ΚΑΛΗ",
            ]
        ),
    )
    field_names = st.sampled_from(
        [
            "title",
            "author",
            "journal",
            "year",
            "doi",
            "url",
            "pages",
            "volume",
            "abstract",
            "note",
            "date",
            "crossref",
            "month",
            "editor",
            "booktitle",
        ]
    )
    entry = st.builds(
        lambda kind, key, fields: (
            f"@{kind}{{{key},\n" + "".join(f"  {k} = {{{v}}},\n" for k, v in fields) + "}\n"
        ),
        st.sampled_from(["article", "book", "misc", "online", "inproceedings", "weird", "collection"]),
        st.text(alphabet="abcxyz019_-:&'ß", min_size=1, max_size=12),
        st.lists(st.tuples(field_names, value), max_size=6),
    )
    junk = st.text(max_size=40)
    return st.lists(st.one_of(entry, junk), min_size=1, max_size=4).map("\n".join)


@FUZZ
@given(text=_bibtex_entries())
def test_the_import_never_fails_and_saves_all_or_nothing(client, curator, text):
    preview = post_bibtex(client, text)
    assert preview.status_code < 500
    report = preview.context["report"] if preview.context and "report" in preview.context else None
    before = (Reference.objects.count(), Authorship.objects.count())
    with transaction.atomic():
        confirm = post_bibtex(client, text, confirm=True)
        assert confirm.status_code < 500
        created = Reference.objects.count() - before[0]
        if confirm.status_code != 302:
            assert created == 0  # a refused confirmation saves nothing
        elif report is not None:
            assert created == len(report.created)
        if created:
            planned = {entry.citekey: entry.authors for entry in report.created} if report else None
            newest = Reference.objects.with_authors().order_by("-pk")[:created]
            for reference in newest:  # a saved reference is whole: its title and each author
                assert reference.title
                if planned is not None:
                    authors = [(family[:200], given[:200]) for family, given in planned[reference.citekey]]
                    assert [(a.family, a.given) for a in reference.author_list] == authors
        transaction.set_rollback(True)  # keep the next example's database as it was
    assert (Reference.objects.count(), Authorship.objects.count()) == before
    assert Study.objects.exists()
