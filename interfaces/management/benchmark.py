"""The benchmark behind `manage.py bench`: synthetic inputs shaped like the real ones, timed
against a baseline measured in the same run (shared machines are noisy; ratios are not)."""

from __future__ import annotations

import random
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from atlas.caching import data_changed
from interfaces.models import (
    Electrolyte,
    ElectrolyteFamily,
    InterlayerMaterial,
    Measurement,
    Quantity,
    Strategy,
    Study,
    StudyInterlayer,
)
from references.bibtex import forget_decodings, import_bibtex, plan_import
from references.models import Author, Authorship, Reference

FAMILIES = ["Müller", "Kim", "Zhang", "van der Ven", "Kızılaslan", "Wachsman", "Sakamoto", "Janek"]
MATERIALS = ["{Li7La3Zr2O12}", "{Li6PS5Cl}", "{LiPON}", "{Li3PS4}", "{LATP}", "{Li3InCl6}"]


MESSY_TYPES = ["collection", "book_section", "web_page", "inreference", "periodical"]


def bibtex_entries(count: int, *, seed: int = 1, abstract_words: int = 120, messy: bool = False) -> str:
    """`count` distinct journal articles as a reference manager exports them: LaTeX accents,
    braced formulas, math in abstracts, DOIs, pages with --.

    messy: every other entry as real exports have them too: a biblatex or Mendeley
    type, a key with & in it, an undefined @string macro, a repeated field, Wiley's /abstract."""
    rng = random.Random(seed)
    entries = []
    for i in range(count):
        if messy and i % 2:
            entries.append(
                f"@{MESSY_TYPES[i % len(MESSY_TYPES)]}{{2016A&A.{i},\n"
                f"  author = {{{{{rng.choice(FAMILIES)}}}, {chr(65 + rng.randrange(26))}.}},\n"
                f"  title = {{Messy {i} on {rng.choice(MATERIALS)}$^{{\\mbox{{k}}}}$}},\n"
                f"  title = {{A second title}},\n"
                f"  journal = jundefined{i % 7},\n"
                f"  year = {{{rng.randint(2000, 2025)}}},\n"
                f"  doi = {{10.1002/bench.{i}.{rng.randint(0, 10**6)}/abstract}}\n}}"
            )
            continue
        authors = " and ".join(
            f"{{{rng.choice(FAMILIES)}}}, {chr(65 + rng.randrange(26))}." for _ in range(rng.randint(1, 6))
        )
        words = " ".join(
            rng.choice(["garnet", "interlayer", "lithium", "dendrite", "stack", "pressure"])
            for _ in range(abstract_words)
        )
        entries.append(
            f"@article{{bench{i},\n"
            f"  author = {{{authors}}},\n"
            f"  title = {{Interface {i} between Li and {rng.choice(MATERIALS)}"
            f" with a {rng.choice(MATERIALS)} layer}},\n"
            f"  journal = {{Journal of Power Sources}},\n"
            f"  year = {{{rng.randint(2000, 2025)}}},\n"
            f"  volume = {{{rng.randint(1, 600)}}},\n"
            f"  pages = {{{rng.randint(1, 900)}--{rng.randint(901, 2000)}}},\n"
            f"  doi = {{10.{rng.randint(1000, 99999)}/bench.{i}.{rng.randint(0, 10**6)}}},\n"
            f"  abstract = {{A CCD of {rng.random() * 5:.2f} mA cm$^{{-2}}$ and {rng.randint(1, 2000)} "
            f"$\\Omega$ cm$^2$ were reached. {words}}}\n}}"
        )
    return "\n\n".join(entries)


@dataclass
class Timing:
    label: str
    entries: int
    seconds: float
    peak_rss_mb: float

    @property
    def per_second(self) -> float:
        return self.entries / self.seconds if self.seconds else float("inf")


