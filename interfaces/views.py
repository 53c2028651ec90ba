"""The public pages: overview, the study list with its exports and charts, a study, electrolytes,
interlayers, comparison, matrix, readers' reports, data releases and about."""

import hashlib
from collections import Counter
from itertools import chain

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from atlas.caching import (
    CLASSES,
    EVERYTHING,
    LINKS,
    cached,
    cached_by_content,
    cached_by_part,
    cached_combined,
    read_once,
)
from atlas.clients import client_ip
from atlas.downloads import error_response, export_filename
from atlas.pagination import paginate
from references.bibtex import write_bibtex
from references.exports import BIBLIOGRAPHY_FORMATS, bibliography_response
from references.models import FOUNDING_REVIEW, Reference, authorships_in_order

from .charts import chart_data, chart_parts, combine_chart_parts, drawn, family_figures, family_strip, placed
from .compare import compared_ids, facts, figure_rows, stacks
from .exports import csv_response, json_response
from .filters import SLUG_PARAMETERS, StudyFilter, active_filters, facets, first_ranked, reads, reads_shared
from .forms import ReportForm, client_key
from .matrix import COLUMNS as MATRIX_COLUMNS
from .matrix import matrix
from .models import (
    READING_CHECKED,
    READING_UNCHECKED,
    SEARCH_FIELDS,
    STRATEGY_SECTIONS,
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Quantity,
    Report,
    Strategy,
    Study,
    StudyInterlayer,
    layers_in_order,
    paper_key,
    record_key,
    study_parts,
)
from .provenance import site_kind
from .release_metadata import dataset, datasets, json_ld
from .releases import CHECKSUMS, latest_release, list_releases, release_bibtex, release_citation
from .search import terms
from .suggest import suggestions
from .vocabularies import QUALIFIER_RULE, Source

RELATED_LIMIT = 8
STUDY_FORMATS = ("json", "csv", *BIBLIOGRAPHY_FORMATS)


def _light_studies() -> QuerySet:
    """Enough for a one-line mention of a study: materials and first author."""
    return (
        Study.objects.select_related("reference", "electrolyte")
        .defer(*SEARCH_FIELDS)
        .prefetch_related(
            Prefetch("layers", queryset=layers_in_order()),
            Prefetch("reference__authorships", queryset=authorships_in_order()),
        )
    )


def _overview_counts() -> dict:
    # The studies by family and by strategy are the unfiltered list's counts (kept part by part
    # of the studies, so a save recounts its own part alone); every study has one family.
    counted = {
        facet.param: {value.value: value.count for value in facet.values}
        for facet in facets(Study.objects.all(), QueryDict())
    }
    families = list(ElectrolyteFamily.objects.order_by("position", "label"))
    for family in families:
        family.study_count = counted["family"].get(family.slug, 0)
    # How many papers, electrolytes and materials: kept while only how studies are classified
    # changes (a count of every paper costs more than the rest).
    records = cached(
        "overview-records",
        "",
        lambda: {
            "references": Reference.objects.count(),
            "electrolytes": Electrolyte.objects.count(),
            "interlayers": InterlayerMaterial.objects.count(),
        },
        reads=LINKS,
    )
    return {
        "counts": {"studies": sum(counted["family"].values()), **records},
        "families": families,
        "strategies": [
            (strategy, STRATEGY_SECTIONS[strategy], counted["strategy"].get(strategy.value, 0))
            for strategy in Strategy
        ],
    }


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    review = Reference.objects.filter(citekey=FOUNDING_REVIEW).first()
    latest = latest_release()
    context = cached("overview", "", _overview_counts, reads=CLASSES) | {
        "recent": Study.objects.for_list().order_by("-created_at", "-pk")[:6],
        "review": review,
        # What a dataset search engine reads: the latest release, as the data page describes it.
        "dataset_json_ld": json_ld(dataset(latest, settings.SITE_URL, review)) if latest else "",
    }
    return render(request, "interfaces/overview.html", context)


