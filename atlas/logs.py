"""Logs: each record one JSON line on stderr, carrying the request it was written in.

`RequestIdMiddleware` gives every request an id: the X-Request-ID a trusted proxy sent (so the
proxy's access log and the site's records share it), else a new one. The id goes back on the
response's X-Request-ID header; `RequestContextFilter` puts it, the method and the path on
every record written while the request is answered, and `JsonFormatter` writes a record as
one line, its traceback included.
"""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

import sentry_sdk
from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from .clients import came_from_trusted_proxy

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and plain: it is written into every log line.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_NO_REQUEST = {"request_id": "-", "method": "-", "path": "-"}
_current = contextvars.ContextVar("atlas_request", default=_NO_REQUEST)


def request_id_for(request) -> str:
    """The id of a request: a trusted proxy's X-Request-ID when it is acceptable, else a new one."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    if offered and _ACCEPTABLE_ID.fullmatch(offered) and came_from_trusted_proxy(request):
        return offered
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Assigns the request's id (request.id), tags the records and the error tracker with it,
    and returns it as the response's X-Request-ID. First in MIDDLEWARE, so it covers them all."""

    sync_capable = async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def _begin(self, request):
        request.id = request_id_for(request)
        sentry_sdk.set_tag("request_id", request.id)  # nothing happens without SENTRY_DSN
        return _current.set({"request_id": request.id, "method": request.method, "path": request.path})

    def __call__(self, request):
        if self._async:
            return self.__acall__(request)
        token = self._begin(request)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[REQUEST_ID_HEADER] = request.id
        return response

    async def __acall__(self, request):
        token = self._begin(request)
        try:
            response = await self.get_response(request)
        finally:
            _current.reset(token)
        response[REQUEST_ID_HEADER] = request.id
        return response


class RequestContextFilter(logging.Filter):
    """Puts the current request's id, method and path on a record ('-' outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        for key, value in context.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, method, path, the
    response's status where Django gives one, and the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "method": getattr(record, "method", "-"),
            "path": getattr(record, "path", "-"),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            line["status"] = status
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
