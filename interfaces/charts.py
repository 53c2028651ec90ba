"""Chart data for the study list: counts and stored headline figures read in SQL, and each mark
drawn one by one worded from the same per-study JSON the `format=json` export gives.

Only comparable figures share an axis: values in their canonical unit, a study's treated (or
unlabelled) figure apart from its untreated control, and an interfacial resistance given
without its electrode area (Ω, not Ω·cm²) left out and counted. A log axis cannot show zero,
so a zero is left out and counted too."""

from __future__ import annotations

import bisect
import functools
import hashlib
import heapq
import math
from array import array
from collections import Counter

from django.db.models import Case, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Cast, Floor

from atlas.caching import in_parts, part_number, part_of
from atlas.lookups import AnyOf, Grouping, Log10, grouped_rows
from references.models import ANONYMOUS, Authorship, first_author_label

from .exports.documents import FIGURE_COLUMNS, STRATEGY_LABELS, figure_document, study_url_pattern
from .fields import conditions_of
from .headline import factor_text, headline_of_documents, top
from .models import Electrolyte, Measurement, Role, Strategy, Study, StudyInterlayer, study_parts
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


def _ccd_marks(study: dict, figures: list[dict]) -> tuple[dict | None, dict | None]:
    """A study's mark on the CCD charts and, with an interfacial resistance, on CCD against it."""
    best_ccd = headline_of_documents(figures, CCD)
    if best_ccd is None or _top(best_ccd) <= 0:
        return None, None
    point = _point(study, best_ccd, "Best CCD")
    lowest = headline_of_documents([m for m in figures if m["value"] > 0], RESISTANCE)
    if lowest is None:
        return point, None
    resistance = _point(study, lowest, "Interfacial resistance")
    return point, point | {
        "resistance": lowest["value"],
        "resistance_text": resistance["value_text"],
        "title": point["title"] + "\n" + resistance["title"].split("\n", 1)[1],
    }


# -- the charts of a filter, read from the database ---------------------------------------
# A chart draws at most this many marks one by one; beyond, it counts the studies in bins of
# a log axis (a tenth of a decade on one axis, a fifth on two) or, for the pairs, draws the
# largest cuts. The JSON's `binned` says which charts were, in a sentence the page shows.
MARKS_MAX = 2000
STRIP_BINS_PER_DECADE, GRID_BINS_PER_DECADE = 10, 5


def _paired_figures(studies: QuerySet) -> QuerySet:
    """Treated interfacial resistances compared with a control of their own study, both above
    zero (the few figures with a control, found by its index)."""
    return Measurement.objects.filter(
        study__in=studies.values("pk"),
        control__isnull=False,
        quantity=RESISTANCE,
        control__study=F("study"),
        value__gt=0,
        control__value__gt=0,
    )


COUNTED = ("count", "zero", "resistance", "zero_resistance", "unnormalised", "above_zero")


def _lowest_above_zero() -> Subquery:
    """A study's lowest treated interfacial resistance above zero: where its stored lowest is
    zero, which a log axis cannot show, what the charts draw instead (if it has one)."""
    figures = Measurement.objects.filter(study=OuterRef("pk"), quantity=RESISTANCE, value__gt=0)
    figures = figures.exclude(role=Role.CONTROL).order_by().values("study").annotate(lowest=Min("value"))
    return Subquery(figures.values("lowest")[:1])


# The groupings of the charts' counts (_part_counts): each row gives its part, a name (the
# strategy), an id, a year or a bin, a bin, the studies, and for TOTALS what else it counts
# (COUNTED's next three; the last two are counted apart: _few). The studies without a bin fall in
# a group of NULLs, which is not kept.
TOTALS, STRIPS, YEARS, GRID = range(4)
_SUMS = (
    "SUM(CASE WHEN ccd <= 0 THEN 1 ELSE 0 END)",
    "SUM(CASE WHEN lowest > 0 THEN 1 ELSE 0 END)",
    "SUM(CASE WHEN lowest = 0 THEN 1 ELSE 0 END)",
)
_COUNT = ("COUNT(*)", "NULL", "NULL", "NULL")
_GROUPINGS = [
    Grouping(TOTALS, ("part",), ("part", "NULL", "NULL", "NULL"), ("COUNT(*)", *_SUMS)),
    Grouping(
        STRIPS,
        ("part", "strategy", "electrolyte", "tenth"),
        ("part", "strategy", "electrolyte", "tenth"),
        _COUNT,
        "tenth IS NOT NULL",
    ),
    Grouping(
        YEARS,
        ("part", "year", "fifth"),
        ("part", "NULL", "year", "fifth"),
        _COUNT,
        "year <> 0 AND fifth IS NOT NULL",
    ),
    Grouping(
        GRID,
        ("part", "resistance", "fifth"),
        ("part", "NULL", "resistance", "fifth"),
        _COUNT,
        "resistance IS NOT NULL",
    ),
]