@require_safe
def study_list(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "")
    if fmt and fmt not in STUDY_FORMATS:
        return error_response({"format": [f"Choose one of: {', '.join(STUDY_FORMATS)}."]})
    studies = StudyFilter(request.GET, queryset=Study.objects.for_list())
    selection_error = ""
    if fmt and request.GET.get("selection") and not request.GET.getlist("id"):
        # The row-selection form sent no ticked row: say so, on the list as it was filtered,
        # instead of exporting everything.
        selection_error = "Tick at least one row to export a selection."
    elif fmt:
        if not studies.is_valid():
            return error_response({field: list(errors) for field, errors in studies.errors.items()})
        return export_studies(studies.qs, fmt, request)
    if not studies.is_valid():
        context = {"filter": studies, "invalid": True, "export_formats": STUDY_FORMATS}
        return render(request, "interfaces/study_list.html", context, status=400)
    counts = facets(studies.qs, request.GET)
    # Every study has one electrolyte family: the family counts add up to the rows found.
    found = sum(value.count for facet in counts if facet.param == "family" for value in facet.values)
    # A row is drawn from the cache by its study's version: the page reads what keys it, and
    # study_rows reads the rest only for a row it must draw.
    rows = Study.objects.keyed()
    read, chosen = reads(request.GET), studies.form.cleaned_data
    first = first_ranked(read, chosen.get("q") or "", chosen.get("sort") or "")
    page, page_note = paginate(request, studies.qs, count=found, reads=read, rows=rows, first=first)
    active = active_filters(studies, request.GET)
    context = {
        "counts_read": reads(request.GET, sort=False),
        "papers_key": ",".join(paper_key(study.reference) for study in page.object_list),
        "filter": studies,
        "q": studies.form.cleaned_data.get("q") or "",
        "page_obj": page,
        "page_note": page_note,
        "facets": counts,
        "facet": {facet.param: facet for facet in counts},
        "active": active,
        "nothing_found": _where_to_go(studies, request.GET, active) if not found else None,
        "export_formats": STUDY_FORMATS,
        "selection_error": selection_error,
        # The row-selection form sends the filter along, so a selection never loses it.
        "kept": [
            (key, value)
            for key, values in request.GET.lists()
            if key not in {"id", "format", "selection", "page"}
            for value in values
        ],
    }
    return render(request, "interfaces/study_list.html", context, status=400 if selection_error else 200)


# A search of more words than this that found nothing gets no "did you mean": each word costs
# queries, and a long search is rarely one mistyped word away from a good one.
SUGGESTED_WORDS_MAX = 6
# An empty list counts what removing each filter would give only for this many filters.
COUNTED_REMOVALS_MAX = 4


def _where_to_go(studies: StudyFilter, params, active: list) -> dict:
    """Ways out of an empty list: searches near the one that found nothing (with the other
    filters; without them when none is near with them), the same search without the filters,
    and each filter to remove; each with the number of studies it finds."""
    q = studies.form.cleaned_data.get("q") or ""
    rest = params.copy()
    for key in ("q", "page", "format", "selection"):
        rest.pop(key, None)

    def with_filters(text: str) -> str:
        kept = rest.copy()
        kept["q"] = text
        return "?" + kept.urlencode()

    def without_filters(text: str) -> str:
        return "?" + urlencode({"q": text})

    filters = [f for f in active if f.label != str(studies.form.fields["q"].label)]
    suggested, everywhere = [], 0
    if q and len(terms(q)) <= SUGGESTED_WORDS_MAX:
        unsearched = StudyFilter(rest, queryset=Study.objects.all())
        if unsearched.is_valid():
            suggested = _distinct(suggestions(unsearched.qs.order_by(), q), with_filters)
        if not suggested and filters:
            # Nothing near it with the filters: near it among all studies, the filters dropped.
            suggested = _distinct(suggestions(Study.objects.all(), q), without_filters, everywhere=True)
    if q and filters:
        everywhere = Study.objects.search(q).count()
    removals = []
    for f in filters:
        count = None
        if len(filters) <= COUNTED_REMOVALS_MAX:
            without = StudyFilter(QueryDict(f.url.lstrip("?")), queryset=Study.objects.all())
            count = without.qs.count() if without.is_valid() else None
        removals.append({"label": f.label, "value": f.value, "url": f.url, "count": count})
    return {
        "suggestions": suggested,
        "everywhere": everywhere,
        "everywhere_url": without_filters(q),
        "removals": removals,
    }


