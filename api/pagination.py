"""Pages of an API list, read as the HTML list reads them (ids first, from the nearer end), with
the HTML list's page size by default and `page_size` up to a maximum. The number of rows a
filter matches is counted once per data version, so a page costs its rows, not a count."""

import re

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from atlas.caching import cached
from atlas.pagination import STUDIES_PER_PAGE, FromEitherEnd

MAX_PAGE_SIZE = 100
_DIGITS = re.compile(r"[0-9]{1,9}")
# A page number of any length is a page number: past the last page it is not found.
_PAGE = re.compile(r"[0-9]+")


class AtlasPagination(PageNumberPagination):
    """Like the HTML lists, but a page number or size that is not one is an error, not a guess."""

    django_paginator_class = FromEitherEnd
    page_size = STUDIES_PER_PAGE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        if not _DIGITS.fullmatch(asked) or not 1 <= int(asked) <= self.max_page_size:
            raise ValidationError({"page_size": [f"A whole number from 1 to {self.max_page_size}."]})
        return int(asked)

    def get_page_number(self, request, paginator):
        asked = request.query_params.get(self.page_query_param, "1")
        if not _PAGE.fullmatch(asked) or int(asked) < 1:
            raise ValidationError({"page": ["A whole number from 1."]})
        return int(asked)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        paginator.rows = getattr(view, "page_rows", None)  # what a page's rows are read from, if less
        # The rows a filter matches, keyed by the query itself (its SQL with the values in).
        paginator.count = cached("api-count", str(queryset.order_by().query), queryset.order_by().count)
        number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(number)
        except InvalidPage as exc:
            last = paginator.num_pages
            raise NotFound({"page": [f"There is no page {number}; the last page is {last}."]}) from exc
        return list(self.page)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "page": self.page.number,
                "page_size": self.page.paginator.per_page,
                "num_pages": self.page.paginator.num_pages,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["count", "page", "page_size", "num_pages", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "description": "Rows matching the filters, on all pages."},
                "page": {"type": "integer"},
                "page_size": {"type": "integer"},
                "num_pages": {"type": "integer"},
                "next": link | {"description": "The next page, with the same filters; null on the last."},
                "previous": link | {"description": "The previous page; null on the first."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, at most {self.max_page_size} (default: the HTML list's).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
