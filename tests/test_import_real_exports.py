"""What reference managers and biblatex write, as BibTeX and biber read it: one small
file per way an importer used to refuse or lose an entry, each imported with its warning shown."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from references.bibtex import import_bibtex, parse_bibtex, plan_import, write_bibtex
from references.models import EntryType, Reference
from tests.helpers import (
    IMPORT_URL,
    ROUND_TRIP_TITLES,
    empty_the_database,
    make_reference,
    post_bibtex,
    public_round_trip_references,
    round_trip_references,
    sample,
)

pytestmark = pytest.mark.django_db


def read(name: str) -> str:
    """A file of samples/real_exports/."""
    return sample(f"real_exports/{name}")


def preview(client, name: str) -> str:
    response = post_bibtex(client, read(name))
    assert response.status_code == 200
    return response.content.decode()


def imported(name: str) -> dict[str, Reference]:
    """Every entry of the file imported (as the confirmed preview does), by the key in the file."""
    report = import_bibtex(read(name), skip_failed=True)
    assert report.failed == [] and report.problems == [], [str(p) for p in report.failures]
    return {r.source_key + (f"@{r.year}" if r.source_key == "rp1" else ""): r for r in report.saved}


def test_an_undefined_macro_is_kept_as_its_name_and_an_ads_macro_read_as_the_journal(client, curator):
    page = preview(client, "undefined_macros.bib")
    assert "<strong>2</strong> new, to be created" in page
    assert "field journal uses the undefined @string macro &#x27;jmca&#x27;: kept as its name" in page
    assert "journal \\apj (an AAS journal macro) read as ApJ" in page
    saved = imported("undefined_macros.bib")
    assert saved["mk1"].journal == "jmca" and saved["mk1"].title == "Sulfide interphases on lithium"
    assert saved["mk2"].journal == "ApJ"


def test_string_definitions_in_a_second_uploaded_file_resolve(client, curator):
    uploads = [
        SimpleUploadedFile("entries.bib", read("undefined_macros.bib").encode()),
        SimpleUploadedFile("strings.bib", read("strings.bib").encode()),
    ]
    response = client.post(IMPORT_URL, {"bibtex_file": uploads})
    report = response.context["report"]
    assert [e.key for e in report.created] == ["mk1", "mk2"]
    assert report.created[0].venue == "Journal of Materials Chemistry A"
    assert "undefined @string macro" not in response.content.decode()
    confirm = post_bibtex(client, response.context["text"], confirm=True)
    assert confirm.status_code == 302
    assert Reference.objects.get(source_key="mk1").journal == "Journal of Materials Chemistry A"


def test_pasted_definitions_and_an_uploaded_file_are_read_together(client, curator):
    upload = SimpleUploadedFile("entries.bib", read("undefined_macros.bib").encode())
    response = post_bibtex(client, read("strings.bib"), confirm=True, bibtex_file=upload)
    assert response.status_code == 302
    assert Reference.objects.get(source_key="mk1").journal == "Journal of Materials Chemistry A"


def test_biblatex_and_reference_manager_types_map_to_the_nearest_kept_type(client, curator):
    page = preview(client, "entry_types.bib")
    assert "<strong>7</strong> new, to be created" in page  # the @set only groups ty1 and ty2
    assert "entry type @strangetype is not a type BibTeX or biblatex knows: read as @misc" in page
    saved = imported("entry_types.bib")
    assert {key: (r.entry_type, r.source_type) for key, r in saved.items()} == {
        "ty1": (EntryType.BOOK, "collection"),
        "ty2": (EntryType.BOOK, "periodical"),
        "ty3": (EntryType.INCOLLECTION, "inreference"),
        "ty4": (EntryType.BOOK, "mvcollection"),
        "ty6": (EntryType.INBOOK, "book_section"),
        "ty7": (EntryType.ONLINE, "web_page"),
        "ty8": (EntryType.MISC, "strangetype"),
    }
    assert saved["ty3"].journal == "Encyclopedia of Ionics"
    assert saved["ty7"].url == "https://example.org/page"
    # The curated export writes the type the file gave; the public one a type classic styles know.
    curated = write_bibtex(Reference.objects.with_authors().filter(source_key="ty1"), curated=True)
    public = write_bibtex(Reference.objects.with_authors().filter(source_key="ty1"))
    assert curated.startswith("@collection{ota2019solid,") and public.startswith("@book{ota2019solid,")


def test_a_crossref_to_an_entry_not_in_the_file_imports_with_a_warning(client, curator):
    page = preview(client, "crossref_missing.bib")
    assert "crossref &#x27;proc2020&#x27; names no entry of this file: read without it" in page
    saved = imported("crossref_missing.bib")["cr1"]
    assert (saved.title, saved.year, saved.entry_type) == (
        "Interlayers in a missing proceedings",
        2020,
        EntryType.INPROCEEDINGS,
    )


def test_unsafe_citation_keys_are_made_safe_and_the_original_stays_searchable(client, curator):
    page = preview(client, "unsafe_keys.bib")
    assert "<strong>3</strong> new, to be created" in page
    assert "is not safe in a URL or BibTeX: a new key is made for it" in page
    saved = imported("unsafe_keys.bib")
    assert sorted(saved) == ["2016A&A...594A..13P", "Gauß2018", "O'Neil2019"]
    assert saved["2016A&A...594A..13P"].citekey == "planck2016parameters"
    assert saved["2016A&A...594A..13P"].journal == "A&A"  # \aap
    assert saved["Gauß2018"].citekey == "gauss2018sharp"
    found = client.get("/admin/references/reference/", {"q": "2016A&A...594A..13P"})
    assert [r.citekey for r in found.context["cl"].result_list] == ["planck2016parameters"]
    assert client.get(saved["O'Neil2019"].get_absolute_url()).status_code == 200


def test_an_invalid_doi_is_dropped_not_the_entry(client, curator):
    page = preview(client, "dois.bib")
    assert "<strong>4</strong> new, to be created" in page
    assert "invalid DOI dropped: &#x27;see the paper&#x27; is not a DOI" in page
    assert "ends in a page of the publisher&#x27;s site: that end dropped" in page
    saved = imported("dois.bib")
    assert saved["do1"].doi == "10.1145/1234567.1234568"  # behind the ACM's resolver
    assert saved["do2"].doi == "10.1002/adma.201200001"  # without Wiley's /abstract
    assert saved["do3"].doi == "" and saved["do4"].doi == ""
    assert not any("\x00" in doi for doi in Reference.objects.values_list("doi", flat=True))
    assert saved["do4"].title == "A DOI that is no DOI"


def test_repeated_keys_and_fields_and_a_header_line_import_with_warnings(client, curator):
    page = preview(client, "repeats.bib")
    assert "<strong>3</strong> new, to be created" in page and "<strong>0</strong> failed" in page
    assert "the citation key rp1 appears earlier in the file too: read as an entry of its own" in page
    assert "field title appears twice: the first is kept, as BibTeX does" in page
    assert "keywords appears twice" not in page  # a field the atlas does not keep
    assert "text outside any entry" not in page  # the manager's header is ignored, as BibTeX ignores it
    saved = imported("repeats.bib")
    assert saved["rp1@2020"].title == "First under this key"
    assert saved["rp1@2021"].title == "Second under the same key"
    assert saved["rp2"].title == "First title wins"


def test_a_repeated_key_can_be_left_out_on_its_own_in_the_preview(client, curator):
    response = post_bibtex(client, read("repeats.bib"), confirm=True, choose="1", include=["rp1@5", "rp2"])
    assert response.status_code == 302
    assert sorted(Reference.objects.filter(source_key__startswith="rp").values_list("title", flat=True)) == [
        "First title wins",
        "Second under the same key",
    ]


def test_parenthesised_entries_are_read_whole():
    saved = imported("parentheses.bib")
    assert saved["pa1"].title == "Li (metal) anodes (revisited)"
    assert saved["pa1"].journal == "Journal of Power Sources"
    assert [a.family for a in saved["pa2"].author_list] == ["Kudo", "Baba"]
    assert (saved["pa2"].title, saved["pa2"].publisher, saved["pa2"].year) == ("Ions", "Springer", 2018)


def test_nothing_is_lost_without_a_word(client, curator):
    page = preview(client, "silent_losses.bib")
    assert "field title: \\unknownmacro unknown, only the text of its argument kept" in page
    saved = imported("silent_losses.bib")
    assert saved["sl1"].title == "Radix-2^k transforms and input/output"
    assert saved["sl2"].title == "The 3rd cell at α and Ω"
    assert (saved["sl3"].year, saved["sl3"].citekey) == (-49, "caesar49bccommentarii")
    assert saved["sl4"].year == 731
    assert saved["sl5"].title == "Κ-edge of ΑΒΓ and ℏ in 中文"
    assert saved["sl6"].title == "An odd command"


# -- the round trip --------------------------------------------------------------------------
def _state(references) -> dict:
    return {
        r.citekey: (r.entry_type, r.source_type, r.title, r.journal, r.year, r.month, r.pages)
        + tuple((a.family, a.given) for a in r.author_list)
        for r in references
    }


def test_export_import_export_is_byte_identical():
    """The atlas's own (curated) export: written, read back and written again, byte for byte."""
    keys = [r.citekey for r in round_trip_references()]
    mine = Reference.objects.with_authors().filter(citekey__in=keys).order_by("citekey")
    first = write_bibtex(mine, curated=True)
    before = _state(mine)
    mine.delete()
    report = import_bibtex(first, keep_keys=True)
    assert report.ok, [str(p) for p in report.failures]
    assert sorted(r.citekey for r in report.saved) == sorted(keys)
    assert _state(mine) == before  # the same references, not only the same text
    second = write_bibtex(mine, curated=True)
    assert second == first