def _distinct(offers: list[tuple[str, int]], url, everywhere: bool = False) -> list[dict]:
    """Suggested searches, each once: "dendrite" and "dendrites" are one search."""
    seen, result = set(), []
    for text, count in offers:
        if tuple(terms(text)) not in seen:
            seen.add(tuple(terms(text)))
            result.append({"q": text, "count": count, "url": url(text), "everywhere": everywhere})
    return result


def _filter_key(params) -> str:
    """The filter a cached figure belongs to: every parameter but page, sort and format."""
    return repr({k: sorted(params.getlist(k)) for k in sorted(params) if k not in {"page", "sort", "format"}})


def _chart_data(studies: QuerySet, params) -> dict:
    """The charts' marks (or bins) for the filtered studies; cached until the data change, and
    added up from what each part of the studies adds to them, kept part by part, so that after a
    save only its study's part is counted again."""
    key = _filter_key(params)

    def compute() -> dict:
        records, named = reads_shared(params)
        added = cached_combined(
            "chart-part",
            f"{key}|{named}",
            lambda parts, every: chart_parts(studies, parts, every),
            combine_chart_parts,
            parts=study_parts(),
            reads=EVERYTHING,
            # Its studies' electrolytes are counted by id, their papers' years as each study stores
            # them (a paper's edit reaches its studies' parts); the filter may read more.
            shared=records,
        )
        return chart_data(studies, added)

    return cached("charts", key, compute)


@require_safe
def study_charts(request: HttpRequest) -> HttpResponse:
    """The list's charts for the same filter: JSON for the charts, HTML with the data as tables."""
    fmt = request.GET.get("format", "")
    if fmt not in ("", "json"):
        return error_response({"format": ["Choose json, or leave it out for the page."]})
    studies = StudyFilter(request.GET, queryset=Study.objects.for_list())
    if not studies.is_valid():
        if fmt:
            return error_response({field: list(errors) for field, errors in studies.errors.items()})
        context = {"filter": studies, "invalid": True}
        return render(request, "interfaces/study_charts.html", context, status=400)
    data = _chart_data(studies.qs, request.GET)
    if fmt:
        return JsonResponse(drawn(data), json_dumps_params={"ensure_ascii": False})
    context = {"filter": studies, "data": data, "active": active_filters(studies, request.GET)}
    return render(request, "interfaces/study_charts.html", context)


def export_studies(studies: QuerySet, fmt: str, request: HttpRequest) -> HttpResponse:
    filename = export_filename("interphase-atlas-studies", request.GET, SLUG_PARAMETERS)
    if fmt == "json":
        return json_response(request, studies, filename)
    if fmt == "csv":
        # A file is read away from the site: its study addresses are absolute.
        site = request.build_absolute_uri("/").rstrip("/")
        return csv_response(request, studies, filename, site=site, bom=request.GET.get("bom") == "1")
    references = Reference.objects.filter(pk__in=studies.order_by().values("reference_id")).with_authors()
    return bibliography_response(request, references, fmt, filename)


def _family_electrolytes(family_id: int) -> list[int]:
    """The ids of a family's electrolytes that studies refer to, which its figures are read and
    kept by: a change of an electrolyte that leaves which are the family's (a new name), or a new
    one, reads none of them again. Read once a request."""

    def ids() -> list[int]:
        electrolytes = Electrolyte.objects.filter(family=family_id)
        electrolytes = electrolytes.filter(Exists(Study.objects.filter(electrolyte=OuterRef("pk"))))
        return list(electrolytes.order_by("pk").values_list("pk", flat=True))

    return read_once(f"family-electrolytes:{family_id}", ids)


def _family_figures(family_id: int) -> list[tuple[str, list, list]]:
    """A family's stored best CCDs and lowest resistances, part by part of the studies (after a
    save, its study's part alone is read again), each part with a digest of its figures."""
    electrolytes = _family_electrolytes(family_id)
    return cached_by_part(
        "family-figures",
        repr(electrolytes),
        lambda parts, every: family_figures(electrolytes, parts, every),
        parts=study_parts(),
        reads=EVERYTHING,
        shared=(),  # which studies are the family's: by their electrolytes, in the key
    )


