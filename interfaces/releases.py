"""Versioned data releases: a folder per version, written once and never rewritten.

A release holds the whole atlas as JSON (the export's shape), CSV (one row per
measurement), BibTeX and CSL-JSON, the curated files, a README, a CITATION.cff, Zenodo's
deposition metadata, a Frictionless data package, a changelog against the previous release
and SHA-256 checksums; `manifest.json` lists the files and a digest of every record, from
which the next release's changelog is made. A DOI minted for a release afterwards is kept
in its `DOI` file, beside the files it never changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.utils import timezone

from references.bibtex import write_bibtex
from references.csl import write_csl
from references.doi import InvalidDOI, doi_url, normalize_doi
from references.models import FOUNDING_REVIEW, Reference

from .curation import curated_data, export_curated, reference_values
from .exports import csv_chunks, electrolyte_json, export_ids, family_json, interlayer_json, study_documents
from .models import Electrolyte, ElectrolyteFamily, InterlayerMaterial, Study
from .release_metadata import CURATORS, LICENCE, LICENCE_URL, TITLE, data_package, zenodo_metadata

VERSION_SHAPE = re.compile(r"^[0-9]+(\.[0-9]+){0,2}([-+][0-9A-Za-z.]+)?$")
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
DATA_PACKAGE = "datapackage.json"
ZENODO = ".zenodo.json"
DOI_FILE = "DOI"
# What a changelog counts, in this order: the curated files' record kinds.
KINDS = {
    "references": "references",
    "families": "electrolyte families",
    "electrolytes": "electrolytes",
    "interlayers": "interlayer materials",
    "studies": "studies (with their figures)",
}


class ReleaseError(Exception):
    """The release cannot be made: the message says why; nothing was written."""


@dataclass
class ReleaseFile:
    name: str
    size: int
    sha256: str
    description: str
    licence: str = LICENCE


@dataclass
class Release:
    version: str
    date: str
    files: list[ReleaseFile]
    counts: dict[str, int]
    path: Path
    doi: str = ""  # once one is minted and recorded


def releases_dir() -> Path:
    return Path(settings.RELEASES_DIR)


def list_releases(directory: Path | None = None) -> list[Release]:
    """The releases in the folder, newest first (by date, then version)."""
    directory = Path(directory or releases_dir())
    if not directory.is_dir():
        return []
    releases = []
    for folder in directory.iterdir():
        manifest = folder / MANIFEST
        if folder.name.startswith(".") or not manifest.is_file():
            continue
        data = json.loads(manifest.read_text(encoding="utf-8"))
        files = [ReleaseFile(**f) for f in data["files"]]
        doi = (folder / DOI_FILE).read_text(encoding="utf-8").strip() if (folder / DOI_FILE).is_file() else ""
        releases.append(Release(data["version"], data["date"], files, data["counts"], folder, doi))
    return sorted(releases, key=lambda r: (r.date, r.path.stat().st_mtime), reverse=True)


def latest_release() -> Release | None:
    releases = list_releases()
    return releases[0] if releases else None


def latest_release_context(request) -> dict:
    """Context processor: the footer of every page names the data's latest release."""
    return {"data_release": latest_release()}


# -- the records, and what changed since the last release ------------------------------
def _digest(values) -> str:
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record_digests() -> dict[str, dict[str, str]]:
    """Each curated record's key and a digest of its values: a changed digest is a correction."""
    data = curated_data()
    digests = {
        "references": {
            r.citekey: _digest(reference_values(r)) for r in Reference.objects.with_authors().order_by("pk")
        }
    }
    for kind, key in (
        ("families", "slug"),
        ("electrolytes", "slug"),
        ("interlayers", "slug"),
        ("studies", "key"),
    ):
        digests[kind] = {record[key]: _digest(record) for record in data[kind]}
    return digests