def _part_counts(studies: QuerySet) -> list[tuple]:
    """Part by part, in one query: the studies, those with a best CCD of zero, and with a stored
    lowest interfacial resistance above zero and of zero (TOTALS); and those with a best CCD
    counted in the bins of the CCD charts: by strategy, electrolyte and tenth of a decade
    (STRIPS; by the electrolyte's id, grouped by family when drawn, so that a change of an
    electrolyte or a family counts no part again), by year and fifth of a decade (YEARS), by the
    fifths of a decade of their stored lowest interfacial resistance above zero and of their CCD
    (GRID; those of zero: _few). A bin is [10**(k / per decade), 10**((k + 1) / per decade)), its
    k computed with Python's log10 (atlas.lookups.Log10). Rows (grouping, _GROUPINGS' given, the
    studies, the three sums): as few and as narrow as they can be, since reading them costs about
    as much as counting them.

    The studies are read once (atlas.lookups.grouped_rows; PostgreSQL hashes them in memory:
    atlas/settings.py raises its work_mem), and only their own columns, their paper's year among
    them (Study.paper_year): PostgreSQL reads them from one covering index (study_chart_figures),
    joining nothing. A lookup a study (an EXISTS, a subquery) made PostgreSQL plan for one a row,
    and read them in another order."""
    has_ccd = Q(best_ccd_value__gt=0)
    ccd = Log10(F("best_ccd_value"))

    def bin_of(logarithm, per_decade: int) -> Cast:
        return Cast(Floor(logarithm * per_decade), IntegerField())

    resistance = bin_of(Log10(F("lowest_resistance_value")), GRID_BINS_PER_DECADE)
    found = studies.annotate(
        part=part_number(),
        year=Case(When(has_ccd, then=F("paper_year"))),
        tenth=Case(When(has_ccd, then=bin_of(ccd, STRIP_BINS_PER_DECADE))),
        fifth=Case(When(has_ccd, then=bin_of(ccd, GRID_BINS_PER_DECADE))),
        resistance_fifth=Case(When(has_ccd & Q(lowest_resistance_value__gt=0), then=resistance)),
    ).values_list(
        "part",
        "strategy",
        "electrolyte_id",
        "year",
        "tenth",
        "fifth",
        "resistance_fifth",
        "best_ccd_value",
        "lowest_resistance_value",
    )
    sql, params = found.query.sql_with_params()
    columns = ("part", "strategy", "electrolyte", "year", "tenth", "fifth", "resistance", "ccd", "lowest")
    return grouped_rows(sql, params, found.db, columns, _GROUPINGS)


def _few(studies: QuerySet) -> tuple[list[int], list[tuple[int, float | None, float]]]:
    """What the charts count of a few studies, each found by an index: the studies with an
    interfacial resistance given without its area (their ids, once each), and those whose stored
    lowest interfacial resistance is zero, which a log axis cannot show, and that have one above
    zero, which the charts draw instead: (id, best CCD, lowest above zero)."""
    unnormalised = Measurement.objects.filter(quantity=UNNORMALISED, study__in=studies.values("pk"))
    zero = studies.filter(lowest_resistance_value=0).annotate(above=_lowest_above_zero())
    return (
        list(unnormalised.order_by().values_list("study_id", flat=True).distinct()),
        list(zero.filter(above__isnull=False).values_list("pk", "best_ccd_value", "above")),
    )


def _bin(value: float, per_decade: int) -> int:
    """The bin of a value above zero, as the database computes it (atlas.lookups.Log10)."""
    return math.floor(math.log10(value) * per_decade)


def _best_pairs(studies: QuerySet) -> dict[int, tuple[float, int, int]]:
    """Each study's pair that improved the most, as (improvement, treated id, control id); the
    first in the study's order of figures among equals, as _best_pair takes it."""
    rows = (
        _paired_figures(studies)
        .order_by("study_id", "position", "pk")
        .values_list("study_id", "pk", "value", "control_id", "control__value")
    )
    best: dict[int, tuple[float, int, int]] = {}
    for study_id, pk, value, control_id, control_value in rows:
        improvement = control_value / value
        if study_id not in best or improvement > best[study_id][0]:
            best[study_id] = (improvement, pk, control_id)
    return best


