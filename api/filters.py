"""The measurements list filters like the study list, so it gives the study CSV export's rows."""

import django_filters
from django import forms

from interfaces.filters import StudyFilter
from interfaces.models import Measurement, Quantity, Source, Study

MEASUREMENT_ONLY = ("quantity", "source", "reading")


class MeasurementFilter(StudyFilter):
    """The measurements of the studies StudyFilter selects, optionally of some quantities or sources."""

    quantity = django_filters.MultipleChoiceFilter(
        label="Quantity", choices=Quantity.choices, widget=forms.CheckboxSelectMultiple
    )
    source = django_filters.MultipleChoiceFilter(
        label="Source", choices=Source.choices, widget=forms.CheckboxSelectMultiple
    )
    # Here the figure's own second reading, not its study's.
    reading = django_filters.ChoiceFilter(
        label="Second reading",
        choices=[("checked", "Checked by a second curator"), ("unchecked", "Entered, not yet checked")],
        method="filter_figure_reading",
    )

    class Meta:
        model = Measurement
        fields: list[str] = []

    def filter_figure_reading(self, queryset, name, value):
        return queryset.filter(checked_at__isnull=value != "checked")

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        for name in MEASUREMENT_ONLY:
            queryset = self.filters[name].filter(queryset, data.get(name))
        # The study filters, validated once by this form, applied by a StudyFilter to studies.
        studies = StudyFilter(self.data, queryset=Study.objects.all())
        studies.form.cleaned_data = {k: v for k, v in data.items() if k not in MEASUREMENT_ONLY}
        return queryset.filter(study__in=studies.filter_queryset(studies.queryset).order_by().values("pk"))


# A study list's sort and row selection say nothing about which measurements match.
for _name in ("sort", "id"):
    del MeasurementFilter.base_filters[_name]
