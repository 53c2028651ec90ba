"""A paper's metadata in a page: Highwire tags and JSON-LD in <head>, a COinS span in a list."""

from html import unescape

from django import template
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import SafeString, mark_safe

from references.metadata import coins, highwire, json_ld, scholarly_article
from references.models import Reference

register = template.Library()

SITE_LICENSE = "https://creativecommons.org/licenses/by/4.0/"


@register.simple_tag(takes_context=True)
def paper_metadata(context, reference, study=None, name: str = "") -> SafeString:
    """The paper's `citation_*` tags and its schema.org record; on a study's page (`study`, with its
    figures loaded, and its `name` as the page writes it) also the study as a Dataset of its figures."""
    tags = format_html_join("\n", '<meta name="{}" content="{}">', highwire(reference))
    records = [scholarly_article(reference)]
    if study is not None:
        records.append(_study_dataset(context.get("request"), study, name, records[0]))
    scripts = "".join(
        f'\n<script type="application/ld+json">{json_ld(record)}</script>' for record in records
    )
    return tags + mark_safe(scripts)


def _study_dataset(request, study, name: str, article: dict) -> dict:
    """A modest Dataset record: the study's name, its page, the quantities it reports, the paper."""
    page = request.build_absolute_uri(study.get_absolute_url()) if request else study.get_absolute_url()
    quantities = dict.fromkeys(str(m.get_quantity_display()) for m in study.measurements.all())
    record = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        # The page's title line, as text: its subscripts' tags and entities undone.
        "name": unescape(strip_tags(name)) or str(study),
        "url": page,
        "license": SITE_LICENSE,
        "isPartOf": {"@type": "Dataset", "name": "Interphase Atlas"},
        "citation": {key: value for key, value in article.items() if key != "@context"},
    }
    if study.summary:
        record["description"] = study.summary
    if quantities:
        record["variableMeasured"] = list(quantities)
    return record


@register.filter
def coins_span(reference) -> SafeString:
    """The paper as a COinS span, which Zotero's connector offers to save."""
    return format_html('<span class="Z3988" title="{}"></span>', coins(reference))


@register.filter
def papers(studies) -> list:
    """The distinct papers of some studies, in the order they first appear, read with their authors."""
    ids = list(dict.fromkeys(study.reference_id for study in studies))
    found = Reference.objects.with_authors().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]
