"""A paper's BibTeX from Crossref, by DOI (content negotiation through Crossref's REST API)."""

from urllib.parse import quote

import requests

from .doi import InvalidDOI, normalize_doi

ENDPOINT = "https://api.crossref.org/works/{doi}/transform/application/x-bibtex"
USER_AGENT = "InterphaseAtlas/1.0 (curation admin; https://github.com/)"
TIMEOUT_SECONDS = 10


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
        response = requests.get(url, headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT_SECONDS)
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
