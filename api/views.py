"""The read-only API: the pages' FilterSets and querysets, paged, as the exports' JSON."""

from django.apps import apps
from django.db.models import Count, Max
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from atlas.caching import ATLAS_APPS, cached
from atlas.pagination import REFERENCES_PER_PAGE
from interfaces.filters import StudyFilter
from interfaces.models import (
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Study,
)
from references.filters import ReferenceFilter
from references.models import Reference
from references.views import REFERENCE_SORTS

from . import schema, serializers  # noqa: F401  (schema: the filters' OpenAPI types)
from .filters import MeasurementFilter
from .pagination import AtlasPagination

ERROR = serializers.ErrorSerializer
# A slug in an address, as Django's <slug:> path converter reads it.
SLUG_PATTERN = r"[-a-zA-Z0-9_]+"
NOT_MODIFIED = OpenApiResponse(description="Not modified: the ETag or date sent still holds.")


def last_changed():
    """When a record of the atlas was last added, changed or deleted (from their history)."""

    def compute():
        dates = [
            model.objects.aggregate(last=Max("history_date"))["last"]
            for model in apps.get_models()
            if model._meta.app_label in ATLAS_APPS and model.__name__.startswith("Historical")
        ]
        return max((d for d in dates if d), default=None)

    return cached("last-changed", "", compute)


def _documented(name: str, detail_lookup: str, serializer):
    """OpenAPI: each operation's success, 304 and error responses."""
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {name}",
            responses={200: serializer(many=True), 304: NOT_MODIFIED, 400: ERROR, 404: ERROR},
        ),
        retrieve=extend_schema(
            summary=f"One of the {name}, by {detail_lookup}",
            responses={200: serializer, 304: NOT_MODIFIED, 400: ERROR, 404: ERROR},
        ),
    )


# What every list and record of the API takes besides a list's filters: its page and page size,
# and DRF's choice of a rendering.
COMMON_PARAMETERS = frozenset({"page", "page_size", "format"})


class AtlasViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = AtlasPagination

    def initial(self, request, *args, **kwargs):
        """An unknown or misspelt parameter is refused by name, as a wrong value is: a filter that
        was meant but not applied would return everything."""
        super().initial(request, *args, **kwargs)
        known = set(COMMON_PARAMETERS)
        if self.action == "list" and getattr(self, "filterset_class", None) is not None:
            known |= set(self.filterset_class.base_filters)
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            takes = ", ".join(sorted(known))
            why = f"Not a parameter of this address; it takes {takes}."
            raise ValidationError({name: [why] for name in unknown})

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        changed = last_changed()
        if response.status_code == 200 and changed:
            response["Last-Modified"] = http_date(changed.timestamp())
        return response


@_documented("studies", "id", serializers.StudySerializer)
class StudyViewSet(AtlasViewSet):
    """Studies: one paper's strategy on one electrolyte system. Filters, order and pages as /studies/."""

    queryset = Study.objects.for_list()
    # A page reads its studies' keys; their documents come from the cache (serializers).
    page_rows = Study.objects.keyed()
    lookup_url_kwarg = "id"
    serializer_class = serializers.StudySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = StudyFilter


@_documented("measurements", "id", serializers.StudyMeasurementSerializer)
class MeasurementViewSet(AtlasViewSet):
    """Measurements (figures) with their study's id; the filters are the study list's, so a
    filter gives the rows of /studies/?format=csv, plus `quantity` and `source`."""

    queryset = Measurement.objects.select_related("control").order_by("study_id", "position")
    lookup_url_kwarg = "id"
    serializer_class = serializers.StudyMeasurementSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = MeasurementFilter


@_documented("references", "citation key", serializers.ReferenceSerializer)
class ReferenceViewSet(AtlasViewSet):
    """The bibliography. Filters, order and pages as /references/."""

    queryset = Reference.objects.with_authors().order_by(*REFERENCE_SORTS["-year"][1])  # as the page
    serializer_class = serializers.ReferenceSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReferenceFilter
    pagination_class = type("ReferencePagination", (AtlasPagination,), {"page_size": REFERENCES_PER_PAGE})
    lookup_field = "citekey"
    lookup_value_regex = SLUG_PATTERN


@_documented("electrolytes", "slug", serializers.ElectrolyteSerializer)
class ElectrolyteViewSet(AtlasViewSet):
    """Electrolytes, in the order of /electrolytes/ (by family, then name), with their study counts."""

    queryset = (
        Electrolyte.objects.select_related("family")
        .annotate(study_count=Count("studies"))
        .order_by("family__position", "family__label", "name", "pk")
    )
    serializer_class = serializers.ElectrolyteSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN


@_documented("interlayers", "slug", serializers.InterlayerSerializer)
class InterlayerViewSet(AtlasViewSet):
    """Interlayer materials, in the order of /interlayers/ (by kind, then name)."""

    queryset = InterlayerMaterial.objects.annotate(study_count=Count("studies")).order_by(
        "kind", "name", "pk"
    )
    serializer_class = serializers.InterlayerSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN


@_documented("electrolyte families", "slug", serializers.FamilySerializer)
class FamilyViewSet(AtlasViewSet):
    """Electrolyte families (docs/contract.md), in the overview's order, with their study counts."""

    queryset = ElectrolyteFamily.objects.annotate(study_count=Count("electrolytes__studies")).order_by(
        "position", "label", "pk"
    )
    serializer_class = serializers.FamilySerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN


def exception_handler(exc, context):
    """Every API error as {"error": what, "errors": {parameter: [why, …]}}."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"error": "invalid parameters", "errors": _strings(detail)}
    elif isinstance(exc, NotFound) and isinstance(exc.detail, dict):
        response.data = {"error": "not found", "errors": _strings(exc.detail)}
    elif isinstance(exc, Http404) and context.get("view") is not None:
        view = context["view"]
        lookup = view.lookup_url_kwarg or view.lookup_field
        value = view.kwargs.get(lookup, "")
        response.data = {"error": "not found", "errors": {lookup: [f"Nothing has the {lookup} {value!r}."]}}
    else:
        detail = exc.detail if isinstance(exc, APIException) else response.data.get("detail", "")
        response.data = {"error": str(detail), "errors": {}}
    return response


def not_found(request, exception=None):
    """404 for any address: {"error", "errors"} under /api/ (docs/contract.md), the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "not found", "errors": {"path": [f"The API has no address {request.path}."]}},
            status=404,
        )
    return page_not_found(request, exception)


def _strings(detail: dict) -> dict[str, list[str]]:
    return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}


# The API's lists, in the order of its index, with their routes' names (api/urls.py).
ENDPOINTS = {
    "studies": "study",
    "measurements": "measurement",
    "references": "reference",
    "electrolytes": "electrolyte",
    "interlayers": "interlayer",
    "families": "family",
}


@require_safe
def docs(request):
    """/api/: Swagger UI for a browser; for a client that asks for JSON, an index of the lists."""
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        absolute = request.build_absolute_uri
        index = {name: absolute(reverse(f"api:{route}-list")) for name, route in ENDPOINTS.items()}
        response = JsonResponse(
            {
                **index,
                "openapi": request.build_absolute_uri(reverse("api:openapi")),
                "docs": request.build_absolute_uri(reverse("api:docs")),
            }
        )
    else:
        response = render(request, "api/docs.html")
    patch_vary_headers(response, ["Accept"])
    return response
