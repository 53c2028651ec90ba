"""Template filters: formulas with subscripts, study titles, short labels and factors."""

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from interfaces.headline import factor_text
from interfaces.provenance import linked_addresses, paper_link, source_link

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
def row_title(study) -> SafeString:
    """What a study did, as a list row names it: 'Li | Al2O3 (ALD, 20 nm) | LLCZN',
    'Li–In alloy anode on Li6PS5Cl', 'Stack pressure 5–75 MPa on Li6PS5Cl'."""
    electrolyte = formula(short_name(study.electrolyte.name))
    layers = " + ".join(formula(short_name(layer.material.name)) for layer in study.ordered_layers)
    anode = formula(short_name(study.anode or "Li"))
    if study.strategy == "anode-design":
        with_layers = f", with {layers}," if layers else ""
        noun = "" if "anode" in anode.lower() else " anode"
        return mark_safe(f"{anode[:1].upper()}{anode[1:]}{noun}{with_layers} on {electrolyte}")
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
        return mark_safe(f"{formula(_short_detail(study.method_detail))} on {electrolyte}")
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
