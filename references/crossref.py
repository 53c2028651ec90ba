"""Crossref's REST API: a paper's BibTeX by DOI (content negotiation), a DOI's metadata and
abstract, and the works whose bibliographic data match a title.

Crossref asks its users to say who they are: the `CROSSREF_MAILTO` setting is sent as the
`mailto` parameter and in the User-Agent, which puts the atlas in Crossref's "polite" pool.
Every failure is a CrossrefError whose message a curator can act on; nothing is ever saved
from an answer without a curator's confirmation.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import requests
from django.conf import settings

from .doi import InvalidDOI, normalize_doi

API = "https://api.crossref.org"
ENDPOINT = API + "/works/{doi}/transform/application/x-bibtex"
WORK = API + "/works/{doi}"
WORKS = API + "/works"
TIMEOUT_SECONDS = 10
CANDIDATES = 5  # the works offered for a title


def _mailto() -> str:
    return getattr(settings, "CROSSREF_MAILTO", "")


def user_agent() -> str:
    mailto = _mailto()
    return "InterphaseAtlas/1.0 (curation admin" + (f"; mailto:{mailto}" if mailto else "") + ")"


class CrossrefError(Exception):
    """Crossref could not give the BibTeX; the message says why, for a curator."""


def fetch_bibtex(doi: str) -> str:
    """The BibTeX Crossref holds for `doi`; raises CrossrefError with a plain reason."""
    try:
        doi = normalize_doi(doi)
    except InvalidDOI as exc:
        raise CrossrefError(f"“{doi}” is not a DOI ({exc}).") from exc
    url = ENDPOINT.format(doi=quote(doi, safe="/"))
    try:
        response = requests.get(url, headers={"User-Agent": user_agent()}, timeout=TIMEOUT_SECONDS)
    except requests.ConnectionError as exc:
        raise CrossrefError(
            "Crossref could not be reached (no network connection). Nothing was saved; "
            "paste the paper's BibTeX instead."
        ) from exc
    except requests.Timeout as exc:
        raise CrossrefError(
            f"Crossref did not answer within {TIMEOUT_SECONDS} s. Nothing was saved; try again later "
            "or paste the paper's BibTeX."
        ) from exc
    except requests.RequestException as exc:
        raise CrossrefError(f"Crossref could not be asked ({exc}). Nothing was saved.") from exc
    if response.status_code == 404:
        raise CrossrefError(f"Crossref has no record of the DOI {doi}. Check it, or paste the BibTeX.")
    if response.status_code != 200:
        raise CrossrefError(
            f"Crossref answered with an error (HTTP {response.status_code}). Nothing was saved."
        )
    text = response.content.decode("utf-8", errors="replace").strip()
    if not text.startswith("@"):
        raise CrossrefError("Crossref's answer was not BibTeX. Nothing was saved; paste the BibTeX instead.")
    return text


@dataclass
class Work:
    """A work as Crossref records it, in the atlas's own fields."""

    doi: str
    title: str = ""
    authors: list[tuple[str, str]] = field(default_factory=list)  # (family, given)
    journal: str = ""
    publisher: str = ""
    year: int | None = None
    volume: str = ""
    number: str = ""
    pages: str = ""
    abstract: str = ""
    kind: str = ""  # Crossref's type: journal-article, proceedings-article …

    @property
    def author_text(self) -> str:
        return "; ".join(f"{family}, {given}" if given else family for family, given in self.authors)


def _text(value) -> str:
    """Crossref's abstract as text: its "Abstract" heading and its JATS markup dropped."""
    if isinstance(value, list):
        value = value[0] if value else ""
    value = re.sub(r"<jats:title>.*?</jats:title>", " ", str(value or ""), flags=re.DOTALL)
    # A paragraph or section ends with a space; inline markup (jats:sub, jats:italic) joins.
    value = re.sub(r"</?(?:jats:)?(?:p|sec|list|list-item|break)\b[^>]*>", " ", value)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", value)).split())


def _joined(value) -> str:
    """Text whose markup sits inside words (Li<sub>7</sub>La): the markup dropped, not spaced."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", str(value or ""))).split())


def work_of(message: dict) -> Work:
    """A Work from one item of Crossref's JSON (a `work` message or an item of a `work-list`)."""
    issued = (message.get("issued") or message.get("published") or {}).get("date-parts") or [[None]]
    year = issued[0][0] if issued and issued[0] else None
    authors = []
    for person in message.get("author", []):
        if person.get("family"):
            authors.append((_joined(person["family"]), _joined(person.get("given", ""))))
        elif person.get("name"):
            authors.append((_joined(person["name"]), ""))
    return Work(
        doi=str(message.get("DOI", "")).lower(),
        title=_joined(message.get("title")),
        authors=authors,
        journal=_joined(message.get("container-title")),
        publisher=_joined(message.get("publisher")),
        year=year if isinstance(year, int) else None,
        volume=_joined(message.get("volume")),
        number=_joined(message.get("issue")),
        pages=re.sub(r"(?<=\w)-(?=\w)", "–", _joined(message.get("page"))),
        abstract=_text(message.get("abstract")),
        kind=str(message.get("type", "")),
    )


def _get_json(url: str, params: dict, *, missing: str) -> dict:
    params = {**params, **({"mailto": _mailto()} if _mailto() else {})}
    try:
        response = requests.get(
            url, params=params, headers={"User-Agent": user_agent()}, timeout=TIMEOUT_SECONDS
        )
    except requests.ConnectionError as exc:
        raise CrossrefError(
            "Crossref could not be reached (no network connection). Nothing was changed."
        ) from exc
    except requests.Timeout as exc:
        raise CrossrefError(
            f"Crossref did not answer within {TIMEOUT_SECONDS} s. Nothing was changed; try again later."
        ) from exc
    except requests.RequestException as exc:
        raise CrossrefError(f"Crossref could not be asked ({exc}). Nothing was changed.") from exc
    if response.status_code == 404:
        raise CrossrefError(missing)
    if response.status_code != 200:
        raise CrossrefError(
            f"Crossref answered with an error (HTTP {response.status_code}). Nothing was changed."
        )
    try:
        return response.json()["message"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CrossrefError("Crossref's answer could not be read. Nothing was changed.") from exc


def fetch_work(doi: str) -> Work:
    """The metadata and abstract Crossref holds for a DOI."""
    try:
        doi = normalize_doi(doi)
    except InvalidDOI as exc:
        raise CrossrefError(f"“{doi}” is not a DOI ({exc}).") from exc
    message = _get_json(
        WORK.format(doi=quote(doi, safe="/")), {}, missing=f"Crossref has no record of the DOI {doi}."
    )
    return work_of(message)


def search_works(title: str, *, author: str = "", year: int | None = None) -> list[Work]:
    """The works whose bibliographic data best match a title (and first author, year), best first."""
    query = " ".join(part for part in (title, author, str(year or "")) if part)
    message = _get_json(
        WORKS,
        {"query.bibliographic": query, "rows": CANDIDATES},
        missing="Crossref could not search its works just now. Nothing was changed.",
    )
    return [work_of(item) for item in message.get("items", []) if item.get("DOI")]
