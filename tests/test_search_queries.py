"""Forty-odd searches a researcher types, each checked against what the curated files say.

The expected studies are read from fixtures/atlas.yaml and fixtures/references.bib alone (not
from the database or its stored search text), by the rules docs/contract.md states: every
word or "phrase" of the search must be held, folded, by one of the study's searched fields.
The same searches give the same studies on SQLite and PostgreSQL."""

from functools import cache
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from interfaces.search import SEPARATOR, fold, terms
from interfaces.vocabularies import Method, Strategy
from references.bibtex import parse_bibtex
from tests.helpers import exported_keys

pytestmark = pytest.mark.django_db

QUERIES = [
    # materials by formula, abbreviation and name
    "LLZO", "Li7La3Zr2O12", "lithium lanthanum zirconate", "LLZTO", "Ta-LLZO", "Ga-doped LLZO",
    "LPSCl", "Li6PS5Cl", "Li₆PS₅Cl", "argyrodite", "LATP", "LAGP", "LGPS", "Li10GeP2S12",
    "LiPON", "lithium phosphorus oxynitride", "Li3PS4", "ZnO", "zinc oxide", "Al2O3", "alumina",
    "Li3PO4", "Li3PO4-coated", "LiF", "Li3N",
    # families
    "garnet", "NASICON", "thiophosphate", "perovskite",
    # people, accented or not, in any form
    "Kızılaslan", "Kizilaslan", "Hanyu Huo", "H. Huo", "Huo, Hanyu", "Huo H", "Wachsman",
    # word forms and several words across fields
    "dendrite", "dendrites", "suppressed dendrite", "Al2O3 LLZO", "Huo garnet", "ALD garnet",
    "interfacial resistance", "critical current density", "stack pressure",
    # phrases
    '"solid electrolyte interphase"', '"atomic layer deposition"',
    # odd input
    "LLZO  ", "llzo", "Li–In", "Ω", '"unterminated', "-", "((", "unobtainium",
]  # fmt: skip


@cache
def curated_texts() -> dict[str, str]:
    """Each curated study's searched fields, read from the curated files and folded."""
    folder = Path(settings.CURATED_DATA_DIR)
    data = yaml.safe_load((folder / "atlas.yaml").read_text(encoding="utf-8"))
    papers = {entry.key: entry for entry in parse_bibtex((folder / "references.bib").read_text()).entries}
    families = {family["slug"]: family for family in data["families"]}
    electrolytes = {record["slug"]: record for record in data["electrolytes"]}
    materials = {record["slug"]: record for record in data["interlayers"]}
    methods, strategies = dict(Method.choices), dict(Strategy.choices)

    def names(record: dict, *keys: str) -> list[str]:
        values = []
        for key in keys:
            value = record.get(key) or ""
            values += value if isinstance(value, list) else [value]
        return [str(v) for v in values if v]

    texts = {}
    for study in data["studies"]:
        paper, electrolyte = papers[study["reference"]], electrolytes[study["electrolyte"]]
        fields = names(study, "summary", "mechanism", "method_detail")
        fields += [paper.fields.get("title", ""), paper.venue]
        fields += [str(methods.get(study.get("method"), "")), str(strategies[study["strategy"]])]
        fields += [
            electrolyte["name"],
            electrolyte.get("formula", ""),
            "; ".join(electrolyte.get("aliases", [])),
        ]
        family = families.get(electrolyte.get("family"))
        if family:
            fields += names(family, "label", "slug")
        for slug in study.get("interlayers", []):
            material = materials[slug]
            fields += [material["name"], material.get("formula", ""), "; ".join(material.get("aliases", []))]
        for family_name, given in paper.authors:
            fields += [family_name, given]
        texts[study["key"]] = SEPARATOR.join(fold(field) for field in fields if field)
    return texts


def expected(query: str) -> set[str]:
    wanted = terms(query)
    return {key for key, text in curated_texts().items() if all(term.text in text for term in wanted)}


@pytest.mark.parametrize("query", QUERIES)
def test_a_search_finds_exactly_the_studies_the_curated_files_say(client, query):
    assert exported_keys(client, q=query) == expected(query)


def test_the_table_is_long_and_mostly_finds_something():
    assert len(QUERIES) >= 40
    assert sum(1 for query in QUERIES if expected(query)) >= 40


def _garnet_studies() -> set[str]:
    data = yaml.safe_load((Path(settings.CURATED_DATA_DIR) / "atlas.yaml").read_text(encoding="utf-8"))
    garnets = {record["slug"] for record in data["electrolytes"] if record.get("family") == "garnet"}
    return {study["key"] for study in data["studies"] if study["electrolyte"] in garnets}


@pytest.mark.parametrize(
    "names",
    [
        ["LLZO", "Li7La3Zr2O12", "lithium lanthanum zirconate", "garnet"],
        ["LPSCl", "Li6PS5Cl", "Li₆PS₅Cl"],
        ["Kızılaslan", "Kizilaslan"],
        ["Hanyu Huo", "H. Huo", "Huo, Hanyu", "Huo H"],
        ["dendrite", "dendrites"],
        ["LiPON", "lithium phosphorus oxynitride"],
    ],
)
def test_every_name_of_a_material_family_or_person_finds_the_same_studies(client, names):
    found = [exported_keys(client, q=name) for name in names]
    assert found[0] and all(f == found[0] for f in found), dict(zip(names, found, strict=True))


def test_llzo_finds_every_garnet_study_and_llzto_only_the_tantalum_doped(client):
    assert exported_keys(client, q="LLZO") == _garnet_studies() != set()
    assert set() != exported_keys(client, q="LLZTO") < _garnet_studies()


def test_several_words_narrow_across_fields(client):
    llzo, al2o3 = exported_keys(client, q="LLZO"), exported_keys(client, q="Al2O3")
    both = exported_keys(client, q="Al2O3 LLZO")
    assert both and both == llzo & al2o3
    assert exported_keys(client, q="Huo garnet") == exported_keys(client, q="Huo") & llzo


@pytest.mark.parametrize("query", QUERIES)
def test_a_search_many_studies_match_chooses_the_same_studies(client, query, monkeypatch):
    """On SQLite a search matching many studies reads the texts in order instead of the index."""
    from interfaces import search

    monkeypatch.setattr(search, "MANY", 1)
    assert exported_keys(client, q=query) == expected(query)
