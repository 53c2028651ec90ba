from pathlib import Path

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from interfaces.abstract_figures import score
from interfaces.management.benchmark import chart_benchmark, import_benchmark, page_benchmark, synthetic_atlas
from interfaces.models import Study

LABELLED_ABSTRACTS = Path(settings.BASE_DIR) / "tests" / "samples" / "abstract_figures.yaml"


def abstract_figures_line() -> str:
    """How well figures are read from abstracts, over the labelled sentences."""
    precision, recall, sentences = score(yaml.safe_load(LABELLED_ABSTRACTS.read_text(encoding="utf-8")))
    return (
        f"Figures read from abstracts: precision {precision * 100:.1f} %, recall {recall * 100:.1f} % "
        f"over {sentences} sentences"
    )


def page_paths(studies: int) -> dict[str, tuple[str, int]]:
    study = Study.objects.order_by("pk").first()
    last = studies // 25 + 1
    return {
        "overview /": ("/", 0),
        "list /studies/": ("/studies/", 0),
        "list, filtered": ("/studies/?family=garnet&method=ald&ccd_min=1", 0),
        "list, by interlayer": ("/studies/?interlayer=bench-lif&year_min=2015", 0),
        "list, sorted by CCD": ("/studies/?sort=-ccd", 0),
        "list, by year": ("/studies/?sort=year&strategy=anode-design", 0),
        "list, by electrolyte": ("/studies/?sort=-electrolyte", 0),
        "list, last page": (f"/studies/?page={last}", 0),
        "search q=Li3PO4": ("/studies/?q=Li3PO4", 0),
        "search, an author": ("/studies/?q=Bench123", 0),
        "search, filtered": ("/studies/?q=Li6PS5Cl&family=argyrodite&sort=-ccd", 0),
        "study page": (f"/studies/{study.pk}/", 0),
        "API page": ("/api/studies/?family=garnet&page=2", 0),
        "export JSON": ("/studies/?format=json", studies),
        "export CSV": ("/studies/?format=csv", studies),
        "export BibTeX": ("/studies/?format=bib", studies),
        "export RIS": ("/studies/?format=ris", studies),
    }


def chart_paths(family: str) -> dict[str, str]:
    return {
        f"chart JSON {family}": f"/studies/charts/?family={family}&format=json",
        "chart JSON, all": "/studies/charts/?format=json",
        f"charts page {family}": f"/studies/charts/?family={family}",
    }


