"""The benchmark behind `manage.py bench`: synthetic inputs shaped like the real ones, timed
against a baseline measured in the same run (shared machines are noisy; ratios are not)."""

from __future__ import annotations

import random
import resource
import time
from dataclasses import dataclass

from django.db import transaction

from references.bibtex import decode_latex, import_bibtex, plan_import
from references.models import Reference

FAMILIES = ["Müller", "Kim", "Zhang", "van der Ven", "Kızılaslan", "Wachsman", "Sakamoto", "Janek"]
MATERIALS = ["{Li7La3Zr2O12}", "{Li6PS5Cl}", "{LiPON}", "{Li3PS4}", "{LATP}", "{Li3InCl6}"]


def bibtex_entries(count: int, *, seed: int = 1, abstract_words: int = 120) -> str:
    """`count` distinct journal articles as a reference manager exports them: LaTeX accents,
    braced formulas, math in abstracts, DOIs, pages with --."""
    rng = random.Random(seed)
    entries = []
    for i in range(count):
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
    decode_latex.cache_clear()  # each step pays for its own decoding
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
    assert not Reference.objects.filter(citekey__startswith="bench").exists()
    return timings
