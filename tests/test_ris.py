"""RIS export: every record readable by EndNote, Mendeley and Zotero, field for field."""

import re

import pytest
import rispy

from references.models import EntryType, Reference
from references.ris import write_ris
from tests.helpers import make_reference

pytestmark = pytest.mark.django_db
LINE = re.compile(r"^([A-Z][A-Z0-9])  - (.*)$")


def parse_ris(text: str) -> list[dict[str, list[str]]]:
    """A strict RIS reader: every line is a tag line, every record starts with TY and ends with ER."""
    records, current = [], None
    for line in text.split("\r\n"):
        if not line:
            continue
        match = LINE.match(line)
        assert match, f"not a RIS line: {line!r}"
        tag, value = match.groups()
        if tag == "TY":
            assert current is None, "TY inside a record"
            current = {}
        assert current is not None, f"{tag} outside a record"
        if tag == "ER":
            records.append(current)
            current = None
            continue
        current.setdefault(tag, []).append(value)
    assert current is None, "the last record has no ER"
    return records


def test_every_curated_reference_becomes_one_record():
    references = list(Reference.objects.with_authors())
    records = parse_ris(write_ris(references))
    assert [r["ID"] for r in records] == [[ref.citekey] for ref in references]
    for record, reference in zip(records, references, strict=True):
        assert record["TI"] == [reference.title]
        assert record.get("AU", []) == [a.inverted for a in reference.author_list]
        assert record.get("DO", [""]) == [reference.doi]


def test_a_record_carries_each_field_in_its_tag():
    reference = make_reference(
        title="Tuning the anode–electrolyte interface",
        authors=[("Deng", "Tao"), ("Kızılaslan", "A.")],
        doi="https://doi.org/10.1002/ADMA.299999999",
        journal="Advanced Materials",
        volume="32",
        number="23",
        pages="2000030–2000038",
        month=6,
        abstract="First line.\nSecond line,\r\nthird.",
    )
    text = write_ris(Reference.objects.with_authors().filter(pk=reference.pk))
    assert text.endswith("ER  - \r\n\r\n")
    assert "\n" not in text.replace("\r\n", "")
    (record,) = parse_ris(text)
    assert record["TY"] == ["JOUR"]
    assert record["AU"] == ["Deng, Tao", "Kızılaslan, A."]
    assert record["T2"] == ["Advanced Materials"]
    assert record["PY"] == ["2020"] and record["DA"] == ["2020/06//"]
    assert (record["VL"], record["IS"]) == (["32"], ["23"])
    assert (record["SP"], record["EP"]) == (["2000030"], ["2000038"])
    assert record["DO"] == ["10.1002/adma.299999999"]
    assert record["UR"] == ["https://doi.org/10.1002/adma.299999999"]
    assert record["AB"] == ["First line. Second line, third."]


@pytest.mark.parametrize(
    ("entry_type", "ris_type", "venue_tag"),
    [
        (EntryType.BOOK, "BOOK", "T2"),
        (EntryType.INCOLLECTION, "CHAP", "T2"),
        (EntryType.INPROCEEDINGS, "CPAPER", "T2"),
        (EntryType.PHDTHESIS, "THES", "PB"),
        (EntryType.TECHREPORT, "RPRT", "PB"),
        (EntryType.ONLINE, "ELEC", "T2"),
        (EntryType.MISC, "GEN", "T2"),
    ],
)
def test_entry_types_map_to_ris_types(entry_type, ris_type, venue_tag):
    reference = make_reference(entry_type=entry_type, journal="Venue", pages="17")
    (record,) = parse_ris(write_ris(Reference.objects.with_authors().filter(pk=reference.pk)))
    assert record["TY"] == [ris_type]
    assert record[venue_tag] == ["Venue"]
    assert record["SP"] == ["17"] and "EP" not in record


def test_a_ris_reader_reads_every_field_back():
    references = list(Reference.objects.with_authors())
    entries = rispy.loads(write_ris(references))
    assert len(entries) == len(references)
    for reference, entry in zip(references, entries, strict=True):
        assert entry["id"] == reference.citekey and entry["title"] == " ".join(reference.title.split())
        assert entry.get("authors", []) == [a.inverted for a in reference.author_list]
        assert entry.get("doi", "") == reference.doi
        assert entry.get("year", "") == (str(reference.year) if reference.year else "")
