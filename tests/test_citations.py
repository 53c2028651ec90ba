"""Every citation the atlas prints is written by the citation processor and well formed."""

import html
import re

import pytest

from references.models import Reference
from tests.test_incomplete_references import CITE_TEXT

pytestmark = pytest.mark.django_db

# A formula or an abbreviation: a word with a digit, a charge or a capital after its first letter.
FORMULA = re.compile(r"\b(?=\w*(?:\d|[A-Z]))[A-Z]\w*[A-Z0-9]\w*\+?")


def _citations(client, reference) -> dict[str, str]:
    page = client.get(reference.get_absolute_url()).content.decode()
    return {style: html.unescape(text) for style, text in CITE_TEXT.findall(page)}


def test_every_reference_is_cited_well_formed_in_every_style(client):
    references = list(Reference.objects.with_authors())
    assert len(references) > 50
    for reference in references:
        cited = _citations(client, reference)
        assert list(cited) == ["ACS", "RSC", "Nature", "APA"], reference.citekey
        for style, text in cited.items():
            where = (reference.citekey, style, text)
            assert text and text[0].isalnum(), where
            assert not re.search(r"\.\.|\s[.,;:]|,,|\(\)", text.replace("...", "")), where
            assert text.count(reference.title.rstrip(".")[:40].casefold()) <= 1, where
            if reference.author_list:
                assert reference.author_list[0].family in text, where
            if reference.year:
                assert "n.d." not in text, where
                if reference.journal and (style != "RSC" or reference.volume):  # RSC: in press
                    assert str(reference.year) in text, where
            if reference.journal:
                assert reference.journal in text, where
            if style != "RSC":  # RSC prints the title; its case is checked with the others
                for formula in FORMULA.findall(reference.title):
                    assert formula in text, (formula, *where)


def test_a_chemical_formula_keeps_its_case_in_every_style(client):
    from tests.helpers import make_reference

    reference = make_reference(title="LiPON and Li7La3Zr2O12 carry Li+ at the in situ formed LiF-rich SEI")
    cited = _citations(client, reference)
    for style, text in cited.items():
        for formula in ("LiPON", "Li7La3Zr2O12", "Li+", "LiF-rich", "SEI"):
            assert formula in text, (style, formula, text)
    assert "Carry Li+ at the in Situ Formed" in cited["ACS"]  # ACS capitalises a title's words
    assert "carry Li+ at the in situ formed" in cited["APA"]


def test_a_citation_is_text_whatever_the_title_holds(client):
    from tests.helpers import make_reference

    reference = make_reference(title='A <script>alert("x")</script> title & more')
    page = client.get(reference.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_the_data_page_cites_the_founding_review_in_the_processors_words(client):
    from references.citations import cite
    from references.models import FOUNDING_REVIEW

    review = Reference.objects.with_authors().get(citekey=FOUNDING_REVIEW)
    page = client.get("/data/").content.decode()
    expected = cite(review)
    assert expected.startswith(review.author_list[0].family)
    assert html.escape(expected.split(" https://doi.org/")[0], quote=False) in page
    if review.doi:
        assert f'<a href="https://doi.org/{review.doi}"' in page


def test_a_hyphenated_given_name_gives_its_initials(client):
    from tests.helpers import make_reference

    reference = make_reference(authors=(("Kim", "Jae-hyun"), ("Kim", "H.-s.")), title="Hyphens")
    cited = _citations(client, reference)
    assert cited["ACS"].startswith("Kim, J.-H.; Kim, H.-S. Hyphens.")
    assert cited["Nature"].startswith("Kim, J.-H. & Kim, H.-S. Hyphens.")
