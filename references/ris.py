"""RIS export, for EndNote, Mendeley and Zotero users, written by rispy."""

import re

import rispy

from .models import EntryType, Reference

RIS_TYPES = {
    EntryType.ARTICLE: "JOUR",
    EntryType.BOOK: "BOOK",
    EntryType.INBOOK: "CHAP",
    EntryType.INCOLLECTION: "CHAP",
    EntryType.INPROCEEDINGS: "CPAPER",
    EntryType.PHDTHESIS: "THES",
    EntryType.MASTERSTHESIS: "THES",
    EntryType.TECHREPORT: "RPRT",
    EntryType.ONLINE: "ELEC",
    EntryType.MISC: "GEN",
}
# The journal, book or proceedings title is the secondary title (T2, as Zotero writes it);
# a thesis names its university and a report its institution as publisher.
_VENUE_TAG = {"THES": "PB", "RPRT": "PB"}


class _AtlasRisWriter(rispy.RisWriter):
    """rispy's writer, as the contract fixes the file: CRLF line ends, no record numbers, and
    `PB` a tag that may repeat (a thesis's university, then its publisher)."""

    NEWLINE = "\r\n"
    SEPARATOR = None
    DEFAULT_LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "PB"]

    def set_header(self, count: int) -> str:
        return ""


_WRITER = _AtlasRisWriter()


def _one_line(value) -> str:
    # RIS has no continuation lines: a value's line breaks and runs of spaces become one space.
    return " ".join(str(value).split())


def ris_entry(reference: Reference) -> dict:
    """One reference as rispy's entry (prefetched with ReferenceQuerySet.with_authors()), its
    keys in the order the record lists its tags."""
    ris_type = RIS_TYPES[EntryType(reference.entry_type)]
    entry = {"type_of_reference": ris_type, "id": reference.citekey}
    entry["authors"] = [author.inverted for author in reference.author_list]
    entry["title"] = reference.title
    publishers = [reference.publisher] if reference.publisher else []
    if reference.journal and _VENUE_TAG.get(ris_type) == "PB":
        publishers.insert(0, reference.journal)
    elif reference.journal:
        entry["secondary_title"] = reference.journal
    entry["publisher"] = publishers
    if reference.year:
        month = f"{reference.month:02d}" if reference.month else ""
        entry["year"] = reference.year
        entry["date"] = f"{reference.year}/{month}//"
    entry["volume"] = reference.volume
    entry["number"] = reference.number
    if reference.pages:
        first, _, last = re.sub(r"\s*[-–—]+\s*", "-", reference.pages.strip()).partition("-")
        entry["start_page"], entry["end_page"] = first, last
    entry["doi"] = reference.doi
    entry["urls"] = [reference.url or reference.doi_url] if (reference.url or reference.doi) else []
    entry["abstract"] = reference.abstract
    # A field without a value has no line.
    return {
        key: [_one_line(v) for v in value] if isinstance(value, list) else _one_line(value)
        for key, value in entry.items()
        if value not in ("", None, [])
    }


def write_ris(references) -> str:
    """RIS for references (prefetched with with_authors()), one blank line after each record."""
    return "".join(_WRITER.formats([ris_entry(reference)]) + "\r\n" for reference in references)
