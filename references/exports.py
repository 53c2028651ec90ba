"""Bibliography downloads (BibTeX, …) and the JSON form of a reference, shared by both apps."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpResponse, JsonResponse

from .bibtex import write_bibtex
from .csl import write_csl
from .models import Reference
from .ris import write_ris

# format parameter -> (writer, content type, file extension)
BIBLIOGRAPHY_FORMATS: dict[str, tuple[Callable[[Iterable[Reference]], str], str, str]] = {
    "bib": (write_bibtex, "application/x-bibtex; charset=utf-8", "bib"),
    "ris": (write_ris, "application/x-research-info-systems; charset=utf-8", "ris"),
    "csl": (write_csl, "application/vnd.citationstyles.csl+json; charset=utf-8", "csl.json"),
}


def bibliography_response(references: Iterable[Reference], fmt: str, filename: str) -> HttpResponse:
    """A download of references (prefetched with_authors()) in a bibliography format."""
    writer, content_type, extension = BIBLIOGRAPHY_FORMATS[fmt]
    response = HttpResponse(writer(references), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    return response


def reference_json(reference: Reference) -> dict:
    return {
        "citekey": reference.citekey,
        "doi": reference.doi,
        "doi_url": reference.doi_url,
        "title": reference.title,
        "authors": [str(author) for author in reference.author_list],
        "journal": reference.journal,
        "year": reference.year,
    }


def results_response(results: list[dict], filename: str) -> JsonResponse:
    """The SPEC's {"count", "results"} document, shown inline but saved under a sensible name."""
    response = JsonResponse(
        {"count": len(results), "results": results}, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'inline; filename="{filename}.json"'
    return response


def error_response(errors: dict[str, list[str]]) -> JsonResponse:
    """400 for an export asked with bad parameters: which parameter, and why."""
    return JsonResponse({"error": "invalid parameters", "errors": errors}, status=400)
