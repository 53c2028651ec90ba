"""Writing BibTeX: `write_bibtex` is the one export path."""

from __future__ import annotations

import re

import bibtexparser
from bibtexparser import BibtexFormat, middlewares
from bibtexparser.model import Entry, Field

from ..models import Author, EntryType, Reference
from ..tex import title_to_latex, to_latex
from .parse import NEAREST_TYPES

# The BibTeX type written for each atlas type, and the fields classic BibTeX styles
# require for it ("author" stands for author or editor). The type follows what the source
# is: a journal paper is @article even while the atlas lacks its journal or authors, and
# bibtex then says so ("empty journal in …"), which is true of the record and listed for
# curators to fill (`lacking`). Every other warning is a defect.
#
# The public export still reads back to the same references: where the type written is not
# the reference's own (@incollection for a part of a book, @misc for an online resource or
# any type only biblatex knows, @book for a biblatex @collection), its own type goes in
# biblatex's `entrysubtype` field, which classic styles ignore and biblatex's standard
# styles accept on every type without printing it; the importer takes a type named there as
# the entry's type. Writing the real type instead (@online, @inbook without a chapter,
# @collection) would make classic styles warn or fall back to @misc on their own, and leave
# biblatex-only types unknown to them.
_OUTPUT_TYPES = {
    EntryType.ARTICLE: ("article", "journal", {"author", "title", "journal", "year"}),
    EntryType.BOOK: ("book", "series", {"author", "title", "publisher", "year"}),
    EntryType.INBOOK: ("incollection", "booktitle", {"author", "title", "booktitle", "publisher", "year"}),
    EntryType.INCOLLECTION: (
        "incollection",
        "booktitle",
        {"author", "title", "booktitle", "publisher", "year"},
    ),
    EntryType.INPROCEEDINGS: ("inproceedings", "booktitle", {"author", "title", "booktitle", "year"}),
    EntryType.PHDTHESIS: ("phdthesis", "school", {"author", "title", "school", "year"}),
    EntryType.MASTERSTHESIS: ("mastersthesis", "school", {"author", "title", "school", "year"}),
    EntryType.TECHREPORT: ("techreport", "institution", {"author", "title", "institution", "year"}),
    EntryType.ONLINE: ("misc", "howpublished", set()),
    EntryType.MISC: ("misc", "howpublished", set()),
}
_MONTH_MACROS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# Month macros are written bare (month = jan) so every style names the month its own way.
_ENCLOSING = {"month": "no-enclosing"}
# Types whose classic styles warn about a number without a series.
_NUMBER_NEEDS_SERIES = {"book", "incollection", "inproceedings"}


def _bibtex_name(author: Author) -> str:
    family, given = to_latex(author.family), to_latex(author.given.replace(",", " "))
    if " and " in f" {family} " or not given and (" " in family or "," in family):
        return f"{{{family}}}" + (f", {given}" if given else "")
    if "," in family:  # "Smith, Jr": BibTeX's von Last, Jr, First form
        last, jr = (part.strip() for part in family.split(",", 1))
        return f"{last}, {jr}, {given}" if given else f"{{{family}}}"
    return f"{family}, {given}" if given else family


def _verbatim(value: str) -> str:
    """DOIs and URLs stay verbatim (biblatex prints them so); what breaks a .bib or could turn
    into a TeX command (a backslash, braces, space, ^^) is percent-encoded."""
    return re.sub(r"[\\{}\s^]", lambda m: f"%{ord(m.group()):02X}", value.strip())


def bibtex_fields(reference: Reference, *, curated: bool = False) -> tuple[str, list[tuple[str, str]]]:
    """The entry type and the TeX-encoded fields written for a reference.

    curated: the atlas's own files, which must read back to the same reference: the
    type as stored, and the abstract and curation note (as annote) too."""
    entry_type, venue_field, _ = _OUTPUT_TYPES[EntryType(reference.entry_type)]
    if curated:
        # Every venue is written in a field the reader takes it back from.
        entry_type = reference.source_type or reference.entry_type
        venue_field = "howpublished" if venue_field == "series" else venue_field
    authors = reference.author_list
    fields = {
        "author": " and ".join(_bibtex_name(a) for a in authors),
        # Classic styles sort by author, else by key; without a key they warn.
        "key": "" if authors else reference.citekey,
        "title": title_to_latex(reference.title),
        venue_field: to_latex(reference.journal),
        "publisher": to_latex(reference.publisher),
        "year": str(reference.year or ""),
        "month": _MONTH_MACROS[reference.month - 1] if reference.month else "",
        "volume": to_latex(reference.volume),
        "number": to_latex(reference.number),
        "pages": to_latex(re.sub(r"\s*[-–—]+\s*", "–", reference.pages.strip())),  # – is written --
        "doi": _verbatim(reference.doi),
        "url": _verbatim(reference.url),
    }
    if curated:
        fields["key"] = ""
        fields["abstract"] = to_latex(reference.abstract)
        fields["annote"] = to_latex(reference.curation_note)
        # The key the paper was imported under, where the atlas gave it another.
        if reference.source_key and reference.source_key != reference.citekey:
            fields["sourcekey"] = _verbatim(reference.source_key)
    if not curated:
        # Classic styles warn of a number beside a volume or without a series (books, chapters,
        # proceedings) and of an issue number without a volume (articles). Such a number is
        # written as `issue`, which they ignore and the importer reads back as the number.
        no_volume = entry_type == "article" and not fields["volume"]
        if entry_type in _NUMBER_NEEDS_SERIES or no_volume:
            fields = {"issue" if name == "number" else name: value for name, value in fields.items()}
        own_type = reference.source_type or reference.entry_type
        if entry_type != own_type and own_type in NEAREST_TYPES:
            fields["entrysubtype"] = own_type
    return entry_type, [(name, value) for name, value in fields.items() if value]


def lacking(reference: Reference) -> list[str]:
    """The fields the reference's BibTeX type requires that the atlas does not hold for it."""
    _, fields = bibtex_fields(reference)
    written = {name for name, _ in fields}
    return sorted(name for name in _OUTPUT_TYPES[EntryType(reference.entry_type)][2] if name not in written)


def write_bibtex(references, *, curated: bool = False) -> str:
    """BibTeX for references (prefetched with ReferenceQuerySet.with_authors())."""
    library = bibtexparser.Library()
    for reference in references:
        entry_type, fields = bibtex_fields(reference, curated=curated)
        library.add(
            Entry(
                entry_type,
                reference.citekey,
                [Field(name, value, enclosing=_ENCLOSING.get(name)) for name, value in fields],
            )
        )
    # The library is built here and thrown away: its blocks may be changed in place, which
    # spares bibtexparser a deep copy of every entry (slow on a large export).
    unparse = middlewares.default_unparse_stack(allow_inplace_modification=True)
    return bibtexparser.write_string(library, unparse_stack=unparse, bibtex_format=_FORMAT).lstrip()


def _bibtex_format() -> BibtexFormat:
    layout = BibtexFormat()
    layout.indent = "  "
    layout.value_column = "auto"
    layout.block_separator = "\n"
    return layout


_FORMAT = _bibtex_format()