def _timed(label: str, entries: int, work) -> Timing:
    """Wall time of work(), and the process's peak resident memory after it (it only grows)."""
    forget_decodings()  # each step pays for its own decoding
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Timing(label, entries, seconds, peak)


def import_benchmark(sizes: list[int]) -> list[Timing]:
    """Preview and confirm of BibTeX files of each size; each confirm is rolled back afterwards."""
    timings = []
    for size in sizes:
        text = bibtex_entries(size, seed=size)
        timings.append(_timed(f"preview {size}", size, lambda text=text: plan_import(text)))

        def confirm(text=text):
            with transaction.atomic():
                report = import_bibtex(text)
                assert len(report.saved) == report.created.__len__(), "the benchmark file must import whole"
                transaction.set_rollback(True)

        timings.append(_timed(f"confirm {size}", size, confirm))
        messy = bibtex_entries(size, seed=size, messy=True)
        timings.append(_timed(f"messy preview {size}", size, lambda text=messy: plan_import(text)))

        def confirm_messy(text=messy, size=size):
            with transaction.atomic():
                report = import_bibtex(text, skip_failed=True)
                assert len(report.saved) == size, "every messy entry must import, with warnings"
                transaction.set_rollback(True)

        timings.append(_timed(f"messy confirm {size}", size, confirm_messy))
    assert not Reference.objects.filter(citekey__startswith="bench").exists()
    return timings


# -- a synthetic atlas shaped like the curated one -------------------------------------
def synthetic_atlas(studies: int, *, seed: int = 7) -> None:
    """`studies` studies with about 5 figures and 2 interlayers each, on a handful of families,
    electrolytes and materials, written in bulk (no history: it measures reading, not writing)."""

    rng = random.Random(seed)
    families = [
        ElectrolyteFamily.objects.get_or_create(slug=slug, defaults={"label": slug.title(), "position": i})[0]
        for i, slug in enumerate(["garnet", "argyrodite", "thiophosphate", "nasicon", "halide"])
    ]
    electrolytes = [
        Electrolyte.objects.get_or_create(
            slug=f"bench-se-{i}",
            defaults={"name": name, "formula": name, "family": families[i % len(families)]},
        )[0]
        for i, name in enumerate(["Li7La3Zr2O12", "Li6PS5Cl", "Li3PS4", "Li1.3Al0.3Ti1.7(PO4)3", "Li3InCl6"])
    ]
    materials = [
        InterlayerMaterial.objects.get_or_create(
            slug=f"bench-{name.lower()}", defaults={"name": name, "kind": "oxide"}
        )[0]
        for name in ["Al2O3", "ZnO", "Li3PO4", "LiF", "Li3N", "Au", "Ag", "Sn"]
    ]
    if not Author.objects.filter(family="Bench0").exists():
        Author.objects.bulk_create([Author(family=f"Bench{i}", given="A.") for i in range(500)])
    authors = list(Author.objects.filter(family__startswith="Bench"))
    first = Reference.objects.filter(citekey__startswith="bench").count()  # studies are added after these
    quantities = [Quantity.CCD, Quantity.INTERFACIAL_RESISTANCE, Quantity.CYCLING_TIME, Quantity.THICKNESS]
    strategies = list(Strategy)
    batch = 2000
    for start in range(first, first + studies, batch):
        size = min(batch, first + studies - start)
        references = Reference.objects.bulk_create(
            Reference(
                citekey=f"bench{start + i}",
                title=f"Interface {start + i} of {rng.choice(electrolytes).name}"
                f" with a {rng.choice(materials).name} layer",
                journal="Journal of Power Sources",
                year=rng.randint(2000, 2025),
                doi=f"10.5555/bench.{start + i}",
            )
            for i in range(size)
        )
        Authorship.objects.bulk_create(
            Authorship(
                reference=reference, author=authors[(reference.pk * 7 + n) % len(authors)], position=n + 1
            )
            for reference in references
            for n in range(3)
        )
        created = Study.objects.bulk_create(
            Study(
                key=f"bench-{reference.citekey}",
                reference=reference,
                strategy=rng.choice(strategies),
                electrolyte=rng.choice(electrolytes),
                method="ald" if rng.random() < 0.3 else "",
                summary="A synthetic study for the benchmark.",
                figures_source="abstract",
            )
            for reference in references
        )
        StudyInterlayer.objects.bulk_create(
            StudyInterlayer(study=study, material=material, position=n + 1)
            for study in created
            for n, material in enumerate(rng.sample(materials, 2))
        )
        Measurement.objects.bulk_create(
            Measurement(
                study=study,
                position=n + 1,
                quantity=quantities[n % len(quantities)],
                value=round(rng.uniform(0.1, 2000), 2),
                reported="synthetic",
                locator="abstract",
                source="abstract",
                source_url="https://example.org/bench",
                role="treated",
            )
            for study in created
            for n in range(5)
        )
        batch_studies = Study.objects.filter(pk__in=[study.pk for study in created])
        batch_studies.refresh_figures()  # bulk_create skips the signals that keep these
        batch_studies.refresh_search()

    # What autovacuum keeps: the planner's statistics and, outside a transaction, the map of
    # all-visible pages that lets an index-only scan skip the table.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
    data_changed(Study)  # bulk_create sends no signal: the cached counts are out of date


