"""The benchmark's generators (the benchmark itself is `make bench`, never a timed test)."""

from references import bibtex


def test_the_benchmark_generator_writes_distinct_importable_entries():
    from interfaces.management.benchmark import bibtex_entries

    result = bibtex.parse_bibtex(bibtex_entries(30))
    assert len(result.entries) == 30 and not result.problems
    assert all(not entry.errors for entry in result.entries)
    assert len({entry.doi for entry in result.entries}) == 30
    assert "Ω" in result.entries[0].fields["abstract"] and "⁻²" in result.entries[0].fields["abstract"]


def test_the_messy_benchmark_file_imports_whole_with_warnings(db):
    from interfaces.management.benchmark import bibtex_entries
    from references.bibtex import plan_import

    report = plan_import(bibtex_entries(20, messy=True))
    assert len(report.created) == 20 and not report.failures
    messy = [entry for entry in report.created if entry.key.startswith("2016A&A")]
    assert len(messy) == 10 and all(entry.source_type for entry in messy)
    assert all(len(entry.notes) >= 4 for entry in messy)  # type, macro, repeated title, DOI page, key


def test_the_synthetic_atlas_has_the_shape_of_the_curated_one(db):
    from interfaces.management.benchmark import synthetic_atlas
    from interfaces.models import Measurement, Study, StudyInterlayer

    before = Study.objects.count()
    synthetic_atlas(40)
    synthetic_atlas(10, seed=8)  # a second batch is numbered after the first
    added = Study.objects.filter(key__startswith="bench-")
    assert added.count() == 50 and Study.objects.count() == before + 50
    assert Measurement.objects.filter(study__in=added).count() == 50 * 5
    assert StudyInterlayer.objects.filter(study__in=added).count() == 50 * 2
    assert all(study.reference.authorships.count() == 3 for study in added[:5])


def test_the_synthetic_atlas_keeps_its_stored_figures_and_texts_and_outdates_the_counts(db):
    from atlas.caching import data_version
    from interfaces.management.benchmark import synthetic_atlas
    from interfaces.models import Study

    version = data_version()
    synthetic_atlas(5)
    assert data_version() != version  # counts cached before the bulk load are not served after it
    study = Study.objects.filter(key__startswith="bench-").first()
    assert study.search_text and study.electrolyte_name == study.electrolyte.name
    assert study.best_ccd_value is not None or study.lowest_resistance_value is not None


def test_the_page_benchmark_counts_each_runs_queries_and_keeps_the_sql_of_one_more(db):
    from django.db import connection

    from interfaces.management.benchmark import page_benchmark, synthetic_atlas
    from interfaces.models import Study

    synthetic_atlas(30)
    study = Study.objects.filter(key__startswith="bench-").first()
    paths = {
        "list": ("/studies/", 0),
        "study": (f"/studies/{study.pk}/", 0),
        "CSV": ("/studies/?format=csv", 30),
    }
    timings = {t.label: t for t in page_benchmark(paths, 30, repeats=2)}
    assert set(timings) == {"list", "study", "CSV"}
    for timing in timings.values():
        assert 0 < timing.best <= timing.median and timing.first >= timing.best
        assert 0 < timing.queries < 20  # the last timed run's queries, not a growing log
        assert timing.raw_sql is not None and timing.raw_sql > 0
    assert timings["CSV"].rows == 30
    # A page's first request after a save is timed too (an export writes its file anew anyway).
    assert timings["list"].after_save > 0 and timings["study"].after_save > 0
    assert timings["list"].after_study_save > 0 and timings["study"].after_study_save > 0
    assert timings["list"].after_reclassify > 0 and timings["study"].after_reclassify > 0
    assert timings["CSV"].after_save is None and timings["CSV"].after_study_save is None
    assert timings["CSV"].after_reclassify is None
    assert 0 < timings["list"].kept < timings["list"].best and timings["CSV"].kept is None
    assert timings["list"].over_sql == timings["list"].best / timings["list"].raw_sql
    assert not connection.execute_wrappers  # the counting wrapper is gone after each run


def test_each_timed_save_changes_what_it_names_every_time_it_is_made(db):
    """The first request after a save is timed once per page: each save must change the data
    anew, or every page but the first would be timed warm."""
    from atlas.caching import CLASSES, EVERYTHING, RECORDS, data_version
    from interfaces.management.benchmark import _reclassify_one_study, _save_one_figure, _save_one_study

    for save, reaches in (
        (_save_one_figure, EVERYTHING),
        (_save_one_study, RECORDS),
        (_reclassify_one_study, CLASSES),
    ):
        for _ in range(3):
            before = data_version(reaches)
            save()
            assert data_version(reaches) != before, save.__name__
