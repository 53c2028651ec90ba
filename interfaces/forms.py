"""The reader's report form."""

import hashlib
import hmac

from django import forms
from django.conf import settings

from .models import Report


class ReportForm(forms.ModelForm):
    """A reader's report. `website` is a honeypot: people never see it, form-filling robots fill it."""

    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = Report
        fields = ["problem", "correction", "evidence", "email"]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
            "correction": forms.TextInput(attrs={"maxlength": 500}),
            "evidence": forms.TextInput(attrs={"maxlength": 500}),
        }
        help_texts = {
            "problem": "For example: the value, its unit, a condition or the DOI. At most 2,000 characters."
        }

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))


def client_key(address: str) -> str:
    """The sender's address as a keyed hash: enough to limit the rate, nothing to identify them."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()
