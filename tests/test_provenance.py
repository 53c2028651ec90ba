"""Where a figure was read is shown as what it is: the paper's own page, or a copy labelled as one."""

import pytest

from interfaces.models import Measurement, Quantity, Study
from interfaces.provenance import (
    ADDRESS,
    AGGREGATOR,
    CODE_REPOSITORY,
    DOCUMENT_SHARING,
    INDEX,
    MIRROR,
    OTHER,
    PMC,
    PREPRINT,
    PUBLISHER,
    REPOSITORY,
    linked_addresses,
    site_kind,
    source_link,
)
from references.models import Reference
from tests.helpers import make_study


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("https://pubs.rsc.org/en/content/articlelanding/2019/ta/c9ta01234a", PUBLISHER),
        ("http://www.mdpi.com/2313-0105/8/11/226", PUBLISHER),
        ("http://advances.sciencemag.org/content/3/1/e1601659", PUBLISHER),
        ("https://frontiersin.org/articles/10.3389/fchem.2020.00001", PUBLISHER),
        ("https://pmc.ncbi.nlm.nih.gov/articles/PMC7000000/", PMC),
        ("https://arxiv.org/abs/2001.00001", PREPRINT),
        ("https://ora.ox.ac.uk/objects/uuid:1234", REPOSITORY),
        ("https://pubmed.ncbi.nlm.nih.gov/31234567/", INDEX),
        ("https://www.uiindex.org/paper/123", INDEX),
        ("https://bohrium.dp.tech/paper/arxiv/62ac4b975aee126c0fd5b7a5", AGGREGATOR),
        ("https://www.scilit.net/publications/31282b487f27b8d14d1ff6e96635c808", AGGREGATOR),
        ("https://www.scholarmate.com/A/abc", AGGREGATOR),
        ("https://www.mendeley.com/catalogue/abc/", AGGREGATOR),
        ("https://scholar.archive.org/work/abc", AGGREGATOR),
        ("https://preview.concepedia.online/paper/1", AGGREGATOR),
        ("https://ro.scribd.com/document/1/paper", DOCUMENT_SHARING),
        ("https://rsc.66557.net/en/content/articlehtml/2019/ta/c9ta01234a", MIRROR),
        ("https://datapdf.com/download/x.html", DOCUMENT_SHARING),
        ("https://vufind-test.katalog.k.utb.cz/Record/1/Details", INDEX),
        ("https://graz.elsevierpure.com/en/publications/x", REPOSITORY),
        ("https://public-pages-files-2025.frontiersin.org/x.pdf", PUBLISHER),
        ("https://github.com/o/o.github.io/blob/0123abc/content/publication/x/index.md", CODE_REPOSITORY),
        ("https://oaepublish.com/articles/energymater.2024.201", PUBLISHER),
        ("https://f.oaes.cc/read_online/special_issue/energymater/2079/page23.html", PUBLISHER),
        ("https://example.org/page", OTHER),
        ("https://notpubs.rsc.org.evil.example/x", OTHER),
    ],
)
def test_each_known_site_is_recognised_by_its_address(address, kind):
    assert site_kind(address) == kind


@pytest.mark.django_db
def test_every_page_the_atlas_read_is_a_site_it_knows():
    addresses = set(Measurement.objects.exclude(source_url="").values_list("source_url", flat=True))
    notes = [*Study.objects.values_list("curation_note", flat=True)]
    notes += Reference.objects.values_list("curation_note", flat=True)
    for note in notes:
        addresses |= set(ADDRESS.findall(note))
    assert len(addresses) > 50
    assert sorted(address for address in addresses if site_kind(address) == OTHER) == []


def test_an_unofficial_copy_is_named_but_never_linked():
    html = source_link("https://rsc.66557.net/en/content/articlehtml/2019/ta/c9ta01234a")
    assert "<a " not in html and "66557" not in html
    assert "read on an unofficial copy of a publisher&#x27;s site" in html


def test_a_file_in_a_code_repository_is_linked_and_named_as_one():
    html = source_link("https://github.com/owner/repo/blob/0123456789abcdef0123456789abcdef01234567/a.json")
    assert 'class="source-site source-site-code-repository"' in html
    assert '>github.com</a> <span class="site-kind">(a public code repository)</span>' in html
    assert not CODE_REPOSITORY.of_record


def test_a_page_is_linked_with_its_host_and_its_kind():
    html = source_link("https://bohrium.dp.tech/paper/arxiv/1?a=1&b=2")
    assert 'href="https://bohrium.dp.tech/paper/arxiv/1?a=1&amp;b=2"' in html
    assert '>bohrium.dp.tech</a> <span class="site-kind">(an abstract aggregator)</span>' in html


def test_addresses_in_a_note_become_labelled_links_and_the_rest_stays_text():
    note = 'Read at https://www.scilit.net/publications/abc. "Li+" <b>kept</b>; copy: https://rsc.66557.net/x'
    html = linked_addresses(note)
    assert 'href="https://www.scilit.net/publications/abc"' in html
    assert "publications/abc</a>" not in html  # the host is the link's text
    assert "&quot;Li+&quot; &lt;b&gt;kept&lt;/b&gt;" in html
    assert "66557" not in html and html.count("<a ") == 1


@pytest.mark.django_db
def test_the_study_page_labels_each_reading_page_and_links_the_note(client):
    study = make_study(
        curation_note="Figures read at https://bohrium.dp.tech/paper/arxiv/1 (abstract).",
        measurements=[
            {
                "quantity": Quantity.CCD,
                "value": 1.0,
                "source": "abstract",
                "source_url": "https://pubs.rsc.org/x",
            },
            {
                "quantity": Quantity.CCD,
                "value": 2.0,
                "source": "abstract",
                "source_url": "https://rsc.66557.net/x",
            },
        ],
    )
    html = client.get(Study.objects.get(pk=study.pk).get_absolute_url()).content.decode()
    assert '>pubs.rsc.org</a> <span class="site-kind">(the publisher&#x27;s page)</span>' in html
    assert "read on an unofficial copy" in html and "rsc.66557.net" not in html
    assert (
        '<a class="source-site source-site-aggregator" href="https://bohrium.dp.tech/paper/arxiv/1"' in html
    )


@pytest.mark.parametrize(
    ("doi", "url", "shown", "hidden"),
    [
        ("10.1000/a.1", "https://bohrium.dp.tech/x", 'href="https://doi.org/10.1000/a.1"', "bohrium"),
        ("", "https://pubs.rsc.org/x", "Read the paper (the publisher&#x27;s page)</a>", "DOI"),
        ("", "https://arxiv.org/abs/1", "Read the paper (a preprint server)</a>", "DOI"),
        (
            "",
            "https://bohrium.dp.tech/x",
            "A record of the paper on bohrium.dp.tech (an abstract aggregator)",
            "Read the paper",
        ),
        ("", "https://rsc.66557.net/x", "read on an unofficial copy", "66557"),
    ],
)
@pytest.mark.django_db
def test_a_paper_is_read_at_its_link_of_record(client, doi, url, shown, hidden):
    from tests.helpers import make_reference

    reference = make_reference(doi=doi, url=url)
    html = client.get(reference.get_absolute_url()).content.decode()
    actions = html[html.index('<p class="actions">') : html.index("</p>", html.index('<p class="actions">'))]
    facts = html[html.index('<dl class="facts">') : html.index("</dl>")]
    assert shown in actions + facts
    assert hidden not in actions
