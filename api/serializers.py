"""The API's documents: the export functions' JSON, with its fields declared for the OpenAPI schema.

Each serializer writes exactly what the matching export writes (`to_representation`
calls it); the declared fields only describe that JSON, and the contract test checks the
two agree.
"""

from django.urls import reverse
from rest_framework import serializers

from atlas.caching import SHARED, cached_many
from interfaces.exports import (
    electrolyte_json,
    family_json,
    interlayer_json,
    measurement_json,
    study_json,
)
from interfaces.fields import CHOICE, DATE, ID, JSON_FIELDS, NUMBER, FigureField
from interfaces.models import (
    CellType,
    ElectrolyteForm,
    InterlayerKind,
    Method,
    Strategy,
    read_whole,
    record_key,
)
from references.exports import reference_json


def _text(**kwargs):
    return serializers.CharField(allow_blank=True, **kwargs)


def _choice(choices, **kwargs):
    return serializers.ChoiceField(choices=choices, **kwargs)


# The addresses in a record: written relative by the exports, made absolute for the API's
# clients from the request's scheme and host, so that a record's links work wherever it lands.
ADDRESS_FIELDS = ("url", "study_url")


class _ExportSerializer(serializers.Serializer):
    """Read-only: the representation is the export's JSON, with its addresses absolute."""

    to_json = None

    def to_representation(self, instance):
        return self.absolute(type(self).to_json(instance))

    def absolute(self, document: dict) -> dict:
        """The document with its addresses made absolute for the request's scheme and host."""
        request = self.context.get("request")
        if request is None:
            return document
        return document | {
            name: request.build_absolute_uri(document[name]) for name in ADDRESS_FIELDS if name in document
        }


class ReferenceSerializer(_ExportSerializer):
    to_json = staticmethod(reference_json)
    citekey = serializers.CharField()
    doi = _text(help_text="Normalised: lower-case, no https://doi.org/ prefix; empty without a DOI.")
    doi_url = _text()
    title = serializers.CharField()
    authors = serializers.ListField(child=serializers.CharField())
    journal = _text()
    year = serializers.IntegerField(allow_null=True)


def _figure_field(field: FigureField) -> serializers.Field:
    """The serializer field that describes one declared figure field."""
    described = {"help_text": field.description}
    if field.kind == ID:
        return serializers.IntegerField(allow_null=not field.required, **described)
    if field.kind == NUMBER:
        return serializers.FloatField(allow_null=not field.required, **described)
    if field.kind == CHOICE:
        return _choice(field.choices.choices, allow_null=field.null_if_empty, **described)
    if field.kind == DATE:
        return serializers.DateTimeField(allow_null=True, **described)
    return serializers.CharField(allow_blank=not field.required, **described)


# A figure's fields, as interfaces/fields.py declares them.
MeasurementSerializer = type(
    "MeasurementSerializer",
    (_ExportSerializer,),
    {
        "__doc__": "A figure (measurement), as the export writes it.",
        "to_json": staticmethod(measurement_json),
        **{field.name: _figure_field(field) for field in JSON_FIELDS},
    },
)


class StudyMeasurementSerializer(MeasurementSerializer):
    """A measurement in the measurements list: with the id and address of its study."""

    to_json = staticmethod(
        lambda m: (
            measurement_json(m)
            | {"study": m.study_id, "study_url": reverse("interfaces:study-detail", args=[m.study_id])}
        )
    )
    study = serializers.IntegerField()
    study_url = serializers.URLField(help_text="The study's page on the site, absolute.")


class _FamilyBriefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    label = serializers.CharField()


class _ElectrolyteBriefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    formula = _text()
    family = _FamilyBriefSerializer()


class _InterlayerBriefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = _choice(InterlayerKind.choices)


class _StrategySerializer(serializers.Serializer):
    slug = _choice(Strategy.choices)
    label = serializers.CharField()


class _MethodSerializer(serializers.Serializer):
    slug = _choice(Method.choices)
    label = serializers.CharField()


class _StudyPageSerializer(serializers.ListSerializer):
    """A page of studies: each study's document written once for its record key (its version and
    time of saving) and read from the cache, the page's in one round trip; a study the cache
    lacks is read whole to be written (the page reads its studies' keys alone)."""

    def to_representation(self, data):
        studies = list(data.all() if hasattr(data, "all") else data)
        keys = {record_key(study): study for study in studies}

        def write(missing: list[str]) -> dict[str, dict]:
            return dict(zip(missing, map(study_json, read_whole([keys[k] for k in missing])), strict=True))

        documents = cached_many("api-study", list(keys), write, reads=SHARED)
        return [self.child.absolute(documents[key]) for key in keys]


class StudySerializer(_ExportSerializer):
    to_json = staticmethod(study_json)

    class Meta:
        list_serializer_class = _StudyPageSerializer

    id = serializers.IntegerField()
    key = serializers.CharField()
    url = serializers.URLField(help_text="The study's page on the site, absolute.")
    summary = _text()
    strategy = _StrategySerializer()
    electrolyte = _ElectrolyteBriefSerializer()
    interlayers = _InterlayerBriefSerializer(many=True)
    method = _MethodSerializer(allow_null=True)
    anode = _text()
    cell_type = _choice(CellType.choices, allow_null=True)
    cell = _text()
    measurements = MeasurementSerializer(many=True)
    reference = ReferenceSerializer()


class FamilySerializer(_ExportSerializer):
    to_json = staticmethod(family_json)
    slug = serializers.CharField()
    label = serializers.CharField()
    url = serializers.URLField(help_text="The study list filtered by this family, absolute.")
    examples = _text()
    forms_stable_interphase = serializers.BooleanField(
        allow_null=True, help_text="Review §2.2; null when the source does not say."
    )
    stability_note = _text()
    stability_locator = _text()
    study_count = serializers.IntegerField()


class ElectrolyteSerializer(_ExportSerializer):
    to_json = staticmethod(electrolyte_json)
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField(help_text="Its page on the site, absolute.")
    formula = _text()
    aliases = serializers.ListField(child=serializers.CharField())
    family = _FamilyBriefSerializer()
    form = _choice(ElectrolyteForm.choices, allow_null=True)
    dopants = _text()
    description = _text()
    study_count = serializers.IntegerField()


class InterlayerSerializer(_ExportSerializer):
    to_json = staticmethod(interlayer_json)
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField(help_text="Its page on the site, absolute.")
    formula = _text()
    kind = _choice(InterlayerKind.choices)
    kind_label = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    description = _text()
    study_count = serializers.IntegerField()


class ErrorSerializer(serializers.Serializer):
    """Every error: what went wrong, and for each offending parameter, why."""

    error = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