def _drawn_from(digests: list[str]) -> str:
    return hashlib.sha1(",".join(digests).encode()).hexdigest()


def _family_strips_digest(family_id: int) -> str:
    """A digest of the figures a family's strips are drawn from, read once per data version from
    each part's digest (kept apart from its figures, so that it is read without them): what keys
    the strips and each study's place among them."""

    def digest() -> str:
        electrolytes = _family_electrolytes(family_id)

        def digests(parts: list[int], every: bool) -> dict[int, str]:
            return {part: d for part, (d, _, _) in family_figures(electrolytes, parts, every).items()}

        return _drawn_from(
            cached_by_part(
                "family-figures-digest",
                repr(electrolytes),
                digests,
                parts=study_parts(),
                reads=EVERYTHING,
                shared=(),
            )
        )

    return cached("family-strips-digest", str(family_id), digest)


def _family_strips(family_id: int, digest: str) -> tuple[dict, dict]:
    """The strips of a family's stored best CCDs and lowest resistances, kept under the digest of
    the figures they are drawn from: drawn again only when the family's figures change."""

    def draw() -> tuple[str, tuple[dict, dict]]:
        parts = _family_figures(family_id)
        ccds = sorted(chain.from_iterable(ccds for _, ccds, _ in parts))  # sorted runs: merged
        resistances = sorted(chain.from_iterable(resistances for _, _, resistances in parts))
        # Drawn from the figures as read now: a save since the digest was read gives another.
        strips = family_strip(ccds), family_strip(resistances)
        return _drawn_from([digest for digest, _, _ in parts]), strips

    drawn_from, strips = cached_by_content("family-strips", f"{family_id}:{digest}", draw)
    return strips if drawn_from == digest else draw()[1]


def _latest_keys(name: str, condition) -> list[tuple[int, str]]:
    """The ids and record keys of the latest studies meeting a condition (one more than a page
    names, so that the page's own study can be left out), read backwards along the primary key:
    found among the first rows whatever the size of the atlas. Read once for the condition until
    what classifies studies changes, however many pages name them."""

    def latest() -> list[tuple[int, str]]:
        rows = Study.objects.filter(condition).order_by("-pk").keyed()[: RELATED_LIMIT + 1]
        return [(study.pk, record_key(study)) for study in rows]

    return cached("latest-studies", name, latest, reads=CLASSES)


def _mentioned(ids: list[int]) -> QuerySet:
    """The studies of these ids, latest first, read for a one-line mention when one is drawn."""
    return _light_studies().filter(pk__in=ids).order_by("-pk") if ids else Study.objects.none()