class Command(BaseCommand):
    help = (
        "Benchmark the atlas in a database of its own (a test copy of the configured one, destroyed "
        "afterwards). Pages and exports on a synthetic atlas at a baseline size and at --studies, and "
        "the BibTeX import at a baseline size and at --entries; each figure is given against the "
        "baseline measured in the same run. Not part of the test suite."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--studies",
            type=int,
            nargs="+",
            default=[3000],
            help="Sizes of the large atlas, measured in turn as it grows (e.g. --studies 30000 100000).",
        )
        parser.add_argument("--base-studies", type=int, default=300, help="Studies in the baseline atlas.")
        parser.add_argument("--entries", type=int, default=5000, help="Entries in the large import file.")
        parser.add_argument("--baseline", type=int, default=500, help="Entries in the baseline import file.")
        parser.add_argument("--skip-pages", action="store_true", help="Only the import benchmark.")
        parser.add_argument("--skip-imports", action="store_true", help="Only the pages and exports.")
        parser.add_argument(
            "--charts-only", action="store_true", help="Of the pages, only the charts' data (no imports)."
        )
        parser.add_argument(
            "--chart-family", default="garnet", help="The family the charts are filtered by (a slug)."
        )

    def handle(self, *args, **options):
        self.stdout.write(abstract_figures_line())
        if connection.vendor != "sqlite":  # SQLite's is in memory; elsewhere, not the test suite's
            connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_bench"
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            self.stdout.write(f"database: {connection.vendor} ({name}), its own, destroyed afterwards")
            if not options["skip_pages"]:
                self.pages(options["base_studies"], options["studies"], options)
            if not options["skip_imports"] and not options["charts_only"]:
                self.imports(options["baseline"], options["entries"])
        finally:
            connection.creation.destroy_test_db(name, verbosity=0)

    def pages(self, base: int, sizes: list[int], options) -> None:
        charts = chart_paths(options["chart_family"])
        synthetic_atlas(base)
        chart_timings = chart_benchmark(charts, base)
        if options["charts_only"]:
            for size in sorted({*sizes} - {base}):
                synthetic_atlas(size - Study.objects.count(), seed=size)
                chart_timings += chart_benchmark(charts, size)
            return self.charts(chart_timings)
        baseline = {t.label: t for t in page_benchmark(page_paths(base), base)}
        timings, built = list(baseline.values()), base
        for size in sorted(sizes):
            synthetic_atlas(size - built, seed=size)
            built = size
            chart_timings += chart_benchmark(charts, size)
            timings += page_benchmark(page_paths(size), size)
        columns = ("studies", 9), ("first ms", 10), ("best ms", 9), ("median ms", 11), ("queries", 9)
        columns += ("raw SQL ms", 12), ("÷ SQL", 8), ("after figure ms", 17), ("after study ms", 16)
        columns += ("after strategy ms", 19), ("kept ms", 9), ("rows/s", 9)
        columns += ("peak RSS MB", 13), ("vs baseline", 13)
        self.stdout.write("page or export".ljust(22) + "".join(name.rjust(width) for name, width in columns))
        for timing in timings:
            base_timing = baseline[timing.label]
            ratio = timing.best / base_timing.best
            if timing.rows:  # an export grows with the atlas: compare the time per row
                ratio = (timing.best / timing.rows) / (base_timing.best / base_timing.rows)
            raw = f"{timing.raw_sql * 1000:.0f}" if timing.raw_sql is not None else "n/a"
            rate = f"{timing.rows / timing.best:.0f}" if timing.rows else ""
            over = f"{timing.over_sql:.1f}x" if timing.over_sql is not None else "n/a"
            saved, study_saved, reclassified, kept = (
                f"{seconds * 1000:.1f}" if seconds is not None else ""
                for seconds in (
                    timing.after_save,
                    timing.after_study_save,
                    timing.after_reclassify,
                    timing.kept,
                )
            )
            self.stdout.write(
                f"{timing.label:<22}{timing.studies:>9}{timing.first * 1000:>10.0f}{timing.best * 1000:>9.0f}"
                f"{timing.median * 1000:>11.0f}{timing.queries:>9}{raw:>12}{over:>8}{saved:>17}"
                f"{study_saved:>16}{reclassified:>19}{kept:>9}{rate:>9}"
                f"{timing.peak_rss_mb:>13.0f}{ratio:>12.2f}x"
            )
        self.stdout.write(
            "first: the first request (counts not yet cached); best and median of the runs after it "
            "included.\n÷ SQL: the best time over its raw SQL's. after figure, after study, after strategy: "
            "the page's first request after a curator saves one figure, a study's reworded summary, or a "
            "study's new strategy.\nkept: the "
            "page's answer kept whole for its data version, best of 3 (the other times render it).\n"
            "vs baseline: best time relative to the same page on the "
            "baseline atlas (exports: per row)."
        )
        self.charts(chart_timings)

    def charts(self, timings) -> None:
        columns = ("studies", 9), ("cold ms", 10), ("warm ms", 10), ("queries", 9), ("bytes", 12)
        self.stdout.write("charts' data".ljust(26) + "".join(name.rjust(width) for name, width in columns))
        for t in timings:
            self.stdout.write(
                f"{t.label:<26}{t.studies:>9}{t.cold * 1000:>10.0f}{t.warm * 1000:>10.1f}{t.queries:>9}"
                f"{t.bytes:>12,}"
            )
        self.stdout.write(
            "cold: the cache emptied first, as after any save; warm: from the cache; best of 3 each."
        )

    def imports(self, base: int, entries: int) -> None:
        timings = import_benchmark([base, entries])
        by_label = {t.label: t for t in timings}
        columns = ("entries", 9), ("seconds", 10), ("entries/s", 11), ("peak RSS MB", 13), ("vs baseline", 13)
        self.stdout.write("import step".ljust(22) + "".join(name.rjust(width) for name, width in columns))
        for timing in timings:
            base_timing = by_label[f"{timing.label.rsplit(' ', 1)[0]} {base}"]
            ratio = (timing.seconds / timing.entries) / (base_timing.seconds / base_timing.entries)
            self.stdout.write(
                f"{timing.label:<22}{timing.entries:>9}{timing.seconds:>10.2f}{timing.per_second:>11.0f}"
                f"{timing.peak_rss_mb:>13.0f}{ratio:>12.2f}x"
            )
        self.stdout.write("vs baseline: time per entry relative to the baseline file (1.00x = linear).")