def _largest_cuts(pairs: dict[int, tuple[float, int, int]]) -> list[int]:
    """The studies of the MARKS_MAX largest cuts, largest first (the first id among equals)."""
    return heapq.nsmallest(MARKS_MAX, pairs, key=lambda pk: (-pairs[pk][0], pk))


def chart_parts(studies: QuerySet, parts: list[int], every: bool) -> dict[int, dict]:
    """What each part of the filtered studies (atlas/caching.py, cached_by_part) adds to the
    charts: its counts, its studies counted in the CCD charts' bins, and its pairs with the
    largest cuts (as many as a chart draws), in three queries (`every`: these are all the parts)."""
    studies = studies.order_by()
    if not every:
        studies = studies.filter(in_parts(parts))
    added = {
        part: {"counts": dict.fromkeys(COUNTED, 0), "bins": ({}, {}, {}), "pairs": {}, "paired": 0}
        for part in parts
    }
    # Tens of thousands of rows for every study: each read by position, into its part's bins.
    bins_of = {part: value["bins"] for part, value in added.items()}
    for row in _part_counts(studies):
        grouping, part = row[0], row[1]
        if part not in bins_of:
            continue
        if grouping == STRIPS:
            bins_of[part][0][row[2], row[3], row[4]] = row[5]
        elif grouping == YEARS:
            bins_of[part][1][row[3], row[4]] = row[5]
        elif grouping == GRID:
            bins_of[part][2][row[3], row[4]] = row[5]
        else:
            added[part]["counts"] = dict(zip(COUNTED, map(int, (*row[5:], 0, 0)), strict=True))
    unnormalised, above_zero = _few(studies)
    for pk in unnormalised:
        if part_of(pk) in added:
            added[part_of(pk)]["counts"]["unnormalised"] += 1
    for pk, ccd, above in above_zero:
        if part_of(pk) in added:
            added[part_of(pk)]["counts"]["above_zero"] += 1
            if ccd is not None and ccd > 0:
                grid = added[part_of(pk)]["bins"][2]
                key = (_bin(above, GRID_BINS_PER_DECADE), _bin(ccd, GRID_BINS_PER_DECADE))
                grid[key] = grid.get(key, 0) + 1
    best_pairs = _best_pairs(studies)
    by_part: dict[int, dict] = {}
    for pk, pair in best_pairs.items():
        by_part.setdefault(part_of(pk), {})[pk] = pair
    for part, pairs in by_part.items():
        if part in added:
            added[part]["pairs"] = {pk: pairs[pk] for pk in _largest_cuts(pairs)}
            added[part]["paired"] = len(pairs)
    return added


def _studies_as_documents(ids: list[int], figure_ids: list[int]) -> dict[int, dict]:
    """What a chart's mark says of each study, shaped as its export document (the fields the
    marks read): its CCD and interfacial resistance figures, and the figures `figure_ids`."""
    rows = Study.objects.filter(AnyOf(F("pk"), ids)).values_list(
        "pk",
        "strategy",
        "reference_id",
        "reference__year",
        "reference__journal",
        "electrolyte__name",
        "electrolyte__family__label",
    )
    studies = {row[0]: row for row in rows}
    layers = _grouped(
        StudyInterlayer.objects.filter(AnyOf(F("study_id"), ids))
        .order_by("study_id", "position")
        .values_list("study_id", "material__name")
    )
    authors = _grouped(
        Authorship.objects.filter(AnyOf(F("reference_id"), {row[2] for row in studies.values()}))
        .order_by("reference_id", "position")
        .values_list("reference_id", "author__family", "author__given")
    )
    figures = _grouped(
        Measurement.objects.filter(
            Q(quantity__in=(CCD, RESISTANCE)) | Q(AnyOf(F("pk"), figure_ids)), AnyOf(F("study_id"), ids)
        )
        .order_by("study_id", "position", "pk")
        .values_list(*FIGURE_COLUMNS)
    )
    url = study_url_pattern()
    documents = {}
    for pk, strategy, reference, year, journal, electrolyte, family in studies.values():
        names = authors.get(reference, ())
        documents[pk] = {
            "id": pk,
            "url": url.format(pk),
            "first_author": first_author_label([family_name for _, family_name, _ in names]),
            "strategy": {"label": STRATEGY_LABELS[strategy]},
            "electrolyte": {"name": electrolyte, "family": {"label": family}},
            "interlayers": [{"name": name} for _, name in layers.get(pk, ())],
            "reference": {
                "authors": [f"{given} {family_name}".strip() for _, family_name, given in names],
                "year": year,
                "journal": journal,
            },
            "measurements": [figure_document(row) for row in figures.get(pk, ())],
        }
    return documents


