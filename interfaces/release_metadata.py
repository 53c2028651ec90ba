"""What a data release says about itself to machines: a Frictionless Data Package
(`datapackage.json`, the CSV's columns as a Table Schema), Zenodo's deposition metadata
(`.zenodo.json`) and schema.org `Dataset` JSON-LD for the pages. Every column is read from
the CSV writer's own declaration (exports/as_csv.py), so the schema and the file cannot differ.
"""

from __future__ import annotations

import json
import re

from django.utils.safestring import SafeString, mark_safe

from references.doi import doi_url
from references.models import Reference

from .exports.as_csv import CSV_COLUMNS
from .fields import CHOICE, DATE, DERIVED, ID, NUMBER, TEXT

TITLE = "Interphase Atlas: strategies that stabilise the lithium-metal / solid-electrolyte interface"
CURATORS = "Interphase Atlas curators"
DESCRIPTION = (
    "A curated literature database of the strategies that stabilise the interface between lithium-metal "
    "anodes and solid electrolytes in all-solid-state batteries (interlayers, electrolyte compositions, "
    "anode designs, stack pressure), with the figures each paper reports, the test conditions they were "
    "measured under and where in the paper each was read."
)
KEYWORDS = (
    "lithium metal anode",
    "solid electrolyte",
    "all-solid-state battery",
    "interphase",
    "interlayer",
    "critical current density",
    "interfacial resistance",
    "literature database",
)
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_ID = "CC-BY-4.0"  # SPDX; Zenodo spells it in lower case
# A file's media type, by how its name ends (the first that matches).
MEDIA_TYPES = (
    ("-csl.json", "json", "application/vnd.citationstyles.csl+json"),
    (".json", "json", "application/json"),
    (".csv", "csv", "text/csv"),
    (".bib", "bib", "application/x-bibtex"),
    (".yaml", "yaml", "application/yaml"),
    (".cff", "cff", "application/yaml"),
    (".md", "md", "text/markdown"),
)
TABLE_TYPES = {ID: "integer", NUMBER: "number", DATE: "datetime", TEXT: "string", CHOICE: "string"}


def media_type(name: str) -> tuple[str, str]:
    """A release file's format and media type."""
    found = ((fmt, media) for end, fmt, media in MEDIA_TYPES if name.endswith(end))
    return next(found, ("txt", "text/plain"))


def table_schema() -> dict:
    """The CSV's columns, in the header's order, as a Table Schema."""
    fields = []
    for column in CSV_COLUMNS:
        field = {
            "name": column.name,
            "type": TABLE_TYPES.get(column.kind, "string"),
            "description": column.description,
        }
        if column.kind == DERIVED:
            field["description"] += " Derived from the row's other columns."
        if column.unit:
            field["unit"] = column.unit
        if column.unit_column:
            field["description"] += f" Its unit is named in the same row's `{column.unit_column}` column."
            field["unitColumn"] = column.unit_column
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


