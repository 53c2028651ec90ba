"""load_curated: idempotent, and all-or-nothing on a broken fixture."""

import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError

from interfaces.models import Electrolyte, InterlayerMaterial, Measurement, Study, StudyInterlayer
from references.models import Authorship, Reference
from tests.helpers import MANAGE, curated_copy, run_load_curated

pytestmark = pytest.mark.django_db

NEW_BIB = """
@article{newpaper,
  author = {Nouveau, A. and Second, B.},
  title = {A New Interlayer for Garnet Electrolytes},
  journal = {Journal of Tests},
  year = {2024},
  doi = {10.9999/new.interlayer},
}
"""

NEW_STUDY = """
studies:
  - key: nouveau2024new-li3po4-llzo
    reference: newpaper
    strategy: artificial-interlayer
    electrolyte: llzo
    interlayers: [li3po4]
    method: ald
    summary: A new study.
    measurements:
      - {quantity: ccd, value: 1.5, locator: "Fig. 2"}
"""


def snapshot():
    models = [Reference, Authorship, Electrolyte, InterlayerMaterial, Study, StudyInterlayer, Measurement]
    return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in models} | {
        "study updated": sorted(Study.objects.values_list("updated_at", flat=True))
    }


def test_a_second_run_changes_nothing():
    before = snapshot()
    output = run_load_curated()
    assert snapshot() == before
    assert "already up to date" in output
    assert "0 created, 0 updated" in output


def test_the_curated_data_is_there_once():
    with_doi = Reference.objects.exclude(doi="")
    assert with_doi.values("doi").distinct().count() == with_doi.count() >= 60
    assert Study.objects.count() == Study.objects.values("key").distinct().count()


def test_an_edited_fixture_updates_only_what_changed(tmp_path):
    directory = curated_copy(
        tmp_path, "value: 2.2\n        reported: 2.2 mA/cm²", "value: 2.3\n        reported: 2.3 mA/cm²"
    )
    study = Study.objects.get(key="deng2020tuning-li3po4-llzto")
    ids = sorted(study.measurements.values_list("pk", flat=True))
    assert "figures: 0 created, 1 updated" in run_load_curated(directory)
    assert sorted(study.measurements.values_list("pk", flat=True)) == ids
    assert study.measurements.get(quantity="ccd").value == 2.3


def broken_copy(tmp_path: Path, yaml_text: str) -> Path:
    (tmp_path / "new.bib").write_text(NEW_BIB)
    (tmp_path / "new.yaml").write_text(yaml_text)
    return tmp_path


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            NEW_STUDY.replace("electrolyte: llzo", "electrolyte: unobtainium"),
            "unknown electrolyte 'unobtainium'",
        ),
        (NEW_STUDY.replace("[li3po4]", "[li3po4, kryptonite]"), "unknown interlayer 'kryptonite'"),
        (NEW_STUDY.replace("strategy: artificial-interlayer", "strategy: magic"), "strategy"),
        (NEW_STUDY.replace("reference: newpaper", "reference: nobody2099nothing"), "'nobody2099nothing'"),
        (NEW_STUDY.replace("value: 1.5", "value: -1.5"), "value"),
        (
            NEW_STUDY.replace(
                '{quantity: ccd, value: 1.5, locator: "Fig. 2"}', "{quantity: ccd, value: 1.5}"
            ),
            "locator",
        ),
        (NEW_STUDY.replace("quantity: ccd", "quantity: voltage"), "quantity"),
        (
            NEW_STUDY.replace("    method: ald\n", "    method: ald\n    colour: blue\n"),
            "unknown field(s) colour",
        ),
        (NEW_STUDY + "  - key: [unclosed\n", "malformed YAML"),
    ],
    ids=[
        "electrolyte",
        "interlayer",
        "strategy",
        "reference",
        "negative",
        "locator",
        "quantity",
        "typo",
        "yaml",
    ],
)
def test_a_broken_fixture_saves_nothing_and_names_the_entry(tmp_path, yaml_text, message):
    before = snapshot()
    directory = broken_copy(tmp_path, yaml_text)
    with pytest.raises(CommandError) as exc:
        run_load_curated(directory)
    assert "new.yaml" in str(exc.value)
    assert message in str(exc.value)
    if "YAML" not in message:
        assert "nouveau2024new-li3po4-llzo" in str(exc.value)
    # The new reference of new.bib was imported before the YAML failed: it must be rolled back too.
    assert not Reference.objects.filter(doi="10.9999/new.interlayer").exists()
    assert snapshot() == before


def test_a_broken_bib_saves_nothing(tmp_path):
    (tmp_path / "new.bib").write_text(NEW_BIB + "\n@article{broken, title = {unclosed\n")
    with pytest.raises(CommandError) as exc:
        run_load_curated(tmp_path)
    assert "new.bib" in str(exc.value) and "line" in str(exc.value)
    assert not Reference.objects.filter(doi="10.9999/new.interlayer").exists()


def test_a_valid_addition_loads(tmp_path):
    run_load_curated(broken_copy(tmp_path, NEW_STUDY))
    study = Study.objects.get(key="nouveau2024new-li3po4-llzo")
    assert study.reference.citekey == "newpaper"  # the curated files name their references
    assert [layer.material.slug for layer in study.layers.all()] == ["li3po4"]


@pytest.mark.django_db(transaction=False)
def test_the_command_exits_non_zero_on_a_broken_fixture(tmp_path):
    (tmp_path / "fixtures").mkdir()
    directory = broken_copy(tmp_path / "fixtures", NEW_STUDY.replace("value: 1.5", "value: -1.5"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    subprocess.run([*MANAGE, "migrate", "-v0"], env=env, check=True, capture_output=True)
    result = subprocess.run(
        [*MANAGE, "load_curated", "--dir", str(directory)], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "new.yaml" in result.stderr and "nouveau2024new-li3po4-llzo" in result.stderr
    assert "Nothing was loaded" in result.stderr


def _without_times(tables):
    """The rows with every date and time blanked: two loads differ only in when they ran."""
    import datetime

    return [
        (table, columns, [tuple(None if isinstance(v, datetime.date) else v for v in row) for row in rows])
        for table, columns, rows in tables
    ]


@pytest.mark.django_db(transaction=True)
def test_a_live_server_tests_copy_of_the_curated_data_is_what_a_fresh_load_writes(request):
    """Live-server tests put back the rows the session's load wrote (the curated_live fixture),
    not load_curated again: those rows, the search index and the key sequences must be what a
    fresh load gives."""
    from django.core.management import call_command

    from tests.conftest import curated_rows

    call_command("flush", interactive=False, verbosity=0)
    call_command("load_curated", verbosity=0)
    loaded = curated_rows()
    found = {word: Study.objects.search(word).count() for word in ("LLZO", "Li3PO4", "argyrodite")}
    call_command("flush", interactive=False, verbosity=0)

    request.getfixturevalue("curated_live")

    assert _without_times(curated_rows()) == _without_times(loaded)
    assert {word: Study.objects.search(word).count() for word in found} == found
    assert all(found.values())
    # What a test adds after the copy takes the next keys, as after a load.
    assert Reference.objects.create(citekey="after2026copy", title="After the copy").pk > max(
        row[0] for table, _, rows in loaded if table == Reference._meta.db_table for row in rows
    )
