"""Template filters for citing a reference."""

from django import template

from ..citations import DEFAULT_STYLE, STYLE_BY_SLUG
from ..citations import citations as citations_of
from ..citations import cite as cite_in

register = template.Library()


@register.filter
def citations(reference):
    """The reference's plain-text citation in each style offered: a list of (style, text)."""
    return citations_of(reference)


@register.filter
def cite(reference, style: str = DEFAULT_STYLE.slug):
    """The reference's plain-text citation in one style, by its slug (acs, rsc, nature, apa)."""
    return cite_in(reference, STYLE_BY_SLUG[style])
