"""What kind of page a figure was read on, recognised by its address in this one place.

A reader judges a figure by where it was read: the publisher's own page, PubMed Central or a
preprint server carry the paper itself; an abstract aggregator or a document-sharing site
carries a copy of doubtful standing, and is labelled as one; an unofficial mirror of a
publisher's site is never shown as a link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class SiteKind:
    slug: str
    label: str
    linked: bool = True  # shown as a link
    of_record: bool = False  # the paper itself, as its publisher or an official archive gives it


PUBLISHER = SiteKind("publisher", "the publisher's page", of_record=True)
PMC = SiteKind("pmc", "PubMed Central", of_record=True)
PREPRINT = SiteKind("preprint", "a preprint server", of_record=True)
REPOSITORY = SiteKind("repository", "a university repository", of_record=True)
INDEX = SiteKind("index", "a library catalogue or index")
NEWS = SiteKind("news", "a news site")
AGGREGATOR = SiteKind("aggregator", "an abstract aggregator")
DOCUMENT_SHARING = SiteKind("document-sharing", "a document-sharing site")
# A public code host: a research group's or an author's own website source, or a collection of
# papers' texts; the study's curation note says which.
CODE_REPOSITORY = SiteKind("code-repository", "a public code repository")
MIRROR = SiteKind("mirror", "an unofficial copy of a publisher's site", linked=False)
OTHER = SiteKind("other", "another site")

# Each site by its host; a host matches its subdomains too (ro.scribd.com is scribd.com).
SITES: dict[str, SiteKind] = {
    **dict.fromkeys(
        [
            "pubs.rsc.org", "pubs.acs.org", "onlinelibrary.wiley.com", "advanced.onlinelibrary.wiley.com",
            "sciencedirect.com", "link.springer.com", "nature.com", "science.org", "sciencemag.org",
            "mdpi.com", "frontiersin.org", "iopscience.iop.org", "pnas.org", "cell.com",
            "tandfonline.com", "journals.aps.org", "pubs.aip.org", "cambridge.org", "academic.oup.com",
            "ecsdl.org", "koreascience.kr", "j-cst.org", "e-cst.org", "oaepublish.com", "oaes.cc",
        ],
        PUBLISHER,
    ),
    **dict.fromkeys(["pmc.ncbi.nlm.nih.gov", "europepmc.org"], PMC),
    **dict.fromkeys(
        ["arxiv.org", "chemrxiv.org", "researchsquare.com", "ssrn.com", "biorxiv.org", "preprints.org"],
        PREPRINT,
    ),
    **dict.fromkeys(
        [
            "ora.ox.ac.uk", "osti.gov", "dspace.mit.edu", "escholarship.org", "orbit.dtu.dk",
            "repo.pw.edu.pl", "experts.syr.edu", "elsevierpure.com",
        ],
        REPOSITORY,
    ),
    **dict.fromkeys(
        [
            "pubmed.ncbi.nlm.nih.gov", "doaj.org", "uiindex.org", "jairo.nii.ac.jp", "eld.bl.uk",
            "bibliotecacpi.cl", "katalog.dhi-paris.fr", "elibrary.stipram.ac.id", "katalog.k.utb.cz",
            "search.napstic.cn",
        ],
        INDEX,
    ),
    **dict.fromkeys(["scienmag.com"], NEWS),
    **dict.fromkeys(
        [
            "bohrium.dp.tech", "scilit.net", "scilit.com", "scholarmate.com", "mendeley.com",
            "scholar.archive.org", "concepedia.online", "semanticscholar.org", "x-mol.com",
            "researcher.life", "researcher-app.com", "biocloudy.com", "ouci.dntb.gov.ua", "consensus.app",
            "ablesci.com",
        ],
        AGGREGATOR,
    ),
    **dict.fromkeys(
        ["scribd.com", "researchgate.net", "academia.edu", "doc88.com", "datapdf.com", "coek.info"],
        DOCUMENT_SHARING,
    ),
    **dict.fromkeys(["github.com", "raw.githubusercontent.com", "gitlab.com"], CODE_REPOSITORY),
    **dict.fromkeys(["rsc.66557.net"], MIRROR),
}  # fmt: skip


def host_of(address: str) -> str:
    """The address's host, without www. (empty for what is not an address)."""
    host = (urlsplit(address.strip()).hostname or "").lower()
    return host.removeprefix("www.")


def site_kind(address: str) -> SiteKind:
    """The kind of page at the address, by its host or the nearest parent domain listed."""
    host = host_of(address)
    parts = host.split(".")
    for start in range(len(parts) - 1):
        kind = SITES.get(".".join(parts[start:]))
        if kind is not None:
            return kind
    return OTHER


def source_link(address: str) -> SafeString:
    """Where a figure was read, as a reader should see it: a link labelled with the site and what
    it is, or, for an unofficial copy, the label alone."""
    if not address:
        return mark_safe("")
    kind, host = site_kind(address), host_of(address)
    if not kind.linked:
        return format_html(
            '<span class="source-site source-site-{}">read on {}</span>', kind.slug, kind.label
        )
    return format_html(
        '<a class="source-site source-site-{}" href="{}" rel="noopener nofollow">{}</a>'
        ' <span class="site-kind">({})</span>',
        kind.slug,
        address,
        host,
        kind.label,
    )


ADDRESS = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:]")


def linked_addresses(text: str, plain: Callable[[str], str] = escape) -> SafeString:
    """A curator's text with each address in it a link labelled as source_link labels it (an
    unofficial copy stays unlinked); the rest goes through `plain`, which escapes it."""
    pieces, last = [], 0
    for match in ADDRESS.finditer(text or ""):
        pieces.append(plain(text[last : match.start()]))
        pieces.append(source_link(match.group()))
        last = match.end()
    pieces.append(plain((text or "")[last:]))
    return mark_safe("".join(pieces))


def paper_link(doi_url: str, url: str) -> SafeString:
    """A paper's link of record: its DOI; without one, its own page where that is the publisher's
    or an official archive's; else a copy, labelled as what it is (an unofficial copy: nothing)."""
    if doi_url:
        return format_html(
            '<a class="button primary" href="{}" rel="noopener">Read the paper (DOI)</a>', doi_url
        )
    if not url:
        return mark_safe("")
    kind = site_kind(url)
    if kind.of_record:
        return format_html(
            '<a class="button primary" href="{}" rel="noopener">Read the paper ({})</a>', url, kind.label
        )
    if not kind.linked:
        return mark_safe("")
    return format_html(
        '<a class="button" href="{}" rel="noopener nofollow">A record of the paper on {} ({})</a>',
        url,
        host_of(url),
        kind.label,
    )
