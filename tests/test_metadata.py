"""A paper's metadata as reference managers and crawlers read it: Highwire tags and JSON-LD on
study and reference pages, COinS on the lists, OpenGraph everywhere; read back by real parsers."""

from html.parser import HTMLParser
from urllib.parse import parse_qs

import extruct
import pytest

from interfaces.models import Quantity, Study
from tests.helpers import make_reference, make_study

pytestmark = pytest.mark.django_db

AUTHORS = (("Müller", "Anna"), ("Zhang", "Wei"), ("O'Neil", "Pat"))


class Tags(HTMLParser):
    """The <meta> tags and COinS spans of a page, as an HTML parser reads them."""

    def __init__(self, html: str):
        super().__init__()
        self.meta, self.coins = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            self.meta.append((attrs.get("name") or attrs["property"], attrs.get("content")))
        if tag == "span" and attrs.get("class") == "Z3988":
            self.coins.append(parse_qs(attrs["title"]))

    def values(self, name: str) -> list[str]:
        return [content for key, content in self.meta if key == name]


def paper(**fields):
    values = {
        "title": "Li₃PO₄ interlayers on garnet",
        "authors": AUTHORS,
        "year": 2021,
        "month": 3,
        "journal": "Journal of Interfaces",
        "volume": "12",
        "number": "4",
        "pages": "101--110",
        "doi": "10.1234/jint.2021.101",
        "publisher": "Test Society",
    }
    return make_reference(**(values | fields))


def page_of(client, url: str) -> tuple[str, Tags, dict]:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    data = extruct.extract(html, base_url="http://testserver" + url, syntaxes=["json-ld", "opengraph"])
    return html, Tags(html), data


def article_of(data: dict) -> dict:
    (article,) = [record for record in data["json-ld"] if record["@type"] == "ScholarlyArticle"]
    return article


def test_a_study_page_carries_the_papers_highwire_tags(client):
    study = make_study(reference=paper())
    _, tags, _ = page_of(client, study.get_absolute_url())
    assert tags.values("citation_title") == ["Li₃PO₄ interlayers on garnet"]
    assert tags.values("citation_author") == ["Müller, Anna", "Zhang, Wei", "O'Neil, Pat"]
    assert tags.values("citation_publication_date") == ["2021/03"]
    assert tags.values("citation_journal_title") == ["Journal of Interfaces"]
    assert tags.values("citation_volume") == ["12"]
    assert tags.values("citation_issue") == ["4"]
    assert (tags.values("citation_firstpage"), tags.values("citation_lastpage")) == (["101"], ["110"])
    assert tags.values("citation_doi") == ["10.1234/jint.2021.101"]
    assert tags.values("citation_publisher") == ["Test Society"]


def test_a_study_page_carries_the_paper_as_json_ld(client):
    study = make_study(
        reference=paper(), interlayers=["Li3PO4"], measurements=[{"quantity": Quantity.CCD, "value": 1.2}]
    )
    _, _, data = page_of(client, study.get_absolute_url())
    article = article_of(data)
    assert article["name"] == "Li₃PO₄ interlayers on garnet"
    assert [a["familyName"] for a in article["author"]] == ["Müller", "Zhang", "O'Neil"]
    assert article["datePublished"] == "2021-03"
    assert article["isPartOf"]["issueNumber"] == "4"
    assert article["isPartOf"]["isPartOf"]["volumeNumber"] == "12"
    assert article["isPartOf"]["isPartOf"]["isPartOf"] == {
        "@type": "Periodical",
        "name": "Journal of Interfaces",
    }
    assert (article["pagination"], article["pageStart"], article["pageEnd"]) == ("101-110", "101", "110")
    assert article["sameAs"] == "https://doi.org/10.1234/jint.2021.101"
    (dataset,) = [record for record in data["json-ld"] if record["@type"] == "Dataset"]
    assert dataset["name"] == f"Li3PO4 on {study.electrolyte.name}"
    assert dataset["url"] == f"http://testserver{study.get_absolute_url()}"
    assert dataset["variableMeasured"] == ["Critical current density"]
    assert dataset["citation"]["sameAs"] == article["sameAs"]


def test_a_reference_page_carries_the_same_metadata(client):
    reference = paper()
    _, tags, data = page_of(client, reference.get_absolute_url())
    assert tags.values("citation_author") == ["Müller, Anna", "Zhang, Wei", "O'Neil, Pat"]
    assert article_of(data)["name"] == reference.title
    assert data["opengraph"][0]["properties"][:1] == [("og:title", reference.title)]


def test_a_paper_without_those_fields_gives_no_empty_tags(client):
    reference = make_reference(title="Bare", authors=(), year=None, journal="", doi="")
    study = make_study(reference=reference)
    html, tags, data = page_of(client, study.get_absolute_url())
    citation_tags = [(name, content) for name, content in tags.meta if name.startswith("citation_")]
    assert citation_tags == [("citation_title", "Bare")]
    assert article_of(data) == {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "name": "Bare",
        "author": [],
    }
    assert 'content=""' not in html