def _resource_name(path: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", path.lower())


def data_package(release, base_url: str, review: Reference | None) -> dict:
    """The release as a Frictionless Data Package: every file a resource, the CSV a table."""
    resources = []
    for f in release.files:
        fmt, media = media_type(f.name)
        resource = {
            "name": _resource_name(f.name),
            "path": f.name,
            "title": f.name,
            "description": f.description,
            "format": fmt,
            "mediatype": media,
            "encoding": "utf-8",
            "bytes": f.size,
            "hash": f"sha256:{f.sha256}",
            "licenses": [_licence()],
        }
        if fmt == "csv":
            # The byte-order mark Excel needs is read as part of the UTF-8 encoding.
            resource |= {
                "profile": "tabular-data-resource",
                "encoding": "utf-8-sig",
                "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
                "schema": table_schema(),
            }
        resources.append(resource)
    package = {
        "profile": "data-package",
        "name": "interphase-atlas",
        "id": doi_url(release.doi) if release.doi else f"{base_url}/data/#release-{release.version}",
        "title": f"{TITLE}, data release {release.version}",
        "description": DESCRIPTION,
        "version": release.version,
        "created": f"{release.date}T00:00:00Z",
        "homepage": f"{base_url}/",
        "keywords": list(KEYWORDS),
        "licenses": [_licence()],
        "contributors": [{"title": CURATORS, "role": "author", "path": f"{base_url}/about/"}],
        "resources": resources,
    }
    if review is not None:
        package["sources"] = [_review_source(review, base_url)]
    return package


def _licence() -> dict:
    return {"name": LICENCE_ID, "path": LICENCE_URL, "title": LICENCE}


def _review_source(review: Reference, base_url: str) -> dict:
    path = doi_url(review.doi) if review.doi else base_url + review.get_absolute_url()
    return {"title": f"{review.title} ({review.journal}, {review.year})", "path": path}


def zenodo_metadata(
    version: str, released: str, base_url: str, review: Reference | None, doi: str = ""
) -> dict:
    """Zenodo's deposition metadata for the release, so a data repository can mint its DOI."""
    metadata = {
        "title": f"{TITLE}, data release {version}",
        "upload_type": "dataset",
        "description": f"<p>{DESCRIPTION}</p><p>Every figure says where it was read and under which "
        f"test conditions. The files, their checksums and how to cite them: "
        f"{base_url}/data/#release-{version}</p>",
        "creators": [{"name": CURATORS}],
        "access_right": "open",
        "license": LICENCE_ID.lower(),
        "version": version,
        "publication_date": released,
        "keywords": list(KEYWORDS),
        "related_identifiers": [
            {"identifier": f"{base_url}/", "relation": "isSupplementTo", "resource_type": "other"},
        ],
    }
    if review is not None and review.doi:
        metadata["related_identifiers"].append(
            {"identifier": review.doi, "relation": "isDerivedFrom", "resource_type": "publication-article"}
        )
    if doi:
        metadata["doi"] = doi
    return metadata


def dataset(release, base_url: str, review: Reference | None) -> dict:
    """A release as a schema.org Dataset: what a dataset search engine reads."""
    page = f"{base_url}/data/#release-{release.version}"
    item = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": page,
        "name": f"{TITLE}, data release {release.version}",
        "description": DESCRIPTION,
        "url": page,
        "version": release.version,
        "datePublished": release.date,
        "license": _licence()["path"],
        "isAccessibleForFree": True,
        "keywords": list(KEYWORDS),
        "creator": {"@type": "Organization", "name": CURATORS, "url": f"{base_url}/about/"},
        "publisher": {"@type": "Organization", "name": "Interphase Atlas", "url": f"{base_url}/"},
        "distribution": [
            {
                "@type": "DataDownload",
                "name": f.name,
                "contentUrl": f"{base_url}/data/{release.version}/{f.name}",
                "encodingFormat": media_type(f.name)[1],
                "contentSize": f"{f.size} B",
                "sha256": f.sha256,
                "description": f"{f.description} SHA-256: {f.sha256}",
            }
            for f in release.files
        ],
    }
    if release.doi:
        item["identifier"] = doi_url(release.doi)
    if review is not None:
        citation = {
            "@type": "ScholarlyArticle",
            "name": review.title,
            "author": [str(author) for author in review.author_list],
            "datePublished": str(review.year or ""),
            "isPartOf": review.journal,
        }
        if review.doi:
            citation["identifier"] = doi_url(review.doi)
        item["citation"] = citation
    return item


def datasets(releases, base_url: str, review: Reference | None) -> dict:
    """Several releases as one JSON-LD graph of Datasets, newest first."""
    items = [dataset(release, base_url, review) for release in releases]
    for item in items:
        del item["@context"]
    return {"@context": "https://schema.org", "@graph": items}


# As django.utils.html.json_script escapes: no text can close the script or open a comment.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data: dict | list) -> SafeString:
    """A `<script type="application/ld+json">` holding `data`, safe whatever its texts say."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308
