from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interfaces.releases import ReleaseError, make_release, record_doi


class Command(BaseCommand):
    help = (
        "Write data release VERSION under the releases folder (settings.RELEASES_DIR): JSON, CSV, BibTeX, "
        "CSL-JSON, the curated files, README, CITATION.cff, .zenodo.json, datapackage.json, changelog and "
        "SHA256SUMS. A version is never rewritten. With --record-doi VERSION DOI: record the DOI a data "
        "repository minted for an existing release (once; a recorded DOI is never replaced)."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", nargs="?", help="e.g. 1.0 or 2026.11")
        parser.add_argument(
            "--base-url",
            default=settings.SITE_URL,
            help=f"The site's address, for the absolute links in the files (default: {settings.SITE_URL}).",
        )
        parser.add_argument(
            "--doi", default="", help="A DOI reserved for the new release, written into its files."
        )
        parser.add_argument(
            "--record-doi",
            nargs=2,
            metavar=("VERSION", "DOI"),
            help="Record the DOI minted for release VERSION; writes no release.",
        )

    def handle(self, *args, **options):
        if options["record_doi"]:
            if options["version"] or options["doi"]:
                raise CommandError("--record-doi VERSION DOI takes no other version and no --doi.")
            version, doi = options["record_doi"]
            try:
                release = record_doi(version, doi)
            except ReleaseError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(self.style.SUCCESS(f"Release {release.version}: DOI {release.doi}"))
            return
        if not options["version"]:
            raise CommandError("Name the release's VERSION (or --record-doi VERSION DOI).")
        try:
            release = make_release(options["version"], options["base_url"], doi=options["doi"])
        except ReleaseError as exc:
            raise CommandError(str(exc)) from exc
        for f in release.files:
            self.stdout.write(f"{f.sha256}  {f.size:>10,}  {f.name}")
        self.stdout.write(self.style.SUCCESS(f"Release {release.version} written to {release.path}"))
