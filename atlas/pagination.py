"""Pages of a list: a page's ids read first, from whichever end of the list is nearer."""

import re

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from .caching import EVERYTHING, cached

# Rows on a page of the study list and of its API; the bibliography's pages are longer.
STUDIES_PER_PAGE = 25
# The rows within which FromEitherEnd.first finds a page's ids: the first four pages.
FIRST_PAGES_MAX = 4 * STUDIES_PER_PAGE
REFERENCES_PER_PAGE = 30


class FromEitherEnd(Paginator):
    """A page's ids are read first, in a narrow query the database sorts without the joined
    rows' columns, then the rows of those ids with all they show. Pages past the middle are
    read from the end, in reverse order, and turned round: the database skips at most half of
    the ids, so the last page costs what the first does. The lists' orders all end on a unique
    field, so the reverse order is exactly reversed. `reads`: what the ids depend on
    (atlas/caching.py), which keys them in the cache."""

    reads = EVERYTHING
    rows = None  # the queryset a page's rows are read from, when not the list's own
    # For an order costly to compute over every row (a search's rank): first(queryset, bottom,
    # top) gives the ids of a page among the first FIRST_PAGES_MAX rows (or None to read them).
    first = None

    def page(self, number) -> Page:
        number = self.validate_number(number)
        queryset = self.object_list
        if not getattr(queryset, "ordered", False):
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom <= self.count // 2:
            read = queryset.values_list("pk", flat=True)[bottom:top]
        else:
            read = queryset.reverse().values_list("pk", flat=True)[self.count - top : self.count - bottom]
        # A page's ids are kept until the data change, keyed by the query that reads them: a
        # search's ranked ids, the costliest part of its page, are read once.
        try:
            key = str(read.query)
        except EmptyResultSet:  # a filter that can match nothing: nothing to read or keep
            key = None
        if self.first is not None and top <= FIRST_PAGES_MAX and bottom <= self.count // 2:
            first = self.first

            def ids_of_page():
                ids = first(queryset, bottom, top)
                return list(read) if ids is None else ids
        else:
            ids_of_page = lambda: list(read)  # noqa: E731
        ids = cached("page-ids", key, ids_of_page, reads=self.reads) if key is not None else []
        if bottom > self.count // 2:
            ids = ids[::-1]
        rows = (queryset if self.rows is None else self.rows).in_bulk(ids)
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    per_page: int = STUDIES_PER_PAGE,
    count: int | None = None,
    reads: str = EVERYTHING,
    rows: QuerySet | None = None,
    first=None,
) -> tuple[Page, str]:
    """The requested page, or the nearest real one with a note saying so. count: the number of
    rows when it is already known, so that the paginator does not count them again; reads: what
    the rows found, and their order, depend on (atlas/caching.py); rows: what a page's rows are
    read from, when less than the list's queryset holds is needed (their drawings are cached);
    first: how the first pages' ids are found, when not by reading them in order."""
    paginator = FromEitherEnd(queryset, per_page)
    paginator.reads, paginator.rows, paginator.first = reads, rows, first
    if count is not None:
        paginator.count = count
    asked = request.GET.get("page", "1")
    # Only ASCII digits are a page number: int() would take "²" or "①" and fail, and a
    # number thousands of digits long is still just "past the end".
    digits = bool(re.fullmatch(r"[0-9]+", asked))
    wanted = (int(asked) if len(asked) <= 9 else paginator.num_pages + 1) if digits else 1
    page = paginator.get_page(wanted)
    page.elided_range = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    note = ""
    if asked != str(page.number):
        if digits and wanted > page.number:
            note = f"There is no page {asked[:10]}; this is the last page, {page.number}."
        else:
            note = f"“{asked[:20]}” is not a page number; this is page {page.number}."
    return page, note
