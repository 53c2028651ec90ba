"""The admin's "read figures from the abstract": a paper's abstract, pasted or fetched from
Crossref, read by interfaces/abstract_figures.py into proposed figures that a curator ticks and
edits; only what they confirm is saved, as their entries (unchecked), with the abstract kept
on the paper."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.db.models import Max

from references.models import Reference

from .abstract_figures import Proposal, propose
from .models import CellType, Measurement, Qualifier, Quantity, Role, Source, SourceKind, Study, unit_of
from .second_reading import entered

ABSTRACT_MAX = 10_000
# A proposal's test conditions, shown under it in this order.
CONDITION_FIELDS = [
    "temperature_c",
    "current_density_ma_cm2",
    "areal_capacity_mah_cm2",
    "stack_pressure_mpa",
    "cell_type",
]


class AbstractForm(forms.Form):
    abstract = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 9, "cols": 100}),
        max_length=ABSTRACT_MAX,
        help_text="The paper's abstract, as the publisher prints it.",
    )
    source_url = forms.URLField(
        label="where it was read",
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"size": 80}),
        help_text="The address of the page that shows this abstract (the publisher's, PubMed Central, "
        "a preprint server); every figure saved from it records this address.",
    )

    def clean_abstract(self):
        abstract = self.cleaned_data["abstract"].strip()
        Reference._meta.get_field("abstract").run_validators(abstract)
        return abstract


class ProposalForm(forms.Form):
    """One proposed figure: kept or not, and edited before it is saved."""

    keep = forms.BooleanField(required=False, initial=True)
    quantity = forms.ChoiceField(choices=[(q.value, f"{q.label} ({unit_of(q)})") for q in Quantity])
    qualifier = forms.ChoiceField(choices=[("", "—"), *Qualifier.choices], required=False)
    value = forms.FloatField(min_value=0)
    value_max = forms.FloatField(min_value=0, required=False)
    reported = forms.CharField(max_length=100, required=False, widget=forms.TextInput(attrs={"size": 16}))
    role = forms.ChoiceField(choices=[("", "—"), *Role.choices], required=False)
    control = forms.IntegerField(label="compared with #", min_value=1, required=False)
    condition = forms.CharField(max_length=200, required=False, widget=forms.TextInput(attrs={"size": 40}))
    temperature_c = forms.FloatField(label="°C", required=False)
    current_density_ma_cm2 = forms.FloatField(label="mA/cm²", min_value=0, required=False)
    areal_capacity_mah_cm2 = forms.FloatField(label="mAh/cm²", min_value=0, required=False)
    stack_pressure_mpa = forms.FloatField(label="MPa", min_value=0, required=False)
    cell_type = forms.ChoiceField(label="cell", choices=[("", "—"), *CellType.choices], required=False)
    sentence = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A row's fields sit under column headers, not labels: each names itself for screen readers.
        for name, field in self.fields.items():
            if not field.widget.is_hidden:
                field.widget.attrs["aria-label"] = str(field.label or name.replace("_", " ")).capitalize()

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("value"), cleaned.get("value_max")
        if low is not None and high is not None and high < low:
            self.add_error("value_max", "The upper end of the range is below its lower end.")
        return cleaned


class BaseProposalFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        kept = {index + 1: form for index, form in enumerate(self.forms) if form.cleaned_data.get("keep")}
        for form in kept.values():
            control = form.cleaned_data.get("control")
            if not control:
                continue
            target = kept.get(control)
            if target is None:
                form.add_error("control", f"#{control} is not a kept figure.")
            elif target is form:
                form.add_error("control", "A figure cannot be its own control.")
            elif target.cleaned_data["quantity"] != form.cleaned_data["quantity"]:
                form.add_error("control", f"#{control} measures another quantity.")
        if not kept:
            raise forms.ValidationError("Tick at least one figure to save, or go back to the study.")


ProposalFormSet = forms.formset_factory(ProposalForm, formset=BaseProposalFormSet, extra=0, max_num=200)


def initial_rows(proposals: list[Proposal]) -> list[dict]:
    """The proposals as the rows' initial values; a pair's control named by its row number."""
    return [
        {
            "keep": True,
            "quantity": p.quantity,
            "qualifier": p.qualifier,
            "value": p.value,
            "value_max": p.value_max,
            "reported": p.reported,
            "role": p.role,
            "control": p.control + 1 if p.control is not None else None,
            "temperature_c": p.temperature_c,
            "current_density_ma_cm2": p.current_density_ma_cm2,
            "areal_capacity_mah_cm2": p.areal_capacity_mah_cm2,
            "stack_pressure_mpa": p.stack_pressure_mpa,
            "cell_type": p.cell_type,
            "sentence": p.sentence,
        }
        for p in proposals
    ]


def read(abstract: str) -> list[dict]:
    return initial_rows(propose(abstract))


@transaction.atomic
def save_figures(study: Study, rows: list[dict], abstract: str, source_url: str, username: str) -> int:
    """Save the kept rows as the study's next figures, paired as the rows say, each the curator's
    entry; keep the abstract on the paper when it holds none. All or nothing."""
    study = Study.objects.select_for_update().get(pk=study.pk)
    position = study.measurements.aggregate(last=Max("position"))["last"] or 0
    saved: dict[int, Measurement] = {}
    for number, row in enumerate(rows, start=1):
        if not row.get("keep"):
            continue
        position += 1
        figure = Measurement(
            study=study,
            position=position,
            quantity=row["quantity"],
            qualifier=row.get("qualifier") or "",
            value=row["value"],
            value_max=row.get("value_max"),
            reported=row.get("reported") or "",
            role=Role.CONTROL
            if any(r.get("keep") and r.get("control") == number for r in rows)
            else (Role.TREATED if row.get("control") else row.get("role") or ""),
            condition=row.get("condition") or "",
            temperature_c=row.get("temperature_c"),
            current_density_ma_cm2=row.get("current_density_ma_cm2"),
            areal_capacity_mah_cm2=row.get("areal_capacity_mah_cm2"),
            stack_pressure_mpa=row.get("stack_pressure_mpa"),
            cell_type=row.get("cell_type") or "",
            locator="abstract",
            source=Source.ABSTRACT,
            source_url=source_url,
            source_kind=SourceKind.TEXT,
            note=f"Abstract: {row['sentence']}" if row.get("sentence") else "",
        )
        entered(figure, username)
        figure.full_clean(exclude=["control"])
        figure._change_reason = "Read from the abstract"
        figure.save()
        saved[number] = figure
    for number, figure in saved.items():
        control = rows[number - 1].get("control")
        if control:
            figure.control = saved[control]
            figure.save(update_fields=["control"])
    reference = study.reference
    if not reference.abstract.strip():
        reference.abstract = abstract
        reference.save(update_fields=["abstract"])
    return len(saved)