def _grouped(rows) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


@functools.cache
def _edges(k: int, per_decade: int) -> tuple[float, float]:
    """A bin's ends, to four significant figures (the next bin starts where this one ends)."""
    return float(f"{10 ** (k / per_decade):.4g}"), float(f"{10 ** ((k + 1) / per_decade):.4g}")


def _bins(strips: Counter, years: Counter, grid: Counter) -> dict:
    """The CCD charts as counts: by strategy and family on a strip, by year, and against the
    interfacial resistance, from the studies counted by (strategy, electrolyte's id, k), (year,
    k) and (resistance's k, CCD's k)."""
    family_of = dict(Electrolyte.objects.values_list("pk", "family__label"))
    by_family: Counter = Counter()
    for (strategy, electrolyte, k), n in strips.items():
        by_family[strategy, family_of.get(electrolyte), k] += n
    strip_bins = []
    for (strategy, family, k), n in sorted(by_family.items()):
        x1, x2 = _edges(k, STRIP_BINS_PER_DECADE)
        strip_bins.append(
            {"strategy": STRATEGY_LABELS[strategy], "family": family, "x1": x1, "x2": x2, "count": n}
        )
    year_bins = []
    for (year, k), n in sorted(years.items()):
        y1, y2 = _edges(k, GRID_BINS_PER_DECADE)
        year_bins.append({"year": year, "y1": y1, "y2": y2, "count": n})
    grid_bins = []
    for (kx, ky), n in sorted(grid.items()):
        (x1, x2), (y1, y2) = _edges(kx, GRID_BINS_PER_DECADE), _edges(ky, GRID_BINS_PER_DECADE)
        grid_bins.append({"x1": x1, "x2": x2, "y1": y1, "y2": y2, "count": n})
    return {"ccd_bins": strip_bins, "ccd_year_bins": year_bins, "ccd_resistance_bins": grid_bins}


def _binned_notes(totals: dict, binned: bool) -> dict[str, str]:
    """What each binned or cut chart says of itself, under its title: by chart, as `summary`."""
    notes, most = {}, f"more than the {MARKS_MAX:,} marks a chart draws one by one"
    if binned:
        notes["ccd"] = (
            f"{totals['ccd']:,} studies, {most}: each bar counts the studies whose best CCD falls "
            "in the same tenth of a decade."
        )
        notes["ccd_year"] = (
            f"{totals['ccd']:,} studies, {most}: each cell counts the studies of a year whose best "
            "CCD falls in the same fifth of a decade; the darker, the more."
        )
        notes["ccd_resistance"] = (
            f"{totals['ccd_resistance']:,} studies, {most}: each cell counts the studies in the same "
            "fifth of a decade on both axes; the darker, the more."
        )
    if totals["pairs"] > MARKS_MAX:
        notes["pairs"] = (
            f"{totals['pairs']:,} studies, {most}: the {MARKS_MAX:,} largest cuts are drawn and listed."
        )
    return notes


def combine_chart_parts(added: list[dict]) -> dict:
    """What several parts add to the charts, as one part would add it (cached_combined): their
    counts and bins added up, and the pairs with the largest cuts among theirs."""
    counts, bins, best_pairs, paired = Counter(), (Counter(), Counter(), Counter()), {}, 0
    for part in added:
        counts.update(part["counts"])
        for total, counted in zip(bins, part["bins"], strict=True):
            total.update(counted)
        best_pairs |= part["pairs"]
        paired += part["paired"]
    return {
        "counts": dict(counts),
        "bins": tuple(dict(total) for total in bins),
        "pairs": {pk: best_pairs[pk] for pk in _largest_cuts(best_pairs)},
        "paired": paired,
    }


