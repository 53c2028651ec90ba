"""The bibliography's pages: the filtered list with its exports, a reference, its BibTeX."""

from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from atlas.caching import LINKS, cached
from atlas.downloads import error_response, export_filename, results_response
from atlas.pagination import REFERENCES_PER_PAGE, paginate
from interfaces.models import ElectrolyteFamily, Measurement, Source, Study

from .bibtex import write_bibtex
from .exports import BIBLIOGRAPHY_FORMATS, bibliography_response, reference_json
from .filters import ReferenceFilter
from .models import FOUNDING_REVIEW, Authorship, Reference

REFERENCE_FORMATS = ("json", *BIBLIOGRAPHY_FORMATS)
# The orders the list offers; the first is the default.
REFERENCE_SORTS = {
    "-year": ("Newest first", [F("year").desc(nulls_last=True), "citekey"]),
    "year": ("Oldest first", [F("year").asc(nulls_last=True), "citekey"]),
    "author": ("First author, A–Z", [F("first_author").asc(nulls_last=True), "-year", "citekey"]),
    "-author": ("First author, Z–A", [F("first_author").desc(nulls_last=True), "-year", "citekey"]),
    "-studies": ("Most studies first", ["-study_count", "-year", "citekey"]),
    "studies": ("Fewest studies first", ["study_count", "-year", "citekey"]),
}


@require_safe
def reference_list(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "")
    if fmt and fmt not in REFERENCE_FORMATS:
        return error_response({"format": [f"Choose one of: {', '.join(REFERENCE_FORMATS)}."]})
    sort = request.GET.get("sort", "-year")
    sort_note = (
        "" if sort in REFERENCE_SORTS else f"“{sort[:30]}” is not an order this list offers: newest first."
    )
    sort = sort if sort in REFERENCE_SORTS else "-year"
    first = Authorship.objects.filter(reference=OuterRef("pk"), position=1).values("author__family")[:1]
    # Each paper's studies counted by a subquery, not a join grouped over every paper: a page's
    # ids are then read from the year's and the key's indexes, and only its rows are counted
    # (the "most studies" orders count every paper, as they must).
    studies = Study.objects.filter(reference=OuterRef("pk")).order_by().values("reference")
    queryset = (
        Reference.objects.with_authors()
        .annotate(
            study_count=Coalesce(Subquery(studies.annotate(n=Count("pk")).values("n")[:1]), 0),
            first_author=Subquery(first),
        )
        .order_by(*REFERENCE_SORTS[sort][1])
    )
    references = ReferenceFilter(request.GET, queryset=queryset)
    if fmt and request.GET.get("selection") and not request.GET.getlist("citekey"):
        # The row-selection form sent no ticked row: say so instead of exporting everything.
        references.is_valid()
        references.form.add_error(None, "Tick at least one row to export a selection.")
        fmt = ""
    if not references.is_valid():
        if fmt:
            return error_response({field: list(errors) for field, errors in references.errors.items()})
        context = {"filter": references, "invalid": True, "export_formats": REFERENCE_FORMATS}
        return render(request, "references/reference_list.html", context, status=400)
    if fmt == "json":
        results = [reference_json(reference) for reference in references.qs]
        return results_response(results, export_filename("interphase-atlas-references", request.GET))
    if fmt:
        filename = export_filename("interphase-atlas-references", request.GET)
        return bibliography_response(request, references.qs, fmt, filename)
    # A paper's row is drawn once for its version (studies counted under which studies there are
    # and the paper each is listed under):
    # the page reads its papers' keys, and reads them whole only to draw the rows the cache lacks.
    found = references.qs
    count = cached("reference-count", str(found.order_by().query), found.order_by().count, reads=LINKS)
    light = Reference.objects.only("id", "version", "updated_at")
    page, page_note = paginate(request, found, REFERENCES_PER_PAGE, count=count, reads=LINKS, rows=light)
    q = references.form.cleaned_data.get("q") or ""
    light = list(page.object_list)
    keys = [f"{r.pk}.{r.version}.{r.updated_at.isoformat()}" for r in light]

    def whole() -> list[Reference]:
        read = found.in_bulk([r.pk for r in light])
        return [read[r.pk] for r in light if r.pk in read]

    # The page's papers whole (authors, study counts), read only if the rows are drawn.
    page.object_list = SimpleLazyObject(whole)

    shown = request.GET.copy()  # the search's marks, the sort and the headers' links
    shown.pop("page", None)
    context = {
        "rows_key": f"{shown.urlencode()}|{','.join(keys)}",
        "rows": page.object_list,
        "filter": references,
        "q": q,
        # A search that found no paper may still find studies: the study list searches more.
        "studies_found": Study.objects.search(q).count() if q and not page.paginator.count else None,
        "filtered_beyond_q": any(
            v for key, values in request.GET.lists() if key not in {"q", "page", "sort"} for v in values
        ),
        "page_obj": page,
        "page_note": page_note,
        "active": any(v for key, values in request.GET.lists() if key != "page" for v in values),
        "export_formats": REFERENCE_FORMATS,
        "sort": sort,
        "sort_label": REFERENCE_SORTS[sort][0].lower(),
        "sort_note": sort_note,
        "founding_review": FOUNDING_REVIEW,
    }
    return render(request, "references/reference_list.html", context)


def _reference(citekey: str) -> Reference:
    return get_object_or_404(Reference.objects.with_authors(), citekey=citekey)


@require_safe
def reference_detail(request: HttpRequest, citekey: str) -> HttpResponse:
    reference = _reference(citekey)
    studies = Study.objects.for_list().filter(reference=reference).order_by("pk")
    context = {"reference": reference, "studies": studies, "bibtex": write_bibtex([reference])}
    if reference.citekey == FOUNDING_REVIEW:
        context |= _taken_from_the_review()
    return render(request, "references/reference_detail.html", context)


def _taken_from_the_review() -> dict:
    """What the atlas took from its founding review: each electrolyte family's stability against
    Li (its §2.2) and the studies of other papers whose figures were read in the review."""
    read_in_review = Measurement.objects.filter(study=OuterRef("pk"), source=Source.REVIEW)
    return {
        # The review's §2.2 is where each family's stability was read; the paper it cites for it
        # is the family's stability reference.
        "stability_of": ElectrolyteFamily.objects.filter(stability_locator__startswith="review")
        .select_related("stability_reference")
        .order_by("position", "label"),
        "figures_from_review": Study.objects.for_list()
        .filter(Exists(read_in_review))
        .order_by("-reference__year", "pk"),
    }


@require_safe
def reference_bib(request: HttpRequest, citekey: str) -> HttpResponse:
    return bibliography_response(request, [_reference(citekey)], "bib", citekey)
