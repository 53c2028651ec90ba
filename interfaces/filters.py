"""The study list's filters, sort and facets: one FilterSet behind the page and its exports."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass

import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.http import QueryDict

from atlas.caching import (
    CLASSES,
    EVERYTHING,
    MATERIALS,
    PAPERS,
    RECORDS,
    SHARED_RECORDS,
    cached,
    cached_combined,
    in_parts,
    part_number,
)
from atlas.lookups import Grouping, grouped_rows
from atlas.selection import SelectionField, SelectionFilter
from references.filters import YearFilter
from references.models import Authorship

from . import search
from .models import (
    Electrolyte,
    ElectrolyteFamily,
    InterlayerKind,
    InterlayerMaterial,
    Measurement,
    Method,
    Strategy,
    Study,
    StudyInterlayer,
    study_parts,
)

Q_MAX_LENGTH = 200
# The parameters whose values are slugs (a download named by them reads "garnet", not "family-garnet").
SLUG_PARAMETERS = frozenset({"family", "strategy", "method", "electrolyte", "interlayer", "interlayer_kind"})

SORTS = {
    "ccd": "Best CCD, lowest first",
    "-ccd": "Best CCD, highest first",
    "resistance": "Interfacial resistance, lowest first",
    "-resistance": "Interfacial resistance, highest first",
    "year": "Year, oldest first",
    "-year": "Year, newest first",
    "electrolyte": "Electrolyte, A–Z",
    "-electrolyte": "Electrolyte, Z–A",
    "author": "First author, A–Z",
    "-author": "First author, Z–A",
}
SORT_FIELDS = {"ccd": "sort_ccd", "resistance": "sort_resistance", "year": "reference__year"}
# What reads the figures: the filters and sorts by the stored headline figures, the second reading.
FIGURE_PARAMETERS = frozenset({"ccd_min", "ccd_max", "resistance_max", "reading"})
FIGURE_SORTS = frozenset({"ccd", "resistance"})


def reads(params, *, sort: bool = True) -> str:
    """What the studies a query string finds depend on, and with `sort` their order too
    (atlas/caching.py): figures with a figure's filter or sort, the studies' descriptions with a
    search, else only what classifies the studies. It keys their counts and ids in the cache, so
    that they stay while curators change only what they do not read."""
    order = (params.get("sort") or "").lstrip("-") if sort else ""
    if any(params.get(name) for name in FIGURE_PARAMETERS) or order in FIGURE_SORTS:
        return EVERYTHING
    return RECORDS if (params.get("q") or "").strip() else CLASSES


def reads_shared(params) -> tuple[tuple[str, ...], str]:
    """What the studies a query string finds depend on beyond the studies themselves
    (atlas/caching.py), to key their counts kept part by part: the shared records it reads (all
    of them for a search, which reads their names; the papers for a filter by year), and the
    ids of the electrolytes and materials its filters name (a family's, a kind's), which key
    the counts instead of those records' versions: a record renamed leaves the studies found,
    one moved to another family or given another kind changes the ids."""
    if (params.get("q") or "").strip():
        return SHARED_RECORDS, ""
    return ((PAPERS,) if params.get("year_min") or params.get("year_max") else ()), _named(params)


def _named(params) -> str:
    chosen = {
        name: sorted(params.getlist(name))
        for name in ("family", "electrolyte", "interlayer", "interlayer_kind")
    }
    if not any(chosen.values()):
        return ""
    # Only those studies refer to: a new one, which none refers to yet, changes no count.
    studies_refer = Exists(Study.objects.filter(electrolyte=OuterRef("pk")))
    layers_refer = Exists(StudyInterlayer.objects.filter(material=OuterRef("pk")))
    lookups = {
        "family": (Electrolyte.objects.filter(studies_refer), "family__slug__in"),
        "electrolyte": (Electrolyte.objects.filter(studies_refer), "slug__in"),
        "interlayer": (InterlayerMaterial.objects.filter(layers_refer), "slug__in"),
        "interlayer_kind": (InterlayerMaterial.objects.filter(layers_refer), "kind__in"),
    }

    def ids() -> str:
        return repr(
            {
                name: sorted(records.filter(**{lookup: chosen[name]}).values_list("pk", flat=True))
                for name, (records, lookup) in lookups.items()
                if chosen[name]
            }
        )

    # Which electrolytes and materials studies refer to changes only with what classifies them.
    return cached("named-records", repr(chosen), ids, reads=CLASSES)


class FloatFilter(django_filters.Filter):
    """A number that must be finite (forms.FloatField rejects inf and nan)."""

    field_class = forms.FloatField


def _row_id(value) -> int:
    number = int(value)
    if not 1 <= number <= 2**63 - 1:
        raise forms.ValidationError("Row ids must be positive whole numbers.", code="invalid")
    return number


class IdListField(SelectionField):
    """Repeated integer ids (?id=3&id=7), as posted by the row checkboxes."""

    read_one = staticmethod(_row_id)
    invalid_message = "Row ids must be whole numbers."


class IdListFilter(SelectionFilter):
    field_class = IdListField


# A study's figures and their second reading (interfaces/second_reading.py).
READING_CHOICES = [
    ("checked", "Every figure checked by a second curator"),
    ("unchecked", "Some figure not yet checked"),
]


class StudyFilter(django_filters.FilterSet):
    """OR within one filter (repeat the parameter), AND across filters."""

    q = django_filters.CharFilter(
        label="Search",
        method="filter_q",
        max_length=Q_MAX_LENGTH,
        help_text="Title, summary, materials, formulas, authors.",
    )
    family = django_filters.ModelMultipleChoiceFilter(
        label="Electrolyte family",
        field_name="electrolyte__family__slug",
        distinct=False,  # a study has one electrolyte, so one family: no row is repeated
        to_field_name="slug",
        queryset=ElectrolyteFamily.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    strategy = django_filters.MultipleChoiceFilter(
        label="Strategy", choices=Strategy.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    method = django_filters.MultipleChoiceFilter(
        label="Method", choices=Method.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    electrolyte = django_filters.ModelMultipleChoiceFilter(
        label="Electrolyte",
        field_name="electrolyte__slug",
        distinct=False,
        to_field_name="slug",
        queryset=Electrolyte.objects.order_by("name"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    interlayer = django_filters.ModelMultipleChoiceFilter(
        label="Interlayer",
        to_field_name="slug",
        queryset=InterlayerMaterial.objects.all(),
        method="filter_interlayer",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    interlayer_kind = django_filters.MultipleChoiceFilter(
        label="Interlayer kind",
        choices=InterlayerKind.choices,
        method="filter_interlayer_kind",
        widget=forms.CheckboxSelectMultiple,
    )
    ccd_min = FloatFilter(label="Best CCD at least (mA/cm²)", method="filter_ccd_min", min_value=0)
    ccd_max = FloatFilter(label="Best CCD at most (mA/cm²)", method="filter_ccd_max", min_value=0)
    resistance_max = FloatFilter(
        label="Interfacial resistance at most (Ω·cm²)", method="filter_resistance_max", min_value=0
    )
    year_min = YearFilter(label="Year from", field_name="reference__year", lookup_expr="gte")
    year_max = YearFilter(label="Year to", field_name="reference__year", lookup_expr="lte")
    reading = django_filters.ChoiceFilter(
        label="Second reading",
        choices=READING_CHOICES,
        method="filter_reading",
        empty_label="Any",
        widget=forms.RadioSelect,
    )
    id = IdListFilter(label="Selected rows")
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        choices=list(SORTS.items()),
        method="sort_by",
        empty_label="Best match, else recently added",
    )

    class Meta:
        model = Study
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        # A blank value of a choice (?family=) chooses nothing, as an unticked box does: it is
        # dropped, not refused as "not one of the available choices".
        if data is not None and hasattr(data, "getlist"):
            data = data.copy()
            for name, chooser in self.base_filters.items():
                if name in data and isinstance(
                    chooser, django_filters.MultipleChoiceFilter | django_filters.ModelMultipleChoiceFilter
                ):
                    chosen = [value for value in data.getlist(name) if value.strip()]
                    if chosen:
                        data.setlist(name, chosen)
                    else:
                        del data[name]
        super().__init__(data, *args, **kwargs)

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_interlayer(self, queryset, name, value):
        if not value:  # an empty QuerySet is not among django-filter's EMPTY_VALUES
            return queryset
        return queryset.filter(pk__in=StudyInterlayer.objects.filter(material__in=value).values("study_id"))

    def filter_interlayer_kind(self, queryset, name, value):
        layers = StudyInterlayer.objects.filter(material__kind__in=value)
        return queryset.filter(pk__in=layers.values("study_id"))

    def filter_ccd_min(self, queryset, name, value):
        return queryset.filter(best_ccd_value__gte=value)

    def filter_ccd_max(self, queryset, name, value):
        # The best CCD is at most value: some CCD is known and none is higher.
        return queryset.filter(best_ccd_value__lte=value)

    def filter_resistance_max(self, queryset, name, value):
        return queryset.filter(lowest_resistance_value__lte=value)

    def filter_reading(self, queryset, name, value):
        unchecked = Measurement.objects.filter(checked_at__isnull=True).values("study_id")
        if value == "checked":  # it has figures, and none awaits its second reading
            return queryset.filter(pk__in=Measurement.objects.values("study_id")).exclude(pk__in=unchecked)
        return queryset.filter(pk__in=unchecked)

    def sort_by(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset, so it can see the search rank

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return order_studies(queryset, self.form.cleaned_data.get("sort") or "")


def order_studies(queryset: QuerySet, sort: str) -> QuerySet:
    """Sort by a figure or field; studies without that figure come last either way."""
    tiebreak = [F("reference__year").desc(nulls_last=True), "electrolyte_name", "-pk"]
    key = sort.lstrip("-")
    if key == "electrolyte":
        # The stored copy of electrolyte__name (search.refresh keeps it), read from an index.
        order = ["-electrolyte_name" if sort.startswith("-") else "electrolyte_name", "-pk"]
        return queryset.order_by(*order)
    if key == "author":
        first = Authorship.objects.filter(reference=OuterRef("reference"), position=1)
        queryset = queryset.annotate(first_author=Subquery(first.values("author__family")[:1]))
        expression = F("first_author")
        expression = (
            expression.desc(nulls_last=True) if sort.startswith("-") else expression.asc(nulls_last=True)
        )
        return queryset.order_by(expression, *tiebreak)
    if key in SORT_FIELDS:
        if key != "year":
            queryset = queryset.with_sort_keys()
        expression = F(SORT_FIELDS[key])
        expression = (
            expression.desc(nulls_last=True) if sort.startswith("-") else expression.asc(nulls_last=True)
        )
        return queryset.order_by(expression, *tiebreak)
    if "search_rank" in queryset.query.annotations:
        return queryset.order_by(F("search_rank").desc(nulls_last=True), *tiebreak)
    return queryset.order_by("-created_at", "-pk")


def first_ranked(reads_: str, text: str, sort: str):
    """How a search ranked by relevance (on PostgreSQL) finds the ids of one of its first pages
    (atlas/pagination.py, FromEitherEnd.first); None for any other list. A search's rank is
    computed for every match before the first rows can be taken; instead each part of the
    studies keeps its own first `top` matches, and each block of parts those that may still be
    on the page (atlas/caching.py, cached_combined); the page is ranked among those alone, read
    by their keys: the first `top` of all are among them. After a save, only its study's part is
    ranked again."""
    if not text.strip() or sort or connection.vendor != "postgresql":
        return None

    def first(queryset: QuerySet, bottom: int, top: int) -> list[int] | None:
        if "search_rank" not in queryset.query.annotations:
            return None  # nothing to rank: no word of the search is a word
        order = [_expression(field) for field in queryset.query.order_by]
        key = f"{top}|{queryset.values_list('pk').query}"
        found = cached_combined(
            "ranked",
            key,
            lambda parts, every: _firsts(queryset, order, parts, every, top),
            lambda firsts: _may_reach(firsts, top),
            parts=study_parts(),
            reads=reads_,  # a search reads every shared record: the papers', the vocabularies' names
        )
        candidates = Study.objects.filter(pk__in=[pk for pk, _, _ in found])
        page = order_studies(search.ranked(candidates, text), "")
        return list(page.values_list("pk", flat=True)[bottom:top])

    return first


def _may_reach(firsts: list[list[tuple]], top: int) -> list[tuple]:
    """Of several parts' (or blocks') first rows, those that may still be among the first `top`
    of all: the order begins with the rank, then the paper's year (the latest first, none last),
    so what comes after the top-th best of those two cannot be; ties with it are kept."""
    found = [row for rows in firsts for row in rows]
    if len(found) >= top and all(rank is not None for _, rank, _ in found):
        place = lambda row: (row[1], -math.inf if row[2] is None else row[2])  # noqa: E731
        last = sorted(map(place, found), reverse=True)[top - 1]
        found = [row for row in found if place(row) >= last]
    return found


def _expression(field):
    """An order_by() item as an expression (a Window's order)."""
    if isinstance(field, str):
        return F(field[1:]).desc() if field.startswith("-") else F(field).asc()
    return field


def _firsts(queryset: QuerySet, order: list, parts: list[int], every: bool, top: int) -> dict[int, list]:
    """The first `top` rows of each part, in the queryset's order: (id, search rank, year) each."""
    ranked = queryset.order_by().annotate(
        part=part_number(), place=Window(RowNumber(), partition_by=[part_number()], order_by=order)
    )
    if not every:
        ranked = ranked.filter(in_parts(parts))
    firsts: dict[int, list] = {part: [] for part in parts}
    rows = ranked.filter(place__lte=top).values_list("part", "pk", "search_rank", "reference__year")
    for part, pk, rank, year in rows:
        if part in firsts:
            firsts[part].append((pk, rank, year))
    return firsts


# -- facets ------------------------------------------------------------------------


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    params: QueryDict  # the list's query string, which url toggles this value in
    param: str
    group: str = ""

    @property
    def url(self) -> str:
        """The list with this value added or removed: built only where the panel is drawn, not
        when it comes from the cache."""
        return toggle_url(self.params, self.param, self.value)


@dataclass
class Facet:
    param: str
    label: str
    values: list[FacetValue]

    @property
    def active(self) -> int:
        return sum(v.selected for v in self.values)

    @property
    def digest(self) -> str:
        """What the list shows (its options, their counts, which are ticked), in a few characters."""
        shown = [(v.value, v.label, v.count, v.group, v.selected) for v in self.values]
        return hashlib.sha1(repr((self.label, shown)).encode()).hexdigest()


def toggle_url(params: QueryDict, param: str, value: str) -> str:
    """The query string with value added to (or removed from) param, and no page."""
    params = params.copy()
    params.pop("page", None)
    params.pop("format", None)
    values = params.getlist(param)
    params.setlist(param, [v for v in values if v != value] if value in values else [*values, value])
    return "?" + params.urlencode()


def facets(filtered: QuerySet, params: QueryDict) -> list[Facet]:
    """Every option of the sidebar's lists (family, strategy, method, interlayer kind, electrolyte,
    interlayer) with the number of filtered studies it holds, zero included; the counts are
    cached for the same filter until what it reads changes, and counted part by part of the
    studies, so that after a save only its study's part is counted again."""
    counted = {k: sorted(params.getlist(k)) for k in sorted(params) if k not in {"page", "sort", "format"}}
    key, read = repr(counted), reads(params, sort=False)
    specs = cached("facets", key, lambda: _facet_counts(filtered, key, read, params), reads=read)
    result = []
    for param, label, rows in specs:
        selected = params.getlist(param)
        values = [
            FacetValue(slug, name, n, slug in selected, params, param, group) for slug, name, n, group in rows
        ]
        result.append(Facet(param, label, values))
    return result


# A part's counts: (by electrolyte id, by strategy, by method, by material id, by interlayer kind).
PartCounts = tuple[dict[int, int], dict[str, int], dict[str, int], dict[int, int], dict[str, int]]


def _facet_counts(
    filtered: QuerySet, key: str, read: str, params: QueryDict
) -> list[tuple[str, str, list[tuple[str, str, int, str]]]]:
    # Each count groups the filtered rows alone, part by part of the studies (atlas/caching.py,
    # cached_combined), and the parts are added up there; the options (zero included) come from
    # the small tables.
    studies = filtered.order_by()
    # The counts by interlayer kind read the materials' kinds; those by electrolyte and material
    # count their ids.
    records, named = reads_shared(params)
    by_electrolyte, by_strategy, by_method, by_material, by_kind = cached_combined(
        "facet-part",
        f"{key}|{named}",
        lambda parts, every: _part_counts(studies, parts, every),
        _added_counts,
        parts=study_parts(),
        reads=read,
        shared=(MATERIALS, *records),
    )
    electrolytes = Electrolyte.objects.values_list("pk", "slug", "name", "family__slug", "family__label")
    electrolytes = electrolytes.order_by("family__position", "family__label", "name")
    families: dict[str, list] = {}
    for pk, _slug, _name, family_slug, family_label in electrolytes:
        family = families.setdefault(family_slug, [family_slug, family_label, 0, ""])
        family[2] += by_electrolyte.get(pk, 0)  # a study has one electrolyte
    materials = InterlayerMaterial.objects.values_list("pk", "slug", "name", "kind").order_by("name", "slug")
    specs = [
        ("family", "Electrolyte family", [tuple(family) for family in families.values()]),
        ("strategy", "Strategy", [(c.value, c.label, by_strategy.get(c.value, 0), "") for c in Strategy]),
        ("method", "Method", [(c.value, c.label, by_method.get(c.value, 0), "") for c in Method]),
        (
            "interlayer_kind",
            "Interlayer kind",
            [(kind.value, kind.label, by_kind.get(kind.value, 0), "") for kind in InterlayerKind],
        ),
        (
            "electrolyte",
            "Electrolyte",
            [(slug, name, by_electrolyte.get(pk, 0), label) for pk, slug, name, _, label in electrolytes],
        ),
        (
            "interlayer",
            "Interlayer",
            [
                (slug, name, by_material.get(pk, 0), InterlayerKind(kind).label)
                for pk, slug, name, kind in materials
            ],
        ),
    ]
    return [
        (param, str(label), [(str(s), str(n), int(c), str(g)) for s, n, c, g in rows])
        for param, label, rows in specs
    ]


def _added_counts(counted: list[PartCounts]) -> PartCounts:
    """Several parts' counts added up, as one part's (cached_combined)."""
    totals: list[Counter] = [Counter() for _ in range(5)]
    for counts in counted:
        for total, part in zip(totals, counts, strict=True):
            total.update(part)
    by_electrolyte, by_strategy, by_method, by_material, by_kind = (dict(total) for total in totals)
    return by_electrolyte, by_strategy, by_method, by_material, by_kind


# What _part_counts groups the studies and their layers by, each a PartCounts' place; the ids are
# given as text, as the names they are read beside.
_BY_STUDY = [
    Grouping(0, ("part", "electrolyte_id"), ("part", "CAST(electrolyte_id AS TEXT)"), ("COUNT(*)",)),
    Grouping(1, ("part", "strategy"), ("part", "strategy"), ("COUNT(*)",)),
    Grouping(2, ("part", "method"), ("part", "method"), ("COUNT(*)",), "method <> ''"),
]
_BY_LAYER = [
    Grouping(3, ("part", "material_id"), ("part", "CAST(material_id AS TEXT)"), ("COUNT(*)",)),
    # A study counts once for a kind it has two layers of.
    Grouping(4, ("part", "kind"), ("part", "kind"), ("COUNT(DISTINCT study_id)",)),
]


def _part_counts(studies: QuerySet, parts: list[int], every: bool) -> dict[int, PartCounts]:
    """The filtered studies of these parts counted by electrolyte, strategy, method (those with
    one), interlayer material and interlayer kind, part by part. Every filter joins only
    one-to-one relations or tests a subquery, so each study is one row and a plain count counts
    studies. Two queries, each reading the filtered studies once and grouping them every way
    (atlas.lookups.grouped_rows; so a search or a subquery is evaluated twice, not five times):
    the studies' three columns (on PostgreSQL, from the covering index study_chart_figures alone),
    and their layers. A study has one layer of each material, and counts once for a kind it has
    two layers of: the kinds count distinct studies."""
    if not every:
        studies = studies.filter(in_parts(parts))
    counts: dict[int, PartCounts] = {part: ({}, {}, {}, {}, {}) for part in parts}
    found = studies.annotate(part=part_number()).values_list("part", "electrolyte_id", "strategy", "method")
    sql, params = found.query.sql_with_params()
    rows = grouped_rows(sql, params, found.db, ("part", "electrolyte_id", "strategy", "method"), _BY_STUDY)
    # The layers of the studies found; of every study, every layer, read without a join.
    layers = StudyInterlayer.objects.order_by()
    if studies.query.where:
        layers = layers.filter(study__in=studies.values("pk"))
    layers = layers.annotate(part=part_number("study_id"))
    layers = layers.values_list("part", "study_id", "material_id", "material__kind")
    sql, params = layers.query.sql_with_params()
    rows += grouped_rows(sql, params, layers.db, ("part", "study_id", "material_id", "kind"), _BY_LAYER)
    for which, part, value, n in rows:
        if part in counts:
            counts[part][which][int(value) if which in (0, 3) else value] = n
    return counts


@dataclass
class ActiveFilter:
    label: str
    value: str
    url: str


def active_filters(studies: StudyFilter, params: QueryDict) -> list[ActiveFilter]:
    """Each value the user filters by, with a link that removes just that value."""
    data = studies.form.cleaned_data
    result = []
    for name, field in studies.form.fields.items():
        if name in {"sort", "id"}:
            continue
        for raw in params.getlist(name):
            if not raw.strip():
                continue
            value = data.get(name)
            if hasattr(field, "queryset"):
                text = next((str(obj) for obj in value if getattr(obj, field.to_field_name) == raw), raw)
            elif hasattr(field, "choices"):
                text = str(dict(field.choices).get(raw, raw))
            else:
                text = raw
            result.append(ActiveFilter(str(field.label), text, toggle_url(params, name, raw)))
    return result