HOSTILE = 'Li & Na "quoted" <b>bold</b> </script><script>alert(1)</script>'


def test_a_hostile_title_stays_text_in_attributes_and_json_ld(client):
    study = make_study(reference=paper(title=HOSTILE))
    html, tags, data = page_of(client, study.get_absolute_url())
    assert tags.values("citation_title") == [HOSTILE]
    assert article_of(data)["name"] == HOSTILE
    assert "</script><script>alert(1)" not in html
    assert html.count("<script") == html.count("</script>")


def test_the_study_list_offers_each_paper_once_as_coins(client):
    shared = paper()
    make_study(reference=shared)
    make_study(reference=shared)
    other = make_study(reference=paper(title="Another", doi="10.1234/other", authors=(("Li", "Ming"),)))
    response = client.get("/studies/", {"q": "", "family": "garnet"})
    page = response.context["page_obj"].object_list
    _, tags, _ = page_of(client, "/studies/?family=garnet")
    assert len(tags.coins) == len({study.reference_id for study in page})
    by_doi = {c["rft_id"][0]: c for c in tags.coins if "rft_id" in c}
    first = by_doi["info:doi/10.1234/jint.2021.101"]
    assert first["rft.atitle"] == ["Li₃PO₄ interlayers on garnet"]
    assert first["rft.au"] == ["Müller, Anna", "Zhang, Wei", "O'Neil, Pat"]
    assert (first["rft.jtitle"], first["rft.volume"], first["rft.issue"]) == (
        ["Journal of Interfaces"],
        ["12"],
        ["4"],
    )
    assert (first["rft.spage"], first["rft.epage"], first["rft.date"]) == (["101"], ["110"], ["2021-03"])
    assert first["ctx_ver"] == ["Z39.88-2004"]
    assert first["rft_val_fmt"] == ["info:ofi/fmt:kev:mtx:journal"]
    assert by_doi["info:doi/10.1234/other"]["rft.au"] == ["Li, Ming"]
    assert other.reference_id in {study.reference_id for study in page}


def test_the_reference_list_offers_every_paper_shown_as_coins(client):
    hostile = paper(title=HOSTILE, doi="10.1234/hostile", year=2999)
    response = client.get("/references/")
    shown = response.context["page_obj"].object_list
    _, tags, _ = page_of(client, "/references/")
    assert len(shown) > 1
    assert len(tags.coins) == len(shown)
    (coins,) = [c for c in tags.coins if c.get("rft_id") == ["info:doi/10.1234/hostile"]]
    assert coins["rft.atitle"] == [hostile.title]


def test_a_bare_paper_gives_coins_without_empty_fields(client):
    make_study(reference=make_reference(title="Zyxwvut", authors=(), year=None, journal="", doi=""))
    _, tags, _ = page_of(client, "/studies/?q=Zyxwvut")
    (coins,) = tags.coins
    assert coins == {
        "ctx_ver": ["Z39.88-2004"],
        "rft_val_fmt": ["info:ofi/fmt:kev:mtx:journal"],
        "rft.genre": ["article"],
        "rft.atitle": ["Zyxwvut"],
    }


SITE_DESCRIPTION = (
    "A curated literature database of strategies that stabilise the interface between Li metal and solid "
    "electrolytes."
)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/studies/",
        "/references/",
        "/electrolytes/",
        "/electrolytes/llzto/",
        "/interlayers/",
        "/interlayers/li3po4/",
        "/matrix/",
        "/about/",
        "/data/",
        "/studies/charts/",
        "/compare/",
    ],
)
def test_every_public_page_has_opengraph_and_a_twitter_card(client, url):
    if url == "/compare/":
        url += "?" + "&".join(f"id={pk}" for pk in Study.objects.values_list("pk", flat=True)[:2])
    html, tags, data = page_of(client, url)
    properties = dict(data["opengraph"][0]["properties"])
    assert properties["og:title"] and properties["og:description"]
    # Each page says what it holds, not only the site's one line.
    assert properties["og:description"] != SITE_DESCRIPTION
    assert properties["og:site_name"] == "Interphase Atlas"
    assert properties["og:url"] == f"http://testserver{url}"
    assert properties["og:type"] == "website"
    assert tags.values("twitter:card") == ["summary"]


def test_a_study_page_describes_the_study_and_its_headline_figures(client):
    study = make_study(
        reference=paper(),
        interlayers=["Li3PO4"],
        measurements=[{"quantity": Quantity.CCD, "value": 1.2}],
        summary="A thin Li3PO4 layer wets the garnet.",
    )
    _, _, data = page_of(client, study.get_absolute_url())
    properties = dict(data["opengraph"][0]["properties"])
    assert properties["og:title"] == f"Li3PO4 on {study.electrolyte.name} (Müller et al. 2021)"
    assert properties["og:description"] == "Best CCD 1.2 mA/cm². A thin Li3PO4 layer wets the garnet."
    assert properties["og:type"] == "article"