def changelog(previous: dict[str, dict[str, str]] | None, current: dict[str, dict[str, str]]) -> dict:
    """Per kind: the keys added, corrected (values changed) and removed since `previous`."""
    changes = {}
    for kind in KINDS:
        before, now = (previous or {}).get(kind, {}), current[kind]
        changes[kind] = {
            "added": sorted(set(now) - set(before)),
            "corrected": sorted(k for k in now if k in before and before[k] != now[k]),
            "removed": sorted(set(before) - set(now)),
        }
    return changes


# -- writing a release --------------------------------------------------------------
def make_release(version: str, base_url: str, directory: Path | None = None, doi: str = "") -> Release:
    """Write release `version` under the releases folder; an existing version is refused.
    doi: one reserved for the release before it is made, written into its files."""
    if not VERSION_SHAPE.match(version):
        raise ReleaseError(f"{version!r} is not a version: use numbers such as 1.0 or 2026.11.1.")
    doi = _valid_doi(doi) if doi else ""
    directory = Path(directory or releases_dir())
    target = directory / version
    if target.exists():
        raise ReleaseError(f"Release {version} already exists in {directory}; a release is never rewritten.")
    previous = list_releases(directory)
    directory.mkdir(parents=True, exist_ok=True)
    staging = directory / f".{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        _write(staging, version, base_url.rstrip("/"), previous[0] if previous else None, doi)
        if doi:
            (staging / DOI_FILE).write_text(doi + "\n", encoding="utf-8")
        staging.rename(target)  # the whole release appears at once, or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return next(r for r in list_releases(directory) if r.version == version)


def record_doi(version: str, doi: str, directory: Path | None = None) -> Release:
    """Record the DOI minted for release `version`; a DOI once recorded is never replaced."""
    doi = _valid_doi(doi)
    directory = Path(directory or releases_dir())
    release = next((r for r in list_releases(directory) if r.version == version), None)
    if release is None:
        raise ReleaseError(f"There is no release {version} in {directory}.")
    if release.doi and release.doi != doi:
        raise ReleaseError(
            f"Release {version} already has the DOI {release.doi}; a recorded DOI is never replaced."
        )
    if not release.doi:
        staging = release.path / f".{DOI_FILE}.{os.getpid()}"
        staging.write_text(doi + "\n", encoding="utf-8")
        try:
            os.link(staging, release.path / DOI_FILE)  # fails, rather than replaces, if one appeared since
        except FileExistsError as exc:
            raise ReleaseError(f"Release {version} was given a DOI meanwhile: look again.") from exc
        finally:
            staging.unlink()
    return next(r for r in list_releases(directory) if r.version == version)


def _valid_doi(raw: str) -> str:
    try:
        return normalize_doi(raw)
    except InvalidDOI as exc:
        raise ReleaseError(str(exc)) from exc


