"""Template filters for chemistry: formulas with subscripts."""

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

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
    return f"{factor:.2g}" if factor < 10 else f"{factor:.0f}"
