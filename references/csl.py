"""CSL-JSON export, for Zotero, pandoc and citeproc users."""

import json
import re
from collections.abc import Iterable, Iterator

from .models import EntryType, Reference

CSL_TYPES = {
    EntryType.ARTICLE: "article-journal",
    EntryType.BOOK: "book",
    EntryType.INBOOK: "chapter",
    EntryType.INCOLLECTION: "chapter",
    EntryType.INPROCEEDINGS: "paper-conference",
    EntryType.PHDTHESIS: "thesis",
    EntryType.MASTERSTHESIS: "thesis",
    EntryType.TECHREPORT: "report",
    EntryType.ONLINE: "webpage",
    EntryType.MISC: "document",
}


def csl_item(reference: Reference) -> dict:
    """The CSL-JSON item of one reference (prefetched with ReferenceQuerySet.with_authors())."""
    item = {"id": reference.citekey, "type": CSL_TYPES[EntryType(reference.entry_type)]}
    item["author"] = [
        {"family": author.family, "given": author.given} if author.given else {"literal": author.family}
        for author in reference.author_list
    ]
    item["title"] = reference.title
    if reference.journal:
        item["container-title"] = reference.journal
    if reference.year:
        item["issued"] = {
            "date-parts": [[reference.year, reference.month] if reference.month else [reference.year]]
        }
    for key, value in (
        ("publisher", reference.publisher),
        ("volume", reference.volume),
        ("issue", reference.number),
        ("DOI", reference.doi),
        ("URL", reference.url),
        ("abstract", reference.abstract),
    ):
        if value:
            item[key] = value
    if reference.pages:
        item["page"] = re.sub(r"\s*[-–—]+\s*", "-", reference.pages.strip())
    return item


def csl_chunks(batches: Iterable[Iterable[Reference]]) -> Iterator[str]:
    """A CSL-JSON array of references, one item at a time: its brackets come once."""
    yield "["
    separator = "\n"
    for batch in batches:
        for reference in batch:
            yield separator + json.dumps(csl_item(reference), ensure_ascii=False, indent=1)
            separator = ",\n"
    yield "\n]\n"


def write_csl(references) -> str:
    """A CSL-JSON array of references (prefetched with with_authors())."""
    return "".join(csl_chunks([references]))