def _write(folder: Path, version: str, base_url: str, previous: Release | None, doi: str) -> None:
    today = timezone.localdate().isoformat()
    stem = f"interphase-atlas-{version}"
    studies = Study.objects.for_list().order_by("pk")
    references = Reference.objects.with_authors().order_by("pk")
    descriptions: dict[str, str] = {}

    def write(name: str, text: str, description: str, bom: bool = False) -> None:
        (folder / name).write_text(("\ufeff" if bom else "") + text, encoding="utf-8", newline="")
        descriptions[name] = description

    results = []
    for study in study_documents(export_ids(studies)):
        study["url"] = base_url + study["url"]
        results.append(study)
    atlas = {
        "title": f"Interphase Atlas, data release {version}",
        "version": version,
        "date": today,
        "licence": {"name": LICENCE, "url": LICENCE_URL},
        "count": len(results),
        "results": results,
        "families": [
            family_json(f) | {"url": base_url + f.get_absolute_url()}
            for f in ElectrolyteFamily.objects.annotate(study_count=Count("electrolytes__studies"))
        ],
        "electrolytes": [
            electrolyte_json(e) | {"url": base_url + e.get_absolute_url()}
            for e in Electrolyte.objects.select_related("family").annotate(study_count=Count("studies"))
        ],
        "interlayers": [
            interlayer_json(m) | {"url": base_url + m.get_absolute_url()}
            for m in InterlayerMaterial.objects.annotate(study_count=Count("studies"))
        ],
    }
    write(
        f"{stem}.json",
        json.dumps(atlas, ensure_ascii=False, indent=1, cls=DjangoJSONEncoder) + "\n",
        "Every study with its figures and reference, in the shape of /studies/?format=json, "
        "plus the electrolyte families, electrolytes and interlayer materials.",
    )
    write(
        f"{stem}.csv",
        "".join(csv_chunks(studies, site=base_url)),
        "One row per measurement (a study without figures has one row): measurement and control ids, "
        "absolute study addresses. UTF-8 with a byte-order mark, so that Excel reads µ, ², Ω.",
        bom=True,
    )
    write(f"{stem}.bib", write_bibtex(references), "Every reference, as BibTeX.")
    write(f"{stem}-csl.json", write_csl(references), "Every reference, as CSL-JSON (Zotero, pandoc).")
    curated = folder / "curated"
    for path in export_curated(curated):
        descriptions[f"curated/{path.name}"] = (
            "The curated file, as manage.py load_curated reads it "
            "(load_curated --dir <release>/curated loads the release into a database)."
        )
    digests = record_digests()
    changes = changelog(_previous_digests(previous), digests)
    counts = {kind: len(digests[kind]) for kind in KINDS} | {
        "measurements": sum(len(s["measurements"]) for s in results)
    }
    write(
        "CHANGELOG.md",
        _changelog_text(version, today, previous, changes),
        "What changed since the last release.",
    )
    write(
        "CITATION.cff",
        _citation_cff(version, today, base_url, doi),
        "How to cite this release (Citation File Format).",
    )
    write(
        ZENODO,
        json.dumps(zenodo_metadata(version, today, base_url, _founding_review(), doi), indent=1) + "\n",
        "Zenodo's deposition metadata for this release, so that a data repository can mint its DOI.",
    )
    write("README.md", _readme(version, today, base_url, counts, descriptions), "This release, file by file.")
    described = lambda name, description: ReleaseFile(  # noqa: E731
        name, (folder / name).stat().st_size, _sha256(folder / name), description
    )
    files = [described(name, description) for name, description in sorted(descriptions.items())]
    package = data_package(Release(version, today, files, counts, folder, doi), base_url, _founding_review())
    text = json.dumps(package, indent=1, ensure_ascii=False) + "\n"
    (folder / DATA_PACKAGE).write_text(text, encoding="utf-8")
    files.append(described(DATA_PACKAGE, "This release as a Frictionless Data Package: files and columns."))
    (folder / CHECKSUMS).write_text("".join(f"{f.sha256}  {f.name}\n" for f in files), encoding="utf-8")
    manifest = {
        "version": version,
        "date": today,
        "counts": counts,
        "files": [f.__dict__ for f in files],
        "records": digests,
        "changes": changes,
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _previous_digests(previous: Release | None) -> dict | None:
    if previous is None:
        return None
    return json.loads((previous.path / MANIFEST).read_text(encoding="utf-8"))["records"]


def release_bibtex(version: str, released: str, base_url: str, doi: str = "") -> str:
    year = released[:4]
    doi_line = f"  doi          = {{{doi}}},\n" if doi else ""
    return (
        f"@misc{{interphaseatlas{version.replace('.', '_')},\n"
        f"  author       = {{{{{CURATORS}}}}},\n"
        f"  title        = {{{TITLE}, data release {version}}},\n"
        f"  year         = {{{year}}},\n"
        f"  version      = {{{version}}},\n"
        f"  date         = {{{released}}},\n"
        f"{doi_line}"
        f"  url          = {{{base_url}/data/#release-{version}}},\n"
        f"  note         = {{Data licensed under {LICENCE}}}\n"
        f"}}\n"
    )


def release_citation(version: str, released: str, base_url: str, doi: str = "") -> str:
    where = doi_url(doi) if doi else f"{base_url}/data/#release-{version}"
    return (
        f"{CURATORS} ({released[:4]}). {TITLE}, data release {version} ({released}). "
        f"{where}. Licence: {LICENCE}."
    )


def _founding_review() -> Reference | None:
    return Reference.objects.with_authors().filter(citekey=FOUNDING_REVIEW).first()


def _citation_cff(version: str, released: str, base_url: str, doi: str = "") -> str:
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use these data, please cite this release of Interphase Atlas '
        'and the review it was founded on."',
        "type: dataset",
        f'title: "{TITLE}"',
        f'version: "{version}"',
        f"date-released: {released}",
        "license: CC-BY-4.0",
        f'url: "{base_url}/data/"',
        *([f'doi: "{doi}"'] if doi else []),
        "authors:",
        f'  - name: "{CURATORS}"',
    ]
    review = _founding_review()
    if review is not None:
        # JSON strings are YAML double-quoted scalars: quotes and colons in a title stay text.
        quoted = lambda text: json.dumps(text, ensure_ascii=False)  # noqa: E731
        lines += ["references:", "  - type: article", f"    title: {quoted(review.title)}", "    authors:"]
        for author in review.author_list:
            lines += [
                f"      - family-names: {quoted(author.family)}",
                f"        given-names: {quoted(author.given)}",
            ]
        if review.journal:
            lines.append(f"    journal: {quoted(review.journal)}")
        if review.year:
            lines.append(f"    year: {review.year}")
        if review.doi:
            lines.append(f"    doi: {quoted(review.doi)}")
    return "\n".join(lines) + "\n"


