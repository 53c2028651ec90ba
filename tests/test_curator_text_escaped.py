"""What a curator types is shown as text on the public site, never run as HTML."""

import pytest

from tests.helpers import make_reference, make_study

pytestmark = pytest.mark.django_db
HOSTILE = "<script>alert(1)</script> & Li"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Li"


@pytest.fixture
def study():
    reference = make_reference(
        citekey="mallory2024script",
        title=HOSTILE,
        abstract=f"Abstract {HOSTILE}",
        curation_note=f"Note {HOSTILE}",
        authors=[("<b>Mallory</b>", "M.")],
    )
    return make_study(
        reference=reference, summary=f"Summary {HOSTILE}", curation_note=f"Study note {HOSTILE}"
    )


@pytest.mark.parametrize("page", ["reference", "study"])
def test_titles_abstracts_and_notes_are_escaped(client, study, page):
    url = study.reference.get_absolute_url() if page == "reference" else study.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "<b>Mallory</b>" not in html and "&lt;b&gt;Mallory&lt;/b&gt;" in html
    # What each page shows of the curators' texts: the paper's abstract and note, the study's
    # summary and note; and the paper's title besides.
    shown = ("Abstract", "Note") if page == "reference" else ("Summary", "Study note")
    for text in shown:
        assert f"{text} {ESCAPED}" in html, text
    assert html.count(ESCAPED) > len(shown)


def test_the_reference_page_shows_the_curation_note_escaped(client, study):
    html = client.get(study.reference.get_absolute_url()).content.decode()
    assert f"Note {ESCAPED}" in html
