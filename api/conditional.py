"""Conditional GET for the API: an ETag of the body, and 304 when the client already has it."""

from django.middleware.http import ConditionalGetMiddleware
from django.utils.decorators import decorator_from_middleware

# Django's own middleware, applied to the API's views only: it sets an ETag from the
# rendered body and answers If-None-Match / If-Modified-Since with 304.
conditional_get = decorator_from_middleware(ConditionalGetMiddleware)
