"""The bibliography's filters: one FilterSet behind the page and its exports."""

import re

import django_filters
from django import forms
from django.db.models import Q

from atlas.selection import SelectionField, SelectionFilter

from .models import CITEKEY_PATTERN, Authorship, Reference

TEXT_MAX_LENGTH = 200
CITEKEY = re.compile(rf"^{CITEKEY_PATTERN}$")


def _citekey(value) -> str:
    if not isinstance(value, str) or not CITEKEY.match(value):
        raise ValueError(value)
    return value


class CitekeyListField(SelectionField):
    """Repeated citation keys (?citekey=a&citekey=b), as posted by the row checkboxes."""

    read_one = staticmethod(_citekey)
    invalid_message = "A citation key is letters, digits, - and _ only."


class CitekeyListFilter(SelectionFilter):
    field_class = CitekeyListField


# The years a filter accepts: the atlas's papers are modern, and a typo should not pass as a year.
YEAR_MIN, YEAR_MAX = 1800, 2200


class YearFilter(django_filters.Filter):
    """A publication year, from YEAR_MIN to YEAR_MAX."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", YEAR_MIN)
        kwargs.setdefault("max_value", YEAR_MAX)
        super().__init__(*args, **kwargs)


class ReferenceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_q",
        max_length=TEXT_MAX_LENGTH,
        help_text="Title, authors, journal, DOI or citation key.",
    )
    author = django_filters.CharFilter(label="Author", method="filter_author", max_length=TEXT_MAX_LENGTH)
    journal = django_filters.CharFilter(label="Journal", lookup_expr="icontains", max_length=TEXT_MAX_LENGTH)
    year_min = YearFilter(label="Year from", field_name="year", lookup_expr="gte")
    year_max = YearFilter(label="Year to", field_name="year", lookup_expr="lte")
    citekey = CitekeyListFilter(label="Selected rows")

    class Meta:
        model = Reference
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        text = Q(title__icontains=value) | Q(journal__icontains=value) | Q(citekey__icontains=value)
        text |= Q(doi__icontains=value) | Q(pk__in=_authored_by(value))
        return queryset.filter(text)

    def filter_author(self, queryset, name, value):
        return queryset.filter(pk__in=_authored_by(value.strip()))


def _authored_by(name: str):
    """References with an author whose surname or given names contain name."""
    matching = Q(author__family__icontains=name) | Q(author__given__icontains=name)
    return Authorship.objects.filter(matching).values("reference_id")
