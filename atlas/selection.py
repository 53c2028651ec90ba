"""The rows a reader ticked on a list (?id=3&id=7, ?citekey=a&citekey=b): one filter for both lists."""

import django_filters
from django import forms


class SelectionField(forms.Field):
    """Repeated values, as the row checkboxes post them, each read by `read_one`, which raises
    ValueError (or TypeError) for a value that names no row, or a ValidationError that says more."""

    widget = forms.MultipleHiddenInput
    read_one = staticmethod(str)
    invalid_message = "A ticked row's value is not one the list gives."

    def to_python(self, value) -> list:
        if not value:
            return []
        values = list(value) if isinstance(value, list | tuple) else [value]
        try:
            return [self.read_one(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(self.invalid_message, code="invalid") from exc


class SelectionFilter(django_filters.Filter):
    """The ticked rows, by the field named `field_name`; all rows when none is ticked."""

    field_class = SelectionField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs
