"""OpenAPI types of the pages' own filters, which drf-spectacular cannot guess from the models."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from interfaces.filters import FloatFilter, IdListFilter, StudyFilter
from references.filters import YEAR_MAX, YEAR_MIN, CitekeyListFilter, ReferenceFilter, YearFilter
from references.models import CITEKEY_PATTERN

from .filters import MeasurementFilter

extend_schema_field({"type": "number", "minimum": 0})(FloatFilter)
extend_schema_field({"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX})(YearFilter)
extend_schema_field({"type": "array", "items": {"type": "integer", "minimum": 1}})(IdListFilter)
extend_schema_field({"type": "array", "items": {"type": "string", "pattern": f"^{CITEKEY_PATTERN}$"}})(
    CitekeyListFilter
)

# Slugs of records (families, electrolytes, interlayers): repeatable strings.
for filterset in (StudyFilter, MeasurementFilter, ReferenceFilter):
    for f in filterset.base_filters.values():
        if isinstance(f, django_filters.ModelMultipleChoiceFilter):
            extend_schema_field(OpenApiTypes.STR)(f)
