"""Chart data for the study list, built from the same per-study JSON the `format=json` export gives.

Only comparable figures share an axis: values in their canonical unit, a study's treated (or
unlabelled) figure apart from its untreated control, and an interfacial resistance given
without its electrode area (Ω, not Ω·cm²) left out and counted. A log axis cannot show zero,
so a zero is left out and counted too."""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Iterable

from references.models import ANONYMOUS

from .fields import conditions_of
from .headline import factor_text, headline_of_documents, top
from .models import Strategy
from .vocabularies import SOURCE_PHRASES

CCD, RESISTANCE, UNNORMALISED = "ccd", "interfacial_resistance", "resistance"


def study_label(study: dict) -> str:
    """'Deng et al. 2020 · Li3PO4 on LLZTO': who, when, what on what."""
    # The export gives authors as "Given Family"; the view adds the list's own label when it has it.
    authors = study["reference"]["authors"]
    who = study.get("first_author") or (authors[0].split()[-1] if authors else ANONYMOUS)
    year = study["reference"]["year"] or "n.d."
    layers = " + ".join(layer["name"] for layer in study["interlayers"])
    what = f"{layers} on {study['electrolyte']['name']}" if layers else study["electrolyte"]["name"]
    return f"{who} {year} · {what}"


def conditions_text(m: dict) -> str:
    return ", ".join(conditions_of(m.get, space=" ")) or "conditions not stated"


def value_text(m: dict) -> str:
    text = f"{m['value']:g}" + (f"–{m['value_max']:g}" if m["value_max"] is not None else "")
    return f"{m['qualifier'] or ''}{text} {m['unit']}"


def source_text(study: dict, m: dict) -> str:
    reference = study["reference"]
    where = SOURCE_PHRASES[m["source"]]
    journal = f", {reference['journal']}" if reference["journal"] else ""
    return f"{m['locator']}, read in {where}{journal}"


def _top(m: dict) -> float:
    return top(m["value"], m["value_max"])


def _point(study: dict, m: dict, what: str) -> dict:
    """One mark: its study, its value, and the text a hover or focus shows."""
    label = study_label(study)
    value = value_text(m)
    conditions = conditions_text(m)
    source = source_text(study, m)
    condition = f" ({m['condition']})" if m["condition"] else ""
    return {
        "id": study["id"],
        "url": study["url"],
        "label": label,
        "strategy": study["strategy"]["label"],
        "family": study["electrolyte"]["family"]["label"],
        "year": study["reference"]["year"],
        "value": _top(m) if what == "Best CCD" else m["value"],
        "value_text": value,
        "conditions": conditions,
        "source": source,
        "title": f"{label}\n{what}: {value}{condition}\n{conditions}\nSource: {source}",
    }


def chart_data(studies: Iterable[dict]) -> dict:
    """The marks of each chart and what was left out of them, from export-shaped studies."""
    pairs, ccd, ccd_resistance = [], [], []
    count = 0
    left_out = {"unnormalised": 0, "zero": 0, "resistance_without_control": 0}
    for study in studies:
        count += 1
        figures = study["measurements"]
        by_id = {m["id"]: m for m in figures}
        if any(m["quantity"] == UNNORMALISED for m in figures):
            left_out["unnormalised"] += 1
        best_ccd = headline_of_documents(figures, CCD)
        if best_ccd is not None and _top(best_ccd) <= 0:
            left_out["zero"] += 1
            best_ccd = None
        lowest = headline_of_documents([m for m in figures if m["value"] > 0], RESISTANCE)
        if best_ccd is not None:
            point = _point(study, best_ccd, "Best CCD")
            ccd.append(point)
            if lowest is not None:
                resistance = _point(study, lowest, "Interfacial resistance")
                ccd_resistance.append(
                    point
                    | {
                        "resistance": lowest["value"],
                        "resistance_text": resistance["value_text"],
                        "title": point["title"] + "\n" + resistance["title"].split("\n", 1)[1],
                    }
                )
        pair = _best_pair(study, figures, by_id)
        if pair is not None:
            pairs.append(pair)
        elif lowest is not None:
            left_out["resistance_without_control"] += 1
    pairs.sort(key=lambda p: (-p["improvement"], p["label"]))
    return {
        "count": count,
        "units": {"ccd": "mA/cm²", "interfacial_resistance": "Ω·cm²"},
        "strategies": [str(label) for label in Strategy.labels],
        "pairs": pairs,
        "ccd": ccd,
        "ccd_resistance": ccd_resistance,
        "left_out": left_out,
    }


def _best_pair(study: dict, figures: list[dict], by_id: dict) -> dict | None:
    """The study's treated interfacial resistance with its control that improved the most."""
    best = None
    for m in figures:
        control = by_id.get(m["control"]) if m["control"] else None
        if m["quantity"] != RESISTANCE or control is None or m["value"] <= 0 or control["value"] <= 0:
            continue
        improvement = control["value"] / m["value"]
        if best is None or improvement > best[0]:
            best = (improvement, m, control)
    if best is None:
        return None
    improvement, treated, control = best
    point = _point(study, treated, "After")
    before = value_text(control) + (f" ({control['condition']})" if control["condition"] else "")
    title_lines = point["title"].split("\n")
    title_lines.insert(1, f"Before: {before}")
    times = factor_text(improvement)
    title_lines.insert(3, f"×{times} {'lower' if improvement >= 1 else 'higher'}")
    return point | {
        "before": control["value"],
        "after": treated["value"],
        "before_text": value_text(control),
        "improvement": improvement,
        "improvement_text": f"×{times}",
        "title": "\n".join(title_lines),
    }


