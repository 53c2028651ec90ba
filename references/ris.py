"""RIS export, for EndNote, Mendeley and Zotero users."""

import re

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


def _line(tag: str, value) -> str:
    # One line per tag: RIS has no continuation lines.
    return f"{tag}  - " + " ".join(str(value).split())


def ris_lines(reference: Reference) -> list[str]:
    """The RIS record of one reference (prefetched with ReferenceQuerySet.with_authors())."""
    ris_type = RIS_TYPES[EntryType(reference.entry_type)]
    lines = [_line("TY", ris_type), _line("ID", reference.citekey)]
    lines += [_line("AU", author.inverted) for author in reference.author_list]
    lines.append(_line("TI", reference.title))
    if reference.journal:
        lines.append(_line(_VENUE_TAG.get(ris_type, "T2"), reference.journal))
    if reference.publisher:
        lines.append(_line("PB", reference.publisher))
    if reference.year:
        month = f"{reference.month:02d}" if reference.month else ""
        lines.append(_line("PY", reference.year))
        lines.append(_line("DA", f"{reference.year}/{month}//"))
    for tag, value in (("VL", reference.volume), ("IS", reference.number)):
        if value:
            lines.append(_line(tag, value))
    if reference.pages:
        first, _, last = re.sub(r"\s*[-–—]+\s*", "-", reference.pages.strip()).partition("-")
        lines.append(_line("SP", first))
        if last:
            lines.append(_line("EP", last))
    if reference.doi:
        lines.append(_line("DO", reference.doi))
    if reference.url or reference.doi:
        lines.append(_line("UR", reference.url or reference.doi_url))
    if reference.abstract:
        lines.append(_line("AB", reference.abstract))
    lines.append("ER  - ")
    return lines


def write_ris(references) -> str:
    """RIS for references (prefetched with with_authors()), with the CRLF line ends RIS asks for."""
    records = ["\r\n".join(ris_lines(reference)) for reference in references]
    return "".join(record + "\r\n\r\n" for record in records)
