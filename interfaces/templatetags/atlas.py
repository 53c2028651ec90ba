"""Template filters: formulas with subscripts, study titles, short labels and factors, and the
words a search matched, marked."""

import re

from django import template
from django.template.loader import get_template
from django.utils.html import conditional_escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from atlas.caching import CLASSES, EVERYTHING, LINKS, RECORDS, SHARED, cached, cached_many
from interfaces.headline import factor_text
from interfaces.models import read_whole, record_key
from interfaces.provenance import linked_addresses, paper_link, source_link
from interfaces.search import fold, terms
from interfaces.search import highlight as marked

register = template.Library()

ELEMENTS = frozenset(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr "
    "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm "
    "Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No "
    "Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og".split()
)

# An element symbol or a closing bracket, then its count: a number (12, 0.75), a number
# plus or minus a variable term (12−x, 3+3x) or a lone variable (x, δ) that does not start a word.
# A leading number, as in 0.75Li2S, is a coefficient and stays on the line.
_SUBSCRIPTED = re.compile(
    r"(?P<head>[A-Z][a-z]?|\))"
    r"(?P<count>\d+(?:\.\d+)?(?:[−+-]\d*(?:\.\d+)?[xyzδ](?![a-z]))?|[xyzδ](?![a-z]))"
)


def _subscript(match: re.Match) -> str:
    head, count = match.group("head"), match.group("count")
    if head != ")" and head not in ELEMENTS:
        return match.group(0)  # "Mix", "E1": not an element, not a formula
    return f"{head}<sub>{count}</sub>"


@register.filter(is_safe=True)
def formula(value) -> SafeString:
    """Escape, then write stoichiometric numbers as subscripts: Li7La3Zr2O12 → Li<sub>7</sub>La…"""
    if value is None or value == "":
        return mark_safe("")
    # Entities made by escaping are lower-case (&amp;, &#x27;), so they never match.
    return mark_safe(_SUBSCRIPTED.sub(_subscript, str(conditional_escape(value))))


@register.filter(is_safe=True)
def study_title(study) -> SafeString:
    """'Li3PO4 on LLZTO', or 'Anode design — LLCZN' when the study has no interlayer."""
    electrolyte = formula(study.electrolyte.name)
    layers = [formula(layer.material.name) for layer in study.ordered_layers]
    if layers:
        return mark_safe(" + ".join(layers) + " on " + electrolyte)
    label = str(study.get_strategy_display()).split(" (")[0]
    if label == "Other":
        label = "Other strategy"
    return mark_safe(f"{conditional_escape(label)} — {electrolyte}")


SOURCE_SHORT = {"review": "review", "abstract": "abstract", "full-text": "paper"}


@register.filter
def source_short(source: str) -> str:
    """The one-word label of where a figure was read."""
    return SOURCE_SHORT.get(source, source)


@register.filter
def times(factor: float) -> str:
    """An improvement factor, to two or three significant figures: ×1710, ×37, ×4.5."""
    return factor_text(factor)


# How a method reads inside a row's title: "Li | Al2O3 (ALD, 20 nm) | LLCZN".
METHOD_SHORT = {
    "ald": "ALD",
    "sputtering": "sputtered",
    "evaporation": "evaporated",
    "wet-chemical": "wet-chemical",
    "gas-treatment": "gas treatment",
    "melt-infiltration": "melt-infiltrated",
    "ball-milling": "ball-milled",
    "solid-state-synthesis": "solid-state synthesis",
    "in-situ": "in situ",
}
# The figures that say what an "other" strategy did, in the order they are looked for.
DEFINING_FIGURES = (("stack_pressure", "Stack pressure"), ("grain_size", "Grain size"))
DETAIL_WORDS = 8


def _span(study, quantity: str) -> str:
    """The stated values of a quantity as one span: '20 nm', '5–75 MPa'; '' when none."""
    figures = [m for m in study.measurements.all() if m.quantity == quantity and m.role != "control"]
    if not figures:
        return ""
    low = min(m.value for m in figures)
    high = max(m.value if m.value_max is None else m.value_max for m in figures)
    text = f"{low:g}" if low == high else f"{low:g}–{high:g}"
    return f"{text}\u00a0{figures[0].unit}"


def _short_detail(text: str) -> str:
    """The first clause of a curator's description, at most a few words."""
    clause = re.split(r"[;,(]| — ", text, maxsplit=1)[0].strip()
    words = clause.split()
    short = " ".join(words[:DETAIL_WORDS]) + ("…" if len(words) > DETAIL_WORDS else "")
    return short[:1].upper() + short[1:]


LONG_NAME = 28


@register.filter
def short_name(name: str) -> str:
    """A material's name as a list row shows it: a long name without its explanation in
    brackets, or by its abbreviation when the brackets hold one ('… electrolyte (SE@KANF)')."""
    match = re.fullmatch(r"(?P<head>.+?)\s*\((?P<inner>[^()]*)\)(?P<tail>.*)", name)
    if len(name) <= LONG_NAME or not match:
        return name
    inner = match.group("inner")
    if " " not in inner and len(inner) <= 12 and len(match.group("head")) > LONG_NAME:
        return inner
    return (match.group("head") + match.group("tail")).strip()


