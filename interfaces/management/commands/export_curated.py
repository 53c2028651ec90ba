from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from interfaces.curation import export_curated


class Command(BaseCommand):
    help = "Write the database back as the curated files (references.bib and atlas.yaml), in a stable order."

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            nargs="?",
            type=Path,
            default=settings.CURATED_DATA_DIR,
            help="Folder to write to (default: the curated data folder, fixtures/).",
        )

    def handle(self, *args, **options):
        for path in export_curated(options["directory"]):
            self.stdout.write(f"wrote {path}")
