"""The bibliography's filters: one FilterSet behind the page and its exports."""

import re

import django_filters
from django import forms
from django.db.models import Q

from .models import Authorship, Reference

TEXT_MAX_LENGTH = 200
CITEKEY = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")


class CitekeyListField(forms.Field):
    """Repeated citation keys (?citekey=a&citekey=b), as posted by the row checkboxes."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        values = list(value) if isinstance(value, list | tuple) else [value]
        if any(not isinstance(v, str) or not CITEKEY.match(v) for v in values):
            raise forms.ValidationError("A citation key is letters, digits, - and _ only.", code="invalid")
        return values


class CitekeyListFilter(django_filters.Filter):
    field_class = CitekeyListField

    def filter(self, qs, value):
        return qs.filter(citekey__in=value) if value else qs


class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField


class ReferenceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_q",
        max_length=TEXT_MAX_LENGTH,
        help_text="Title, authors, journal, DOI or citation key.",
    )
    author = django_filters.CharFilter(label="Author", method="filter_author", max_length=TEXT_MAX_LENGTH)
    journal = django_filters.CharFilter(label="Journal", lookup_expr="icontains", max_length=TEXT_MAX_LENGTH)
    year_min = YearFilter(
        label="Year from", field_name="year", lookup_expr="gte", min_value=1800, max_value=2200
    )
    year_max = YearFilter(
        label="Year to", field_name="year", lookup_expr="lte", min_value=1800, max_value=2200
    )
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