@require_safe
def study_detail(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_object_or_404(Study.objects.for_list(), pk=pk)
    measurements = list(study.measurements.all())
    by_pk = {m.pk: m for m in measurements}
    layers = study.ordered_layers
    family, materials = study.electrolyte.family_id, sorted({layer.material_id for layer in layers})
    by_family = _latest_keys(f"family:{family}", Q(electrolyte__family=family))
    # Walked backwards along the primary key, each checked for a layer of one of these
    # materials, so the walk stops after a few rows.
    shares_a_material = Exists(StudyInterlayer.objects.filter(study=OuterRef("pk"), material__in=materials))
    by_material = _latest_keys(f"materials:{materials}", shares_a_material) if materials else []
    by_family = [(pk, key) for pk, key in by_family if pk != study.pk][:RELATED_LIMIT]
    by_material = [(pk, key) for pk, key in by_material if pk != study.pk][:RELATED_LIMIT]

    family_digest = _family_strips_digest(study.electrolyte.family_id)

    def in_family():
        ccds, resistances = _family_strips(study.electrolyte.family_id, family_digest)
        return [
            (
                "ccd",
                "Best critical current density",
                "mA/cm²",
                "higher",
                "-ccd",
                placed(ccds, study.best_ccd_value, higher_is_better=True),
            ),
            (
                "resistance",
                "Lowest interfacial resistance",
                "Ω·cm²",
                "lower",
                "resistance",
                placed(resistances, study.lowest_resistance_value, higher_is_better=False),
            ),
        ]

    context = {
        "study": study,
        # Read only when the page's body is drawn, not when it comes from the cache.
        "in_family": SimpleLazyObject(in_family),
        # What the study's place in its family shows: its own figures among the family's.
        "in_family_key": (
            f"{study.pk}|{study.best_ccd_value}|{study.lowest_resistance_value}|"
            f"{study.electrolyte.family_id}|{family_digest}"
        ),
        "layers": layers,
        "thickness": [m for m in measurements if m.quantity == Quantity.THICKNESS],
        "measurements": [(m, by_pk.get(m.control_id)) for m in measurements],
        "checked_count": sum(1 for m in measurements if m.is_checked),
        "bibtex": write_bibtex([study.reference]),
        # Drawn only when the studies they name changed (their record keys).
        "related_key": f"{study.pk}|{[key for _, key in by_family]}|{[key for _, key in by_material]}",
        "related_by_family": _mentioned([pk for pk, _ in by_family]),
        "related_by_interlayer": _mentioned([pk for pk, _ in by_material]),
    }
    return render(request, "interfaces/study_detail.html", context)


@require_safe
def electrolyte_list(request: HttpRequest) -> HttpResponse:
    electrolytes = Electrolyte.objects.annotate(study_count=Count("studies")).order_by("name")
    families = ElectrolyteFamily.objects.prefetch_related(Prefetch("electrolytes", queryset=electrolytes))
    return render(request, "interfaces/electrolyte_list.html", {"families": families})


@require_safe
def electrolyte_detail(request: HttpRequest, slug: str) -> HttpResponse:
    electrolyte = get_object_or_404(Electrolyte.objects.select_related("family"), slug=slug)
    studies = Study.objects.for_list().filter(electrolyte=electrolyte).order_by("-reference__year", "pk")
    return render(
        request, "interfaces/electrolyte_detail.html", {"electrolyte": electrolyte, "studies": studies}
    )


@require_safe
def interlayer_list(request: HttpRequest) -> HttpResponse:
    materials = InterlayerMaterial.objects.annotate(study_count=Count("studies")).order_by("kind", "name")
    return render(request, "interfaces/interlayer_list.html", {"materials": materials})


@require_safe
def interlayer_detail(request: HttpRequest, slug: str) -> HttpResponse:
    material = get_object_or_404(InterlayerMaterial, slug=slug)
    studies = Study.objects.for_list().filter(interlayers=material).order_by("-reference__year", "pk")
    return render(request, "interfaces/interlayer_detail.html", {"material": material, "studies": studies})


# A sender (its address as atlas.clients.client_ip reads it, behind a trusted proxy too) may
# file this many reports an hour; more are refused until the hour has passed.
REPORTS_PER_HOUR = 5


@require_http_methods(["GET", "HEAD", "POST"])
def report_problem(request: HttpRequest, pk: int) -> HttpResponse:
    """A reader reports a problem with a study; it waits for a curator, nothing is published."""
    study = get_object_or_404(Study.objects.select_related("reference", "electrolyte"), pk=pk)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        client = client_key(client_ip(request))
        hour_ago = timezone.now() - timezone.timedelta(hours=1)
        if form.is_spam:
            return render(request, "interfaces/report_thanks.html", {"study": study})
        if Report.objects.filter(client=client, created_at__gte=hour_ago).count() >= REPORTS_PER_HOUR:
            form.add_error(
                None,
                f"You have sent {REPORTS_PER_HOUR} reports in the last hour, the most we take from one "
                "address. Please try again later; nothing of this report was saved.",
            )
            status = 429
        else:
            report = form.save(commit=False)
            report.study, report.client = study, client
            report.save()
            return render(request, "interfaces/report_thanks.html", {"study": study})
    elif request.method == "POST":
        status = 400
    return render(request, "interfaces/report_form.html", {"study": study, "form": form}, status=status)


@require_safe
def data_releases(request: HttpRequest) -> HttpResponse:
    """The data releases, newest first, with their files, checksums, licence and how to cite them."""
    releases = list_releases()
    base_url = settings.SITE_URL  # as the release's own files cite it
    latest = releases[0] if releases else None
    review = Reference.objects.with_authors().filter(citekey=FOUNDING_REVIEW).first()
    context = {
        "releases": releases,
        "latest": latest,
        "bibtex": release_bibtex(latest.version, latest.date, base_url, latest.doi) if latest else "",
        "citation": release_citation(latest.version, latest.date, base_url, latest.doi) if latest else "",
        "review": review,
        "datasets_json_ld": json_ld(datasets(releases, base_url, review)) if releases else "",
    }
    return render(request, "interfaces/data.html", context)


@require_safe
def release_file(request: HttpRequest, version: str, name: str) -> FileResponse:
    """One file of a release: only the files its manifest lists."""
    release = next((r for r in list_releases() if r.version == version), None)
    listed = {f.name for f in release.files} | {CHECKSUMS} if release else set()
    if name not in listed:
        raise Http404("No such file in this release.")
    return FileResponse((release.path / name).open("rb"), as_attachment=name.endswith((".csv", ".bib")))


def _figures_read_where() -> dict:
    """How many figures were read in each kind of source and on each kind of site, and how many
    carry each test condition: the atlas's provenance in numbers, for the about page."""
    rows = Measurement.objects.values_list(
        "source", "source_url", "temperature_c", "stack_pressure_mpa", "areal_capacity_mah_cm2"
    )
    by_source, by_site = Counter(), Counter()
    conditions = Counter()
    for source, url, temperature, pressure, areal in rows:
        by_source[source] += 1
        if url:
            by_site[site_kind(url).label] += 1
        conditions["temperature"] += temperature is not None
        conditions["stack pressure"] += pressure is not None
        conditions["areal capacity"] += areal is not None
    return {
        "total": sum(by_source.values()),
        "sources": [(Source(value).label, by_source[value]) for value in Source.values if by_source[value]],
        "sites": by_site.most_common(),
        "conditions": list(conditions.items()),
    }


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    review = Reference.objects.with_authors().filter(citekey=FOUNDING_REVIEW).first()
    context = cached("overview", "", _overview_counts, reads=CLASSES) | {
        "review": review,
        "read_where": cached("figures-read-where", "", _figures_read_where),
        "quantities": Quantity,
        "qualifier_rule": QUALIFIER_RULE,
        "reading_checked": READING_CHECKED,
        "reading_unchecked": READING_UNCHECKED,
    }
    return render(request, "interfaces/about.html", context)


@require_safe
def compare(request: HttpRequest) -> HttpResponse:
    """Two to six studies side by side; a clear message, never an error page, for a wrong choice."""
    ids, problem = compared_ids(request.GET.getlist("id"))
    status = 400
    if not problem:
        found = {s.pk: s for s in Study.objects.for_list().filter(pk__in=ids)}
        missing = [str(i) for i in ids if i not in found]
        if missing:
            problem = f"No study has the id {', '.join(missing)}: it may have been removed."
            status = 404
    if problem:
        return render(request, "interfaces/compare.html", {"problem": problem}, status=status)
    studies = [found[i] for i in ids]
    segments, longest = stacks(studies)
    export_query = "&".join(f"id={s.pk}" for s in studies)
    context = {
        "studies": studies,
        "columns": list(zip(studies, segments, strict=True)),
        "longest_nm": longest,
        "facts": facts(studies),
        "figures": figure_rows(studies),
        "export_query": export_query,
        "export_formats": STUDY_FORMATS,
    }
    return render(request, "interfaces/compare.html", context)


@require_safe
def study_matrix(request: HttpRequest) -> HttpResponse:
    """Electrolyte families against interlayer kinds (or strategies): what has been tried on what."""
    by = request.GET.get("by", "kind")
    problem = ""
    if by not in MATRIX_COLUMNS:
        problem = f"“{by[:30]}” is not a way to split the columns; showing interlayer kinds."
        by = "kind"
    open_families = {slug[:50] for slug in request.GET.getlist("open")[:20]}
    key = repr((by, sorted(open_families)))
    context = cached("matrix", key, lambda: matrix(by, open_families))  # until the data change
    context = context | {"by": by, "problem": problem, "open": open_families}
    return render(request, "interfaces/matrix.html", context, status=400 if problem else 200)