def test_each_field_reads_back_as_written_even_for_every_character():
    title = ROUND_TRIP_TITLES[0]
    [entry] = parse_bibtex(write_bibtex([make_reference(title=title, year=-44)])).entries
    assert entry.title == title and entry.year == -44 and entry.notes == []


def test_the_preview_of_the_round_trip_file_has_no_warning_of_loss(client, curator):
    keys = [r.citekey for r in round_trip_references()]
    text = write_bibtex(Reference.objects.with_authors().filter(citekey__in=keys), curated=True)
    report = plan_import(text)
    assert report.created == [] and not report.failures
    assert all(entry.notes == [] for entry, _ in report.duplicates)


# -- the public export's round trip -----------------------------------------------------------
def _public_state(references) -> dict:
    """A reference as the public export gives it: everything but the curators' notes and abstract."""
    return {
        r.citekey: (r.entry_type, r.source_type, r.title, r.journal, r.publisher, r.year, r.month)
        + (r.volume, r.number, r.pages, r.doi, r.url)
        + tuple((a.family, a.given) for a in r.author_list)
        for r in references
    }


def test_the_public_export_reads_back_to_the_same_references_byte_for_byte(client):
    """/references/?format=bib, imported into an empty atlas and exported again: the same file,
    the same types (the public file writes a type classic BibTeX styles know, with the
    atlas's own in entrysubtype), the same fields."""
    empty_the_database()
    public_round_trip_references()
    mine = Reference.objects.with_authors()
    before = _public_state(mine)
    first = client.get("/references/", {"format": "bib"}).content.decode()
    # A type classic styles know is written, and the atlas's own beside it.
    for written, own in (("misc", "online"), ("incollection", "inbook")):
        assert re.search(rf"@{written}\{{[^@]*entrysubtype = {{{own}}}", first), own
    assert "entrysubtype = {collection}" in first and "entrysubtype = {web_page}" in first
    assert re.search(r"@book\{[^@]*issue += \{1--S\}", first)  # a number beside a volume
    empty_the_database()
    report = import_bibtex(first, keep_keys=True)
    assert report.ok, [str(p) for p in report.failures]
    assert all(entry.notes == [] for entry in report.created), [e.notes for e in report.created]
    assert _public_state(mine) == before
    second = client.get("/references/", {"format": "bib"}).content.decode()
    assert second == first


def test_entrysubtype_names_the_type_only_when_it_is_a_type():
    text = (
        "@misc{web, title = {A page}, entrysubtype = {online}, howpublished = {Some site}}\n"
        "@article{mag, title = {A column}, journal = {Weekly}, entrysubtype = {magazine}}\n"
        "@book{lnp, title = {A volume}, series = {Lecture Notes in Physics}, publisher = {Springer}}\n"
        "@inproceedings{talk, title = {A talk}, crossref = {procs}}\n"
        "@proceedings{procs, title = {Proceedings}, entrysubtype = {online}}"
    )
    web, mag, lnp, talk, _ = parse_bibtex(text).entries
    assert (talk.entry_type, talk.venue) == (EntryType.INPROCEEDINGS, "Proceedings")  # not inherited
    assert (web.entry_type, web.source_type, web.venue) == (EntryType.ONLINE, "", "Some site")
    # biblatex's own subtypes of an article (magazine, newspaper) are not types: still an article.
    assert (mag.entry_type, mag.source_type, mag.notes) == (EntryType.ARTICLE, "", [])
    assert lnp.venue == "Lecture Notes in Physics"  # a book appeared in its series
