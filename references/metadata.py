"""A paper's metadata as reference managers and search engines read it from a page: Highwire
`citation_*` tags, schema.org JSON-LD and COinS, all built from the reference's CSL-JSON item."""

import json
from urllib.parse import urlencode

from .csl import csl_item
from .models import Reference

SCHEMA_TYPES = {
    "article-journal": "ScholarlyArticle",
    "paper-conference": "ScholarlyArticle",
    "book": "Book",
    "chapter": "Chapter",
    "thesis": "Thesis",
    "report": "Report",
}
BOOK_TYPES = {"book", "chapter"}
HIGHWIRE_CONTAINER = {
    "chapter": "citation_inbook_title",
    "paper-conference": "citation_conference_title",
    "thesis": "citation_dissertation_institution",  # a thesis's container is its university
    "report": "citation_technical_report_institution",
}
# Written as \uXXXX inside a JSON-LD block, so no text of a record can end the <script>.
JSON_IN_HTML = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _date(item: dict, separator: str) -> str:
    """ "2021" or, with its month, "2021/03" (Highwire) or "2021-03" (schema.org, OpenURL)."""
    parts = item.get("issued", {}).get("date-parts", [[]])[0]
    return separator.join(f"{part:02d}" if i else str(part) for i, part in enumerate(parts))


def _pages(item: dict) -> tuple[str, str]:
    """First and last page; an article number is a first page alone."""
    first, _, last = item.get("page", "").partition("-")
    return first, last


def _author_names(item: dict) -> list[tuple[str, str]]:
    """(family, given) of each author in order; a literal name is all family."""
    return [(a.get("family") or a.get("literal", ""), a.get("given", "")) for a in item["author"]]


def highwire(reference: Reference) -> list[tuple[str, str]]:
    """The Highwire Press `citation_*` tags Zotero, Mendeley and Google Scholar read, as (name,
    content) pairs in order; a field the reference lacks gives no tag."""
    item = csl_item(reference)
    tags = [("citation_title", item["title"])]
    tags += [
        ("citation_author", f"{family}, {given}" if given else family)
        for family, given in _author_names(item)
    ]
    date = _date(item, "/")
    tags += [("citation_publication_date", date), ("citation_date", date)]
    # The container's tag names the kind of work for Zotero's Embedded Metadata translator: a journal
    # title makes a journal article, a conference a conference paper, a book title a book
    # section, a thesis's university a thesis and a report's institution a report.
    container = HIGHWIRE_CONTAINER.get(item["type"], "citation_journal_title")
    first, last = _pages(item)
    tags += [
        (container, item.get("container-title", "")),
        ("citation_volume", item.get("volume", "")),
        ("citation_issue", item.get("issue", "")),
        ("citation_firstpage", first),
        ("citation_lastpage", last),
        ("citation_doi", item.get("DOI", "")),
        ("citation_publisher", item.get("publisher", "")),
        ("citation_abstract", item.get("abstract", "")),
    ]
    return [(name, str(content)) for name, content in tags if content]


def doi_url(item: dict) -> str:
    return f"https://doi.org/{item['DOI']}" if item.get("DOI") else ""


def scholarly_article(reference: Reference) -> dict:
    """The schema.org record of the paper (ScholarlyArticle, or Book, Chapter … by its type)."""
    item = csl_item(reference)
    record = {"@context": "https://schema.org", "@type": SCHEMA_TYPES.get(item["type"], "CreativeWork")}
    record["name"] = item["title"]
    record["author"] = [
        {"@type": "Person", "name": f"{given} {family}".strip()}
        | ({"familyName": family, "givenName": given} if given else {})
        for family, given in _author_names(item)
    ]
    if date := _date(item, "-"):
        record["datePublished"] = date
    part_of = {}
    if item.get("container-title"):
        part_of = {"@type": "Periodical", "name": item["container-title"]}
        if item["type"] in BOOK_TYPES:
            part_of["@type"] = "Book"
    if item.get("volume"):
        part_of = {"@type": "PublicationVolume", "volumeNumber": item["volume"]} | (
            {"isPartOf": part_of} if part_of else {}
        )
    if item.get("issue"):
        part_of = {"@type": "PublicationIssue", "issueNumber": item["issue"]} | (
            {"isPartOf": part_of} if part_of else {}
        )
    if part_of:
        record["isPartOf"] = part_of
    first, last = _pages(item)
    if first:
        record["pagination"] = item["page"]
        record["pageStart"] = first
    if last:
        record["pageEnd"] = last
    if item.get("publisher"):
        record["publisher"] = {"@type": "Organization", "name": item["publisher"]}
    if url := doi_url(item):
        record["identifier"] = {
            "@type": "PropertyValue",
            "propertyID": "DOI",
            "value": item["DOI"],
            "url": url,
        }
        record["sameAs"] = url
    elif item.get("URL"):
        record["url"] = item["URL"]
    return record


def json_ld(record: dict) -> str:
    """A record as the text of a `<script type="application/ld+json">`: `<`, `>` and `&` escaped,
    so a title holding `</script>` stays inside it."""
    return json.dumps(record, ensure_ascii=False).translate(JSON_IN_HTML)


def coins(reference: Reference) -> str:
    """The reference as an OpenURL ContextObject in KEV form: the title of a COinS span."""
    item = csl_item(reference)
    is_book = item["type"] in BOOK_TYPES
    is_thesis = item["type"] == "thesis"
    kev_format = "book" if is_book else "dissertation" if is_thesis else "journal"
    fields = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", f"info:ofi/fmt:kev:mtx:{kev_format}"),
    ]
    if doi := item.get("DOI"):
        fields.append(("rft_id", f"info:doi/{doi}"))
    genre = {"book": "book", "chapter": "bookitem", "paper-conference": "proceeding", "report": "report"}.get(
        item["type"], "article"
    )
    if not is_thesis:  # the dissertation format has no genre
        fields.append(("rft.genre", genre))
    title_key = "rft.btitle" if item["type"] == "book" else "rft.title" if is_thesis else "rft.atitle"
    # A thesis's university is its institution; a report's institution, its publisher.
    container_key = {"thesis": "rft.inst", "report": "rft.pub"}.get(
        item["type"], "rft.btitle" if is_book else "rft.jtitle"
    )
    first, last = _pages(item)
    fields += [
        (title_key, item["title"]),
        (container_key, item.get("container-title", "")),
        ("rft.volume", item.get("volume", "")),
        ("rft.issue", item.get("issue", "")),
        ("rft.spage", first),
        ("rft.epage", last),
        ("rft.pages", item.get("page", "")),
        ("rft.date", _date(item, "-")),
        ("rft.pub", item.get("publisher", "")),
    ]
    # Every author as rft.au, "Family, Given": one form for all, so none is read twice.
    fields += [("rft.au", f"{family}, {given}" if given else family) for family, given in _author_names(item)]
    return urlencode([(key, str(value)) for key, value in fields if value])