def _changelog_text(version: str, released: str, previous: Release | None, changes: dict) -> str:
    since = (
        f"release {previous.version} ({previous.date})" if previous else "nothing: this is the first release"
    )
    lines = [f"# Changes in release {version} ({released})", "", f"Compared with {since}.", ""]
    for kind, label in KINDS.items():
        change = changes[kind]
        counted = ", ".join(f"{len(change[what])} {what}" for what in ("added", "corrected", "removed"))
        lines += [f"## {label.capitalize()}: {counted}", ""]
        for what in ("added", "corrected", "removed"):
            if change[what]:
                lines.append(f"- {what}: " + ", ".join(change[what]))
        lines.append("")
    return "\n".join(lines)


def _readme(version: str, released: str, base_url: str, counts: dict, descriptions: dict) -> str:
    review = _founding_review()
    lines = [
        f"# Interphase Atlas, data release {version}",
        "",
        f"Released {released}. A curated literature database of the strategies that stabilise the interface "
        "between lithium-metal anodes and solid electrolytes in all-solid-state batteries: "
        f"{counts['studies']} studies with {counts['measurements']} figures, "
        f"{counts['references']} references, "
        f"{counts['electrolytes']} electrolytes, {counts['interlayers']} interlayer materials.",
        "",
        "Every figure says where it was read (`source`: the founding review, or the paper's abstract or "
        "full text, with `source_url`) and under which test conditions. An empty value means the source "
        "does not state it. How the figures are curated: " + base_url + "/about/",
        "",
        f"## Licence\n\nEvery file of this release: {LICENCE} ({LICENCE_URL}). Cite the release below.",
        "",
        "## Files",
        "",
    ]
    lines += [f"- `{name}`: {text}" for name, text in sorted(descriptions.items())]
    lines += [
        f"- `{DATA_PACKAGE}`: this release as a Frictionless Data Package (https://datapackage.org/): "
        "every file with its size, checksum and media type, and each CSV column's type, unit and meaning.",
        "- `SHA256SUMS`: the SHA-256 checksum of each file (`sha256sum -c SHA256SUMS`).",
        "- `manifest.json`: the files, their sizes and checksums, and a digest of every record.",
        "",
        "## How to cite",
        "",
        release_citation(version, released, base_url),
        "",
        "```bibtex",
        release_bibtex(version, released, base_url).rstrip(),
        "```",
        "",
    ]
    if review is not None:
        doi = f" https://doi.org/{review.doi}" if review.doi else ""
        authors = ", ".join(str(a) for a in review.author_list)
        lines += [
            "The atlas was founded on the review: "
            f"{authors}, {review.title}, {review.journal} ({review.year}).{doi}",
            "",
        ]
    return "\n".join(lines)