# What the browser needs of each mark; the tables of the charts page use the rest.
DRAWN_FIELDS = {
    "pairs": ("id", "url", "label", "strategy", "before", "after", "title"),
    "ccd": ("id", "url", "strategy", "family", "year", "value", "title"),
    "ccd_resistance": ("id", "url", "strategy", "value", "resistance", "title"),
}


def drawn(data: dict) -> dict:
    """The chart data as the browser gets it: each mark with only the fields drawn or shown."""
    marks = {key: [{f: p[f] for f in fields} for p in data[key]] for key, fields in DRAWN_FIELDS.items()}
    return data | marks


def summary(data: dict) -> dict[str, str]:
    """One sentence per chart saying what it shows, or why it is empty."""
    pairs, ccd, both = data["pairs"], data["ccd"], data["ccd_resistance"]
    texts = {}
    if pairs:
        top = pairs[0]
        texts["pairs"] = (
            f"{len(pairs)} stud{'y' if len(pairs) == 1 else 'ies'} report an interfacial resistance with "
            f"and without the strategy; the largest cut is {top['improvement_text']} "
            f"({top['before_text']} → {top['value_text']}, {top['label']})."
        )
    else:
        texts["pairs"] = (
            "No study in this filter reports an interfacial resistance (Ω·cm²) together with its "
            "untreated control."
        )
    if ccd:
        top = max(ccd, key=lambda p: p["value"])
        texts["ccd"] = (
            f"{len(ccd)} stud{'y' if len(ccd) == 1 else 'ies'} report a critical current density; "
            f"the highest is {top['value_text']} ({top['label']}, {top['strategy']})."
        )
    else:
        texts["ccd"] = "No study in this filter reports a critical current density."
    if both:
        texts["ccd_resistance"] = (
            f"{len(both)} stud{'y' if len(both) == 1 else 'ies'} report both a critical current density "
            "and an interfacial resistance (Ω·cm²)."
        )
    else:
        texts["ccd_resistance"] = (
            "No study in this filter reports both a critical current density and an interfacial "
            "resistance in Ω·cm²."
        )
    years = sorted({p["year"] for p in ccd if p["year"]})
    if years:
        texts["ccd_year"] = f"Critical current densities reported from {years[0]} to {years[-1]}."
    else:
        texts["ccd_year"] = "No study in this filter reports a critical current density with a year."
    return texts


def notes(data: dict) -> list[str]:
    """What was left out of the charts, and why."""
    left_out, result = data["left_out"], []
    if left_out["unnormalised"]:
        n = left_out["unnormalised"]
        result.append(
            f"{n} stud{'y gives' if n == 1 else 'ies give'} an interfacial resistance without the "
            "electrode area (Ω, not Ω·cm²): left out, as it cannot be compared."
        )
    if left_out["resistance_without_control"]:
        n = left_out["resistance_without_control"]
        result.append(
            f"{n} stud{'y reports' if n == 1 else 'ies report'} an interfacial resistance (Ω·cm²) with no "
            "untreated control to pair it with: not in the before → after chart."
        )
    if left_out["zero"]:
        n = left_out["zero"]
        result.append(f"{n} figure{'' if n == 1 else 's'} of zero cannot be placed on a log axis: left out.")
    return result


# -- a study's figures among its electrolyte family's ------------------------------------
STRIP_WIDTH, STRIP_PAD = 600, 20


DOTS_MAX = 300


def _log_position(value: float, low: float, high: float) -> float:
    if high <= low:
        return STRIP_WIDTH / 2
    return STRIP_PAD + (STRIP_WIDTH - 2 * STRIP_PAD) * (math.log10(value) - math.log10(low)) / (
        math.log10(high) - math.log10(low)
    )


def family_strip(others: list[float]) -> dict:
    """A family's figures drawn once for all its studies' pages: range, median, dots, ticks,
    and the figures sorted, so that a study is placed among them without reading them all."""
    values = sorted(v for v in others if v and v > 0)
    if not values:
        return {"n": 0}
    low, high = values[0], values[-1]
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    ticks = [
        {"x": round(_log_position(10.0**d, low, high), 1), "label": f"{10.0**d:g}"}
        for d in decades
        if low <= 10.0**d <= high
    ]
    precision = 1 if len(values) <= DOTS_MAX else 0
    return {
        "n": len(values),
        "median": statistics.median(values),
        "low": low,
        "high": high,
        # A dot per study, except where they would overlap: a family of thousands draws one
        # dot per occupied pixel, not thousands of marks on top of each other.
        "dots": sorted({round(_log_position(v, low, high), precision) for v in values}),
        "ticks": ticks,
        "values": values,
    }


def placed(strip: dict, own: float | None, higher_is_better: bool) -> dict:
    """Where a study's stored headline figure sits on its family's strip (own among the values)."""
    if not strip["n"] or own is None or own <= 0:
        return strip
    values = strip["values"]
    # How many of the family did better: a binary search in the sorted figures.
    if higher_is_better:
        better = len(values) - bisect.bisect_right(values, own)
    else:
        better = bisect.bisect_left(values, own)
    rank = better + 1
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return strip | {
        "own": own,
        "own_x": round(_log_position(own, strip["low"], strip["high"]), 1),
        "rank": rank,
        "rank_text": f"{rank}{suffix}",
    }
