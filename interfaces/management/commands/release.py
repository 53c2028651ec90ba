from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interfaces.releases import ReleaseError, make_release


class Command(BaseCommand):
    help = (
        "Write data release VERSION under the releases folder (settings.RELEASES_DIR): JSON, CSV, BibTeX, "
        "CSL-JSON, the curated files, README, CITATION.cff, changelog and SHA256SUMS. "
        "A version is never rewritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", help="e.g. 1.0 or 2026.11")
        parser.add_argument(
            "--base-url",
            default=settings.SITE_URL,
            help=f"The site's address, for the absolute links in the files (default: {settings.SITE_URL}).",
        )

    def handle(self, *args, **options):
        try:
            release = make_release(options["version"], options["base_url"])
        except ReleaseError as exc:
            raise CommandError(str(exc)) from exc
        for f in release.files:
            self.stdout.write(f"{f.sha256}  {f.size:>10,}  {f.name}")
        self.stdout.write(self.style.SUCCESS(f"Release {release.version} written to {release.path}"))