def test_a_filtered_list_says_its_filter_in_words(client):
    make_study()
    _, _, data = page_of(client, "/studies/?family=garnet")
    properties = dict(data["opengraph"][0]["properties"])
    assert properties["og:title"] == "Studies: Electrolyte family Garnet oxide"
    assert "filtered by electrolyte family Garnet oxide" in properties["og:description"]


# How Zotero's Embedded Metadata translator reads Highwire tags (zotero/translators, "Embedded
# Metadata.js": its HIGHWIRE_MAPPINGS, and the item type the container's tag sets in init()).
ZOTERO_FIELDS = {
    "citation_title": "title",
    "citation_date": "date",
    "citation_journal_title": "publicationTitle",
    "citation_inbook_title": "publicationTitle",
    "citation_conference_title": "conferenceName",
    "citation_dissertation_institution": "university",
    "citation_technical_report_institution": "institution",
    "citation_volume": "volume",
    "citation_issue": "issue",
    "citation_publisher": "publisher",
    "citation_abstract": "abstractNote",
    "citation_doi": "DOI",
}
ZOTERO_TYPES = {
    "citation_journal_title": "journalArticle",
    "citation_technical_report_institution": "report",
    "citation_conference_title": "conferencePaper",
    "citation_inbook_title": "bookSection",
    "citation_dissertation_institution": "thesis",
}


def zotero_item(tags: Tags) -> dict:
    """The item Zotero's connector saves from a page's Highwire tags."""
    item_type = None
    for name, _ in tags.meta:
        item_type = ZOTERO_TYPES.get(name, item_type)
    item = {"itemType": item_type or ("journalArticle" if tags.values("citation_title") else "webpage")}
    item |= {ZOTERO_FIELDS[name]: content for name, content in tags.meta if name in ZOTERO_FIELDS}
    item["creators"] = [tuple(author.split(", ", 1)) for author in tags.values("citation_author")]
    pages = tags.values("citation_firstpage") + tags.values("citation_lastpage")
    if pages:
        item["pages"] = "-".join(pages)
    return item


@pytest.mark.parametrize(
    ("entry_type", "zotero_type", "container_field"),
    [
        ("article", "journalArticle", "publicationTitle"),
        ("inproceedings", "conferencePaper", "conferenceName"),
        ("incollection", "bookSection", "publicationTitle"),
        ("phdthesis", "thesis", "university"),
        ("techreport", "report", "institution"),
    ],
)
def test_zoteros_button_saves_the_paper_with_its_fields(client, entry_type, zotero_type, container_field):
    reference = paper(entry_type=entry_type, abstract="Li₃PO₄ lowers the interfacial resistance.")
    _, tags, _ = page_of(client, make_study(reference=reference).get_absolute_url())
    assert zotero_item(tags) == {
        "itemType": zotero_type,
        "title": reference.title,
        "creators": [(family, given) for family, given in AUTHORS],
        "date": "2021/03",
        container_field: "Journal of Interfaces",
        "volume": "12",
        "issue": "4",
        "pages": "101-110",
        "DOI": "10.1234/jint.2021.101",
        "publisher": "Test Society",
        "abstractNote": "Li₃PO₄ lowers the interfacial resistance.",
    }
    # The page has no COinS: Zotero's COinS translator, which comes first, leaves it to these tags.
    assert tags.coins == []


UNIVERSITY = "Journal of Interfaces"  # paper()'s container: a thesis's university


@pytest.mark.parametrize(
    ("entry_type", "fields"),
    [
        ("article", {"rft_val_fmt": "info:ofi/fmt:kev:mtx:journal", "rft.genre": "article"}),
        ("techreport", {"rft_val_fmt": "info:ofi/fmt:kev:mtx:journal", "rft.genre": "report"}),
        (
            "phdthesis",
            {"rft_val_fmt": "info:ofi/fmt:kev:mtx:dissertation", "rft.inst": "Journal of Interfaces"},
        ),
    ],
)
def test_a_lists_coins_name_the_kind_of_work(client, entry_type, fields):
    reference = paper(entry_type=entry_type)
    make_study(reference=reference)
    _, tags, _ = page_of(client, f"/references/?citekey={reference.citekey}")
    (coins,) = [c for c in tags.coins if c.get("rft_id") == ["info:doi/10.1234/jint.2021.101"]]
    assert {key: coins[key] for key in fields} == {key: [value] for key, value in fields.items()}
    assert coins["rft.au"] == [f"{family}, {given}" for family, given in AUTHORS]
