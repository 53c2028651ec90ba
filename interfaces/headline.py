"""A study's headline figure of a quantity: the one the list, the charts and the comparison show.

The rule: among the study's figures of that quantity, controls left out, the best one — the
lowest value where lower is better (an interfacial resistance, an overpotential), else the
highest top of a range (a CCD "1–2 mA/cm²" counts as 2). It is written three times, once per
form the figures come in, side by side here; tests/test_headline.py checks that they agree:
- model instances (a study's prefetched measurements): `headline`;
- export documents (the JSON of docs/contract.md): `headline_of_documents`;
- SQL (the value stored on each study for sorting and filtering): `headline_value_sql`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import FloatField, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .vocabularies import LOWER_IS_BETTER, Role


def top(value: float, value_max: float | None) -> float:
    """The upper figure of a value or a range."""
    return value if value_max is None else value_max


def headline_value(figure, quantity: str) -> float:
    """What a headline figure of the quantity stands for: its value, or the top of its range."""
    return figure.value if quantity in LOWER_IS_BETTER else top(figure.value, figure.value_max)


def headline(figures: Iterable, quantity: str):
    """The best of the figures (measurements) of a quantity, controls left out; None without one."""
    candidates = [m for m in figures if m.quantity == quantity and m.role != Role.CONTROL]
    if not candidates:
        return None
    if quantity in LOWER_IS_BETTER:
        return min(candidates, key=lambda m: m.value)
    return max(candidates, key=lambda m: top(m.value, m.value_max))


def headline_of_documents(figures: Iterable[dict], quantity: str) -> dict | None:
    """The same rule over figures as the export documents give them."""
    candidates = [m for m in figures if m["quantity"] == quantity and m["role"] != Role.CONTROL]
    if not candidates:
        return None
    if quantity in LOWER_IS_BETTER:
        return min(candidates, key=lambda m: m["value"])
    return max(candidates, key=lambda m: top(m["value"], m["value_max"]))


def headline_value_sql(figures: QuerySet, quantity: str) -> Subquery:
    """The same rule in SQL: the headline value among `figures` (one quantity's, of the outer
    study, controls left out), as a subquery to store on the study."""
    if quantity in LOWER_IS_BETTER:
        best = figures.order_by("value").values("value")[:1]
    else:
        best = figures.annotate(top=Coalesce("value_max", "value")).order_by("-top").values("top")[:1]
    return Subquery(best, output_field=FloatField())


def factor_text(factor: float) -> str:
    """How many times a treated figure beats its control, to two or three significant figures:
    1710, 37, 4.5 (shown after a ×)."""
    return f"{factor:.2g}" if factor < 10 else f"{factor:.0f}"
