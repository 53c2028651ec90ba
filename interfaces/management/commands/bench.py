from django.core.management.base import BaseCommand
from django.db import connection

from interfaces.benchmark import import_benchmark


class Command(BaseCommand):
    help = (
        "Benchmark the atlas in a database of its own (the test database of the configured one): "
        "BibTeX import preview and confirm at a baseline size and at --entries, with the ratio of "
        "their per-entry times (1.0 = linear) and the process's peak resident memory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=5000, help="Entries in the large import file.")
        parser.add_argument("--baseline", type=int, default=500, help="Entries in the baseline file.")

    def handle(self, *args, **options):
        if connection.vendor != "sqlite":  # SQLite's is in memory; elsewhere, not the test suite's
            connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_bench"
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            self.stdout.write(f"database: {connection.vendor} ({name}), its own, destroyed afterwards")
            timings = import_benchmark([options["baseline"], options["entries"]])
        finally:
            connection.creation.destroy_test_db(name, verbosity=0)
        by_label = {t.label: t for t in timings}
        columns = ("entries", 9), ("seconds", 10), ("entries/s", 11), ("peak RSS MB", 13), ("vs baseline", 13)
        self.stdout.write("step".ljust(16) + "".join(name.rjust(width) for name, width in columns))
        for timing in timings:
            kind = timing.label.split()[0]
            base = by_label[f"{kind} {options['baseline']}"]
            ratio = (timing.seconds / timing.entries) / (base.seconds / base.entries)
            self.stdout.write(
                f"{timing.label:<16}{timing.entries:>9}{timing.seconds:>10.2f}{timing.per_second:>11.0f}"
                f"{timing.peak_rss_mb:>13.0f}{ratio:>12.2f}x"
            )
        self.stdout.write("vs baseline: time per entry relative to the baseline file (1.00x = linear).")