def chart_data(studies: QuerySet, added: dict | None = None) -> dict:
    """The marks of each chart, or their bins, and what was left out of them, for the filtered
    studies: from what every part of the studies adds to them (chart_parts, combined; counted
    now when not given), reading the figures only of studies drawn one by one."""
    studies = studies.order_by()
    if added is None:
        added = combine_chart_parts(
            list(chart_parts(studies, list(range(study_parts())), every=True).values())
        )
    counts, best_pairs, paired = Counter(added["counts"]), added["pairs"], added["paired"]
    strips, years, grid = added["bins"]
    totals = {"pairs": paired, "ccd": sum(strips.values()), "ccd_resistance": sum(grid.values())}
    binned = totals["ccd"] > MARKS_MAX
    # Drawn one by one: every CCD study, or only the highest (the summary names it) when binned:
    # the first of equals by id.
    with_ccd = studies.filter(best_ccd_value__gt=0)
    if binned:
        ccd_ids = list(with_ccd.order_by("-best_ccd_value", "pk").values_list("pk", flat=True)[:1])
    else:
        ccd_ids = sorted(with_ccd.values_list("pk", flat=True))
    pair_ids = _largest_cuts(best_pairs)
    figure_ids = [best_pairs[pk][2] for pk in pair_ids]
    documents = _studies_as_documents(sorted({*ccd_ids, *pair_ids}), figure_ids)

    # A study changed or deleted between these reads (a save empties the cache) is left out.
    ccd, ccd_resistance, pairs = [], [], []
    for study in (documents[pk] for pk in ccd_ids if pk in documents):
        point, with_resistance = _ccd_marks(study, study["measurements"])
        if point is not None:
            ccd.append(point)
        if with_resistance is not None and not binned:
            ccd_resistance.append(with_resistance)
    for study in (documents[pk] for pk in pair_ids if pk in documents):
        figures = study["measurements"]
        pair = _best_pair(study, figures, {m["id"]: m for m in figures})
        if pair is not None:
            pairs.append(pair)
    pairs.sort(key=lambda p: (-p["improvement"], p["label"]))
    highest_ccd = max(ccd, key=lambda p: p["value"], default=None)  # when binned, the only mark read
    data = {
        "count": counts["count"],
        "units": {"ccd": "mA/cm²", "interfacial_resistance": "Ω·cm²"},
        "strategies": [str(label) for label in Strategy.labels],
        "totals": totals,
        "marks_max": MARKS_MAX,
        "binned": _binned_notes(totals, binned),
        "pairs": pairs,
        "ccd": [] if binned else ccd,
        "ccd_resistance": ccd_resistance,
        **(
            _bins(strips, years, grid)
            if binned
            else {"ccd_bins": [], "ccd_year_bins": [], "ccd_resistance_bins": []}
        ),
        "left_out": {
            "unnormalised": counts["unnormalised"],
            "zero": counts["zero"],
            # A pair's treated figure is a resistance above zero (only a treated figure has a control).
            "resistance_without_control": counts["resistance"] + counts["above_zero"] - paired,
        },
    }
    in_years = [year for year, _ in years]
    return data | {
        "summary": summary(pairs, totals, highest_ccd, (min(in_years), max(in_years)) if in_years else None),
        "notes": notes(data),
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


def summary(pairs: list[dict], totals: dict, highest_ccd: dict | None, years) -> dict[str, str]:
    """One sentence per chart saying what it shows, or why it is empty: `pairs` biggest cut first,
    how many studies each chart holds, the highest CCD's mark, and the (first, last) year."""
    texts = {}
    if pairs:
        top, n = pairs[0], totals["pairs"]
        texts["pairs"] = (
            f"{n:,} stud{'y' if n == 1 else 'ies'} report an interfacial resistance with "
            f"and without the strategy; the largest cut is {top['improvement_text']} "
            f"({top['before_text']} → {top['value_text']}, {top['label']})."
        )
    else:
        texts["pairs"] = (
            "No study in this filter reports an interfacial resistance (Ω·cm²) together with its "
            "untreated control."
        )
    if highest_ccd is not None:
        n = totals["ccd"]
        texts["ccd"] = (
            f"{n:,} stud{'y' if n == 1 else 'ies'} report a critical current density; "
            f"the highest is {highest_ccd['value_text']} ({highest_ccd['label']}, {highest_ccd['strategy']})."
        )
    else:
        texts["ccd"] = "No study in this filter reports a critical current density."
    if totals["ccd_resistance"]:
        n = totals["ccd_resistance"]
        texts["ccd_resistance"] = (
            f"{n:,} stud{'y' if n == 1 else 'ies'} report both a critical current density "
            "and an interfacial resistance (Ω·cm²)."
        )
    else:
        texts["ccd_resistance"] = (
            "No study in this filter reports both a critical current density and an interfacial "
            "resistance in Ω·cm²."
        )
    if years:
        texts["ccd_year"] = f"Critical current densities reported from {years[0]} to {years[1]}."
    else:
        texts["ccd_year"] = "No study in this filter reports a critical current density with a year."
    return texts


def notes(data: dict) -> list[str]:
    """What was left out of the charts, and why."""
    left_out, result = data["left_out"], []
    if left_out["unnormalised"]:
        n = left_out["unnormalised"]
        result.append(
            f"{n:,} stud{'y gives' if n == 1 else 'ies give'} an interfacial resistance without the "
            "electrode area (Ω, not Ω·cm²): left out, as it cannot be compared."
        )
    if left_out["resistance_without_control"]:
        n = left_out["resistance_without_control"]
        result.append(
            f"{n:,} stud{'y reports' if n == 1 else 'ies report'} an interfacial resistance (Ω·cm²) with no "
            "untreated control to pair it with: not in the before → after chart."
        )
    if left_out["zero"]:
        n = left_out["zero"]
        result.append(
            f"{n:,} figure{'' if n == 1 else 's'} of zero cannot be placed on a log axis: left out."
        )
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
    low, high, n = values[0], values[-1], len(values)
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    ticks = [
        {"x": round(_log_position(10.0**d, low, high), 1), "label": f"{10.0**d:g}"}
        for d in decades
        if low <= 10.0**d <= high
    ]
    precision = 1 if n <= DOTS_MAX else 0
    return {
        "n": n,
        "median": values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2,
        "low": low,
        "high": high,
        # A dot per study, except where they would overlap: a family of thousands draws one
        # dot per occupied pixel, not thousands of marks on top of each other.
        "dots": _dots(values, low, high, precision),
        "ticks": ticks,
        "values": values,
    }


def family_figures(
    electrolytes: list[int], parts: list[int], every: bool
) -> dict[int, tuple[str, list, list]]:
    """The stored best CCDs and lowest resistances of the studies of a family's electrolytes (by
    their ids), each sorted, part by part of the studies (atlas/caching.py, cached_by_part): what
    its strips are drawn from, with a digest of them, so that the strips are drawn again only
    when the figures change."""
    studies = Study.objects.filter(electrolyte__in=electrolytes).filter(
        Q(best_ccd_value__gt=0) | Q(lowest_resistance_value__gt=0)
    )
    if not every:
        studies = studies.filter(in_parts(parts))
    figures: dict[int, tuple[list, list]] = {part: ([], []) for part in parts}
    rows = studies.annotate(part=part_number()).values_list(
        "part", "best_ccd_value", "lowest_resistance_value"
    )
    for part, ccd, resistance in rows.order_by():
        if part in figures:
            for values, value in zip(figures[part], (ccd, resistance), strict=True):
                if value is not None and value > 0:
                    values.append(value)
    drawn_from = {}
    for part, (ccds, resistances) in figures.items():
        ccds.sort()
        resistances.sort()
        digest = hashlib.sha1(array("d", ccds).tobytes() + b"|" + array("d", resistances).tobytes())
        drawn_from[part] = (digest.hexdigest(), ccds, resistances)
    return drawn_from


def _dots(values: list[float], low: float, high: float, precision: int) -> list[float]:
    """The dots' positions, each once: the sorted figures' positions rounded to `precision`. The
    positions grow with the figures, so after each dot the figures that fall on it are skipped:
    their end is near the value whose position is half a step past the dot (found by a plain
    binary search), and exactly where a binary search by position, over the few figures around
    that value, puts it. A family of thousands costs a few positions a dot, not one a figure."""
    position = lambda value: round(_log_position(value, low, high), precision)  # noqa: E731
    if high <= low:
        return [position(values[0])]
    half_step = 0.5 * 10.0**-precision
    scale = (math.log10(high) - math.log10(low)) / (STRIP_WIDTH - 2 * STRIP_PAD)
    dots, start, n = [], 0, len(values)
    while start < n:
        dot = position(values[start])
        dots.append(dot)
        # The value half a step past the dot, with a margin far wider than the positions' rounding
        # errors: below the margin every figure falls on the dot or before, above it none does.
        edge = 10.0 ** (math.log10(low) + (dot + half_step - STRIP_PAD) * scale)
        lo = bisect.bisect_left(values, edge * (1 - 1e-9), lo=start + 1)
        hi = bisect.bisect_right(values, edge * (1 + 1e-9), lo=lo)
        start = bisect.bisect_right(values, dot, lo=lo, hi=hi, key=position)
    return dots


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