@dataclass
class PageTiming:
    label: str
    studies: int
    first: float
    best: float
    median: float
    queries: int
    raw_sql: float | None
    rows: int
    peak_rss_mb: float
    after_save: float | None = None  # a page's first request after a curator saves a figure
    after_study_save: float | None = None  # … after a curator saves a change of a study's summary
    after_reclassify: float | None = None  # … after a curator changes a study's strategy
    kept: float | None = None  # a page's answer kept whole under its data-version ETag: best of 3

    @property
    def over_sql(self) -> float | None:
        """The best time as a multiple of its raw SQL's: what the page costs beyond its queries."""
        return self.best / self.raw_sql if self.raw_sql else None


def _consume(response) -> int:
    """The response's body size: a streamed export is read to its end."""
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _raw_sql_seconds(queries: list[dict]) -> float | None:
    """The same SQL, run again straight on the connection (what the database alone costs)."""

    start = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            for query in queries:
                sql = query["sql"]
                if sql.startswith("DECLARE "):  # a server-side cursor (iterator()): run its SELECT
                    sql = sql.split(" FOR ", 1)[1]
                elif sql.startswith(("FETCH ", "CLOSE ")):
                    continue
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
    except Exception:  # a logged query that is not valid SQL as printed (quoting): no raw figure
        return None
    return time.perf_counter() - start


class _QueryCount:
    """Counts the queries run on a connection (as its execute_wrapper), keeping none of them."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _timed_fetch(fetch, path: str) -> float:
    start = time.perf_counter()
    fetch(path)
    return time.perf_counter() - start


def _save_one_figure() -> None:
    """A curator's save: one figure of the first study saved again, as the admin saves it."""
    figure = Measurement.objects.filter(study=Study.objects.order_by("pk").first()).first()
    if figure is not None:
        figure.save()


def _save_one_study() -> None:
    """A curator's save of a study itself: the first study's summary changed, a note added or
    taken away again (the benchmark's database is its own)."""
    study = Study.objects.order_by("pk").first()
    if study is not None:
        note = " (saved again)"
        study.summary = (
            study.summary.removesuffix(note) if study.summary.endswith(note) else study.summary + note
        )
        study.save()


def _reclassify_one_study() -> None:
    """A curator's change of what classifies a study: the last study's strategy changed."""
    study = Study.objects.order_by("pk").last()
    if study is not None:
        other = Strategy.OTHER if study.strategy != Strategy.OTHER else Strategy.ANODE_DESIGN
        study.strategy = other
        study.save()