@register.filter(is_safe=True)
def row_title(study, query: str = "") -> SafeString:
    """What a study did, as a list row names it: 'Li | Al2O3 (ALD, 20 nm) | LLCZN',
    'Li–In alloy anode on Li6PS5Cl', 'Stack pressure 5–75 MPa on Li6PS5Cl'; with a search,
    the words it matched in the materials' names marked."""

    def named(text: str) -> SafeString:
        return highlight_formula(short_name(text), query)

    electrolyte = named(study.electrolyte.name)
    layers = " + ".join(named(layer.material.name) for layer in study.ordered_layers)
    anode_name = short_name(study.anode or "Li")
    anode = named(anode_name)
    if study.strategy == "anode-design":
        with_layers = f", with {layers}," if layers else ""
        noun = "" if "anode" in anode_name.lower() else " anode"
        anode = named(anode_name[:1].upper() + anode_name[1:])
        return mark_safe(f"{anode}{noun}{with_layers} on {electrolyte}")
    if layers:
        details = [d for d in (METHOD_SHORT.get(study.method, ""), _span(study, "thickness")) if d]
        made = f" ({', '.join(details)})" if details else ""
        return mark_safe(f"{anode} | {layers}{made} | {electrolyte}")
    if study.strategy == "electrolyte-composition":
        method = METHOD_SHORT.get(study.method, "")
        return mark_safe(f"Electrolyte composition: {electrolyte}" + (f" ({method})" if method else ""))
    for quantity, label in DEFINING_FIGURES:
        span = _span(study, quantity)
        if span:
            return mark_safe(f"{label} {span} on {electrolyte}")
    if study.method_detail:
        return mark_safe(f"{highlight_formula(_short_detail(study.method_detail), query)} on {electrolyte}")
    return mark_safe(f"Other strategy on {electrolyte}")


@register.filter(is_safe=True)
def doi_breaks(doi: str) -> SafeString:
    """A DOI that may wrap after its first slash, never inside its prefix or suffix."""
    return mark_safe(str(conditional_escape(doi)).replace("/", "/<wbr>", 1))


@register.filter(name="source_link")
def source_link_filter(address: str) -> SafeString:
    """Where a figure was read: the site, linked, and what kind of page it is."""
    return source_link(address)


@register.filter
def curation_note(text: str) -> SafeString:
    """A curator's note: formulas with subscripts, addresses as labelled links."""
    return linked_addresses(text, plain=formula)


@register.filter
def link_of_record(reference) -> SafeString:
    """The button that takes a reader to the paper itself (its DOI, else its own page)."""
    return paper_link(reference.doi_url, reference.url)


# -- a search's matches ---------------------------------------------------------------
# A stoichiometric count as `formula` finds it, where a mark may open or close between the
# element and its count (Li<mark>3PO4</mark>, <mark>Li</mark>3PO4).
_SUBSCRIPTED_MARKED = re.compile(
    r"(?P<head>[A-Z][a-z]?|\))(?P<tag></?mark>)?"
    r"(?P<count>\d+(?:\.\d+)?(?:[−+-]\d*(?:\.\d+)?[xyzδ](?![a-z]))?|[xyzδ](?![a-z]))"
)


def _subscript_marked(match: re.Match) -> str:
    head, tag, count = match.group("head"), match.group("tag") or "", match.group("count")
    if head != ")" and head not in ELEMENTS:
        return match.group(0)
    return f"{head}{tag}<sub>{count}</sub>"


@register.filter(is_safe=True)
def highlight(value, query) -> SafeString:
    """The text, escaped, with the words a search matched in <mark> (folded as search folds
    them: Kizilaslan marks Kızılaslan); without a search, the text escaped."""
    return marked(str(value or ""), str(query or ""))


@register.filter(is_safe=True)
def highlight_formula(value, query) -> SafeString:
    """A name that may hold formulas: the words a search matched marked, and its stoichiometric
    numbers subscripted as `formula` writes them."""
    if not query:
        return formula(value)
    return mark_safe(_SUBSCRIPTED_MARKED.sub(_subscript_marked, str(marked(str(value or ""), str(query)))))


# Around the first match of a long text, this many pieces (words and the spaces between them).
BEFORE_MATCH, AFTER_MATCH = 8, 24
_PIECES = re.compile(r"<mark>.*?</mark>|[^\s<]+|\s+")


def _excerpt(html: str) -> str:
    """A few words either side of the first <mark> of an escaped, marked text."""
    pieces = _PIECES.findall(html)
    first = next(i for i, piece in enumerate(pieces) if piece.startswith("<mark>"))
    start, end = max(0, first - BEFORE_MATCH), first + AFTER_MATCH
    return ("… " if start else "") + "".join(pieces[start:end]).strip() + (" …" if end < len(pieces) else "")


