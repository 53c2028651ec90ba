"""The most read pages drawn again right after a save, before a reader asks for them.

A save makes cold what it changed (atlas/caching.py): the parts of the studies it touched, the
rows that show them, and, for an electrolyte's or a material's edit, every part that reads
those records. The first reader of a page after it counts and draws them again (tens of
milliseconds; a third of a second when every part of 100,000 studies is counted again). So once
a request that changed the atlas's data has been answered, its worker asks for the addresses of
WARM_AFTER_SAVE itself, and for the pages of the studies the save touched (at most
WARM_STUDY_PAGES), as a reader not signed in would: what they read is counted, drawn and kept
then, and their next reader finds it made. It runs on `request_finished`, which the WSGI server
sends once the answer has been sent, so the curator does not wait for it; it goes through the
whole middleware (the cache, the ETags, the replicas' routing) but sends no request signal, and a
failure is logged and changes nothing. What no request writes (load_curated, the migrations)
warms nothing: the first readers count it.
"""

from __future__ import annotations

import io
import logging
import sys
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished
from django.urls import reverse

from .caching import changes_tracked

logger = logging.getLogger(__name__)
USER_AGENT = "Interphase Atlas (drawing pages again after a save)"


@dataclass
class _Warming:
    """What to ask for once the answer is sent: the addresses, on the saving request's host."""

    addresses: list[str]
    environ: dict = field(repr=False)


_pending: ContextVar[_Warming | None] = ContextVar("atlas_warming_pending", default=None)
_running: ContextVar[bool] = ContextVar("atlas_warming_running", default=False)
_handler: BaseHandler | None = None


class WarmAfterSaveMiddleware:
    """Notes whether the request changed the atlas's data (and which studies), and if it did,
    which addresses to draw again once its answer has been sent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _pending.set(None)
        if _running.get():
            return self.get_response(request)
        with changes_tracked() as changes:
            response = self.get_response(request)
        if changes.any and (settings.WARM_AFTER_SAVE or settings.WARM_STUDY_PAGES):
            studies = sorted(changes.studies)[: settings.WARM_STUDY_PAGES]
            addresses = [*settings.WARM_AFTER_SAVE]
            addresses += [reverse("interfaces:study-detail", args=[pk]) for pk in studies]
            _pending.set(_Warming(addresses, _environ_like(request)))
        return response


def _environ_like(request) -> dict:
    """A reader's request to the same site: the host, scheme and proxy's headers of `request`,
    no cookie, no credentials."""
    kept = ("SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "wsgi.url_scheme")
    environ = {name: request.META[name] for name in kept if name in request.META}
    environ["HTTP_HOST"] = request.get_host()
    if settings.SECURE_PROXY_SSL_HEADER and settings.SECURE_PROXY_SSL_HEADER[0] in request.META:
        environ[settings.SECURE_PROXY_SSL_HEADER[0]] = request.META[settings.SECURE_PROXY_SSL_HEADER[0]]
    return environ | {
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": USER_AGENT,
        "HTTP_ACCEPT": "*/*",
        "wsgi.errors": sys.stderr,
    }


def _warm_after_response(sender, **kwargs) -> None:
    pending = _pending.get()
    if pending is None:
        return
    _pending.set(None)
    warm(pending.addresses, pending.environ)


request_finished.connect(_warm_after_response, dispatch_uid="atlas-warm-after-save")


def warm(addresses: list[str], environ: dict) -> list[int]:
    """Ask for each address as a reader would, through the whole middleware; their statuses (0
    for one that failed, logged)."""
    global _handler
    if _handler is None:
        handler = BaseHandler()
        handler.load_middleware()
        _handler = handler
    statuses = []
    token = _running.set(True)
    try:
        for address in addresses:
            path, _, query = address.partition("?")
            asked = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "wsgi.input": io.BytesIO(),
            }
            request = WSGIRequest(environ | asked)
            try:
                statuses.append(_handler.get_response(request).status_code)
            except Exception:  # a page that fails for readers fails for them, not for the save
                logger.exception("drawing %s again after a save failed", address)
                statuses.append(0)
    finally:
        _running.reset(token)
    return statuses
