from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from interfaces.curation import CurationError, load_curated


class Command(BaseCommand):
    help = (
        "Load the curated dataset (references from .bib, the rest from .yaml); safe to run again. "
        "A curator's edit in the database is never overwritten or deleted: where the files disagree "
        "with it, the curator's version is kept and the conflict reported."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", type=Path, default=settings.CURATED_DATA_DIR, help="Folder of the curated files."
        )
        parser.add_argument(
            "--take-files",
            action="store_true",
            help="Where a curator's edit conflicts with the files, take the files' version (reported).",
        )

    def handle(self, *args, **options):
        try:
            report = load_curated(options["dir"], take_files=options["take_files"])
        except CurationError as exc:
            raise CommandError(f"Nothing was loaded. {exc}") from exc
        except DatabaseError as exc:
            raise CommandError(
                f"Nothing was loaded: the database is not ready ({exc}). Run `manage.py migrate` first."
            ) from exc
        if options["verbosity"] > 0:
            self.stdout.write(report.summary())
            verdict = "Curated data loaded." if report.changed else "Curated data already up to date."
            self.stdout.write(self.style.SUCCESS(verdict))
            if report.conflicts:
                self.stdout.write(
                    self.style.WARNING(
                        f"{len(report.conflicts)} conflict(s) kept the curators' version; "
                        "run export_curated to bring the files up to date, or --take-files to overwrite."
                    )
                )
