"""How long caches may keep each response, and the validator that tells a kept copy still holds.

A public page or API answer read by someone not signed in is the same for every reader until
the data change: it is sent `public, max-age=PUBLIC_MAX_AGE,
stale-while-revalidate=PUBLIC_STALE_SECONDS`, `Vary: Cookie` and an ETag, so the reverse
proxy's cache and browsers keep it and then ask again with If-None-Match, answered 304 while
it holds. Anything personal (a signed-in curator, the admin, a page holding a CSRF token or
setting a cookie, any write) is never kept by any cache, so a curator sees a save at once.

With ETAGS_FROM_DATA_VERSION a page's ETag is its address's under the current data version,
code and releases (and the Accept header, where the answer depends on it: NEGOTIATED_PREFIXES),
and a request that still holds it is answered 304 before any view runs.
The public answer itself is kept in the cache under that ETag, so the next reader of the same
address gets it without any view running either: every address is rendered once per data
version, whoever asks, until a save or a deploy. That needs one data version for every worker
and no lagging replica; otherwise the ETag is the body's hash, as Django's
ConditionalGetMiddleware makes it, and every answer is rendered.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.http import ConditionalGetMiddleware
from django.utils.cache import (
    add_never_cache_headers,
    has_vary_header,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import parse_etags

from .caching import data_version, keep_answer, kept_answer

SAFE_METHODS = {"GET", "HEAD"}
# The answers a shared cache may keep: the same for every reader until the data change.
PUBLIC_STATUSES = {200, 301, 304, 404, 410}
ADMIN_PREFIX = "/admin/"
# Where what is sent depends on the Accept header (the API's index, JSON or its documentation;
# a list refused to a reader who accepts no JSON; the health check's formats), which the ETag
# then holds. Every other address sends every reader the same answer, whatever browser asks: an
# answer there that varies by Accept all the same is rendered each time, never kept.
NEGOTIATED_PREFIXES = ("/api/", "/health/")
# A public answer larger than this is rendered each time rather than kept whole in the cache.
KEPT_ANSWER_MAX_BYTES = 1024 * 1024


def personal_request(request: HttpRequest) -> bool:
    """A write, the admin, or a browser with a session: never answered from or into a shared cache."""
    return (
        request.method not in SAFE_METHODS
        or request.path.startswith(ADMIN_PREFIX)
        or settings.SESSION_COOKIE_NAME in request.COOKIES
    )


@functools.cache
def code_version() -> str:
    """The deployed templates, modules and static manifest (names, sizes, times): a deploy changes it."""
    roots = [settings.BASE_DIR / "atlas", *map(Path, settings.TEMPLATES[0]["DIRS"])]
    roots += [
        Path(app.path)
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(settings.BASE_DIR) and "site-packages" not in Path(app.path).parts
    ]
    digest = hashlib.sha256()
    for root in sorted(set(roots)):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                digest.update(f"{path} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()


def data_etag(request: HttpRequest) -> str | None:
    """The ETag of this address under the current data version, code and releases; None without
    ETAGS_FROM_DATA_VERSION or while the cache is away. Read before the view, so a save during
    the rendering gives the page an older version's tag, never a newer one."""
    if not settings.ETAGS_FROM_DATA_VERSION:
        return None
    version = data_version()
    if version is None:
        return None
    try:
        releases = Path(settings.RELEASES_DIR).stat().st_mtime_ns  # a new release is a new folder
    except OSError:
        releases = 0
    accept = request.headers.get("Accept", "") if request.path.startswith(NEGOTIATED_PREFIXES) else ""
    key = f"{version}\n{code_version()}\n{releases}\n{request.build_absolute_uri()}\n{accept}"
    return f'W/"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'


def _keepable(request: HttpRequest, response: HttpResponse, etag: str) -> bool:
    """A whole answer the same for every reader of its address until the data change: public,
    tagged with the data version's ETag (not one a view chose), no cookie, not streamed, and
    varying by Accept only where the ETag holds it."""
    return (
        response.status_code == 200
        and (request.path.startswith(NEGOTIATED_PREFIXES) or not has_vary_header(response, "Accept"))
        and not response.streaming
        and not response.cookies
        and response.get("ETag") == etag
        and "public" in response.get("Cache-Control", "")
        and len(response.content) <= KEPT_ANSWER_MAX_BYTES
    )


def _holds(request: HttpRequest, etag: str) -> bool:
    """If-None-Match names this ETag (compared weakly, as RFC 9110 asks for GET)."""
    sent = parse_etags(request.headers.get("If-None-Match", ""))
    return etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in sent}


_conditional = ConditionalGetMiddleware(lambda request: None)


class FreshnessMiddleware:
    """Cache-Control, Vary and an ETag on every response; 304 when the reader's copy still holds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        etag = None if personal_request(request) else data_etag(request)
        if etag and _holds(request, etag):
            return self.label(request, HttpResponseNotModified(), etag)
        if etag and request.method == "GET" and (kept := kept_answer(etag)) is not None:
            status, headers, content = kept
            return HttpResponse(content, status=status, headers=headers)
        response = self.label(request, self.get_response(request), etag)
        if etag and request.method == "GET" and _keepable(request, response, etag):
            keep_answer(etag, (response.status_code, list(response.items()), response.content))
        return response

    @staticmethod
    def label(request: HttpRequest, response: HttpResponse, etag: str | None) -> HttpResponse:
        if personal_request(request) or response.cookies:
            add_never_cache_headers(response)
            patch_vary_headers(response, ["Cookie"])
            return response
        if response.has_header("Cache-Control"):
            return response  # the view chose (the health check is never kept)
        if response.status_code not in PUBLIC_STATUSES:
            patch_cache_control(response, no_store=True)
            return response
        patch_cache_control(
            response,
            public=True,
            max_age=settings.PUBLIC_MAX_AGE,
            stale_while_revalidate=settings.PUBLIC_STALE_SECONDS,
        )
        patch_vary_headers(response, ["Cookie"])
        if etag and not response.has_header("ETag"):
            response["ETag"] = etag
        return _conditional.process_response(request, response)  # else the body's ETag, and 304
