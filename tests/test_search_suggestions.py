"""A search that finds nothing is offered the nearest searches that do, from the words the
atlas holds; the same on both databases."""

import pytest

from interfaces.models import Study
from interfaces.search import highlight
from interfaces.suggest import suggestions, vocabulary

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("Kizilslan", "kizilaslan"),
        ("zink oxide", "zinc oxide"),
        ("dendrte garnet", "dendrite garnet"),
        ("Wachsmann", "wachsman"),
        ("argyrodyte", "argyrodite"),
    ],
)
def test_a_misspelt_search_is_offered_the_nearest_one_that_finds_studies(typed, offered):
    offers = suggestions(Study.objects.all(), typed)
    assert offers and offers[0][0] == offered
    assert offers[0][1] == Study.objects.search(offered).count() > 0


def test_two_forms_of_one_word_are_one_offer():
    offered = [text for text, _ in suggestions(Study.objects.all(), "dendrte garnet")]
    assert "dendrite garnet" in offered and "dendrites garnet" not in offered


def test_a_search_whose_words_are_all_held_is_offered_nothing():
    assert suggestions(Study.objects.all(), "LLZO") == []
    assert suggestions(Study.objects.all(), "unobtainium") == []  # nothing near it either


def test_the_filters_stay_with_the_offer():
    garnets = Study.objects.filter(electrolyte__family__slug="garnet")
    for text, count in suggestions(garnets, "Li3PO4 garnett"):
        assert count == garnets.search(text).count() > 0


def test_the_vocabulary_holds_materials_people_and_title_words():
    words = set(vocabulary())
    assert {"li7la3zr2o12", "llzo", "kizilaslan", "argyrodite", "dendrite"} <= words


def test_highlight_marks_the_written_text_of_a_folded_match():
    assert str(highlight("Kızılaslan & <b>Li₆PS₅Cl</b>", "kizilaslan li6ps5cl")) == (
        "<mark>Kızılaslan</mark> &amp; &lt;b&gt;<mark>Li₆PS₅Cl</mark>&lt;/b&gt;"
    )
    assert str(highlight("Dendrites suppressed", "dendrite")) == "<mark>Dendrite</mark>s suppressed"
    assert str(highlight("<script>", "")) == "&lt;script&gt;"


def test_the_vocabulary_is_read_once_a_while_not_after_every_save(monkeypatch):
    from interfaces import suggest
    from tests.helpers import make_study

    reads = []
    monkeypatch.setattr(suggest, "vocabulary", lambda: reads.append(1) or vocabulary())
    studies = Study.objects.all()
    assert suggestions(studies, "argyrodyte")
    make_study()  # a save: the data version changes, the vocabulary is kept
    offers = suggestions(studies, "argyrodyte")
    assert len(reads) == 1
    # Each offer is still counted against the data of now.
    assert all(count == Study.objects.search(text).count() for text, count in offers)