@register.filter(is_safe=True)
def search_context(study, query) -> SafeString:
    """Where a search matched a study beyond what its row shows: its paper's title, else a few
    words of its summary or mechanism around the first match; empty when the row shows every
    word of the search, or none of those texts matched."""
    wanted = [term.text for term in terms(query)] if query else []
    shown = " ".join(
        (
            strip_tags(row_title(study)),
            study.reference.first_author_label,
            study.electrolyte.name,
            study.electrolyte.family.label if study.electrolyte.family else "",
            str(study.get_strategy_display()),
        )
    )
    if all(term in fold(shown) for term in wanted):
        return mark_safe("")  # the row shows every word already
    title = highlight_formula(study.reference.title, query)
    if "<mark>" in title:
        return mark_safe(f'<span class="match-label">Paper:</span> {title}')
    for label, text in (("Summary", study.summary), ("Mechanism", study.mechanism)):
        found = marked(text or "", query)
        if "<mark>" in found:
            excerpt = _SUBSCRIPTED_MARKED.sub(_subscript_marked, _excerpt(found))
            return mark_safe(f'<span class="match-label">{label}:</span> {excerpt}')
    return mark_safe("")


@register.simple_tag(takes_context=True)
def study_rows(context, studies) -> SafeString:
    """The table rows of `studies` (interfaces/_study_row.html), each rendered once per data
    version for each way a list shows it, read from the cache in one round trip. A row is keyed
    by its study's own version and time of saving (a write of one of its figures or interlayers
    replaces the version) under the version of what classifies the studies, so a curator
    changing one study's figures or description makes that row alone be drawn again. What a row
    shows besides its study comes from the context: the search (`q`), whether rows are
    `selectable` (with `form_id`) and which are `ticked`."""
    query = context.get("q") or ""
    selectable = bool(context.get("selectable"))
    form_id = context.get("form_id") or ""
    ticked = context.get("ticked") or ()
    studies = list(studies)
    keys = {f"{record_key(s)}|{query}|{selectable}|{form_id}|{s.pk in ticked}": s for s in studies}
    row = get_template("interfaces/_study_row.html")

    def render(missing: list[str]) -> dict[str, str]:
        shown = {"query": query, "selectable": selectable, "form_id": form_id, "ticked": ticked}
        drawn = read_whole([keys[key] for key in missing])
        return {
            key: str(row.render(shown | {"study": study})) for key, study in zip(missing, drawn, strict=True)
        }

    rendered = cached_many("study-row", list(keys), render, reads=SHARED)
    return mark_safe("".join(rendered[key] for key in keys))  # noqa: S308 - rendered by the template engine, escaped there


FRAGMENT_READS = {
    "everything": EVERYTHING,
    "records": RECORDS,
    "classes": CLASSES,
    "shared": SHARED,
    "links": LINKS,
    EVERYTHING: EVERYTHING,
    RECORDS: RECORDS,
    CLASSES: CLASSES,
    SHARED: SHARED,
    LINKS: LINKS,
}


class _FragmentNode(template.Node):
    def __init__(self, nodelist, name, key, reads):
        self.nodelist, self.name, self.key, self.reads = nodelist, name, key, reads

    def render(self, context) -> SafeString:
        name, key = self.name.resolve(context), str(self.key.resolve(context))
        # What it reads, when named; anything else (a page that did not say) reads everything.
        reads = FRAGMENT_READS.get(self.reads.resolve(context), EVERYTHING) if self.reads else EVERYTHING
        html = cached(f"fragment:{name}", key, lambda: str(self.nodelist.render(context)), reads=reads)
        return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there


@register.tag
def fragment(parser, token):
    """`{% fragment "name" key [reads] %}…{% endfragment %}`: what it encloses, rendered once
    per data version for each key and then read from the cache (a cache that is away costs a
    render, never a page). The key must name everything the enclosed part shows besides the
    atlas's data. `reads` ("everything", "records", "classes", "links" or "shared", atlas/caching.py)
    says what of the data it shows: it is kept while only the rest changes."""
    bits = token.split_contents()
    if len(bits) not in {3, 4}:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a name, a key and what it reads")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    reads = parser.compile_filter(bits[3]) if len(bits) == 4 else None
    return _FragmentNode(nodelist, parser.compile_filter(bits[1]), parser.compile_filter(bits[2]), reads)


@register.filter(name="record_key")
def record_key_of(study) -> str:
    """The key of a study's own drawings: its id, version and time of saving, and its paper's."""
    return record_key(study)


@register.filter
def facet_key(params, facet) -> str:
    """The key of one filter list of the panel: the query (its ticks, its errors) and what the
    list shows (interfaces.filters.Facet.digest)."""
    return f"{query_without_page(params)}|{facet.param}|{facet.digest}"


@register.filter
def query_without_page(params) -> str:
    """A query string (request.GET) without its page number, its parameters in a fixed order."""
    return "&".join(
        f"{name}={value}" for name in sorted(params) if name != "page" for value in params.getlist(name)
    )
