"""What every download shares: its file name, and the JSON answers of an export."""

from django.http import JsonResponse
from django.utils import timezone
from django.utils.text import slugify

# Parameters that do not choose rows, and so do not name the file.
NOT_IN_FILE_NAME = {"format", "page", "sort", "selection", "bom", "page_size"}
# Parameters that choose rows one by one: the file holds "a selection".
SELECTING = {"id", "citekey"}


def export_filename(stem: str, params, slugs: frozenset[str] = frozenset()) -> str:
    """The download's name: what it holds, by its filter, and the day it was taken, e.g.
    interphase-atlas-studies-garnet-2026-11-25 (a selection of rows reads "selection").
    slugs: the parameters whose values are slugs, which name themselves."""
    parts = []
    for key in sorted(params):
        if key in NOT_IN_FILE_NAME:
            continue
        if key in SELECTING:
            parts.append("selection")
            continue
        for value in params.getlist(key):
            # Slugs name themselves (garnet); a number or a search says what it is (ccd-min-0-5).
            named = value if key in slugs else f"{key} {value}".replace(".", "-").replace("_", "-")
            part = slugify(named)
            if value.strip() and part:
                parts.append(part)
    name = "-".join(dict.fromkeys(parts))[:60].strip("-")
    return "-".join(part for part in (stem, name, timezone.localdate().isoformat()) if part)


def results_response(results: list[dict], filename: str) -> JsonResponse:
    """The {"count", "results"} document of docs/contract.md, shown inline but saved under a sensible name."""
    response = JsonResponse(
        {"count": len(results), "results": results}, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'inline; filename="{filename}.json"'
    return response


def error_response(errors: dict[str, list[str]]) -> JsonResponse:
    """400 for an export asked with bad parameters: which parameter, and why."""
    return JsonResponse({"error": "invalid parameters", "errors": errors}, status=400)