def page_benchmark(paths: dict[str, tuple[str, int]], studies: int, repeats: int = 5) -> list[PageTiming]:
    """Each path fetched `repeats` times through Django's test client: best and median time,
    queries, raw SQL time of the last run, and the process's peak memory afterwards.

    The timed runs only count their queries, as a server without DEBUG runs them; the SQL is
    kept by one more run, not timed, to be run again raw. They render each page (with the parts
    cached per data version); a page's answer kept whole (atlas/freshness.py) is timed apart."""

    with override_settings(ETAGS_FROM_DATA_VERSION=False):
        return _page_timings(paths, studies, repeats)


def _page_timings(paths: dict[str, tuple[str, int]], studies: int, repeats: int) -> list[PageTiming]:
    client = Client(HTTP_HOST="localhost")
    timings = []

    def fetch(path: str) -> None:
        response = client.get(path)
        _consume(response)
        assert response.status_code == 200, (path, response.status_code)

    # An export is written once per data version and query, then sent from its file: each timed
    # run of one writes it anew, in a folder of the benchmark's own.
    exports = Path(tempfile.mkdtemp(prefix="atlas-bench-exports-"))
    for label, (path, rows) in paths.items():
        seconds = []
        for _ in range(min(repeats, 3) if rows else repeats):  # a whole export is long enough to time
            queries = _QueryCount()
            shutil.rmtree(exports, ignore_errors=True)
            with override_settings(EXPORTS_DIR=exports), connection.execute_wrapper(queries):
                start = time.perf_counter()
                fetch(path)
                seconds.append(time.perf_counter() - start)
        reset_queries()  # the query log keeps 9,000: an export of 100,000 studies runs more
        shutil.rmtree(exports, ignore_errors=True)
        with override_settings(EXPORTS_DIR=exports), CaptureQueriesContext(connection) as captured:
            fetch(path)
        first = seconds[0]
        seconds.sort()
        after_save = after_study_save = after_reclassify = None
        if not rows:  # a page: its first request after a curator's save of a figure, of a study
            _save_one_figure()
            after_save = _timed_fetch(fetch, path)
            _save_one_study()
            after_study_save = _timed_fetch(fetch, path)
            _reclassify_one_study()
            after_reclassify = _timed_fetch(fetch, path)
        kept = None
        if not rows:  # the same page kept whole, as one shared data version lets a server keep it
            with override_settings(ETAGS_FROM_DATA_VERSION=True):
                fetch(path)
                kept = min(_timed_fetch(fetch, path) for _ in range(3))
        timings.append(
            PageTiming(
                label,
                studies,
                first,
                seconds[0],
                seconds[len(seconds) // 2],
                queries.count,
                _raw_sql_seconds(captured.captured_queries),
                rows,
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                after_save,
                after_study_save,
                after_reclassify,
                kept,
            )
        )
    shutil.rmtree(exports, ignore_errors=True)
    return timings


@dataclass
class ChartTiming:
    label: str
    studies: int
    cold: float
    warm: float
    queries: int
    bytes: int


def chart_benchmark(paths: dict[str, str], studies: int, repeats: int = 3) -> list[ChartTiming]:
    """Each chart path fetched cold (the cache emptied first, as any save empties it) and warm
    (from the cache): the best of `repeats` of each, the cold run's queries and the body's size."""
    client = Client(HTTP_HOST="localhost")
    timings = []
    for label, path in paths.items():
        cold, warm = [], []
        for _ in range(repeats):
            data_changed(Study)
            queries = _QueryCount()
            with connection.execute_wrapper(queries):
                start = time.perf_counter()
                response = client.get(path)
                size = _consume(response)
                cold.append(time.perf_counter() - start)
            assert response.status_code == 200, (path, response.status_code)
            start = time.perf_counter()
            _consume(client.get(path))
            warm.append(time.perf_counter() - start)
        timings.append(ChartTiming(label, studies, min(cold), min(warm), queries.count, size))
    return timings
