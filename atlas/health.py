"""`/health/`: the state of the primary database, each read replica and the cache, for the
reverse proxy and the orchestrator, checked by django-health-check's probes.

The site cannot answer without its primary database: that one down is `down`, a 503. The
replicas and the cache each have a fallback (the primary answers for a replica, the pages
compute their counts without the cache), so one of them down is `degraded`, still a 200.
Each check is reported as `ok` or `down` only: why it failed goes to the log, not to the
caller, since a database's error names its host.
"""

import asyncio

from django.db import connections
from django.http import HttpResponse, JsonResponse
from health_check.checks import Cache, Database
from health_check.views import HealthCheckView, MediaType

OK, DEGRADED, DOWN = "ok", "degraded", "down"


def health_checks() -> list[tuple[str, object, bool]]:
    """(name, probe, essential) for the primary, each replica in DATABASES, and the cache."""
    checks = [("database", Database(alias="default"), True)]
    checks += [(alias, Database(alias=alias), False) for alias in connections if alias != "default"]
    checks.append(("cache", Cache(alias="default"), False))
    return checks


def _wanted(request) -> str:
    """json, text or html, by `?format=` or else the Accept header (html when it names none)."""
    if request.GET.get("format") in {"json", "text"}:
        return request.GET["format"]
    try:
        accepted = list(MediaType.parse_header(request.headers.get("accept", "*/*")))
    except ValueError:
        return "html"
    for media in accepted:
        if media.mime_type in {"application/json", "application/*"}:
            return "json"
        if media.mime_type == "text/plain":
            return "text"
        if media.mime_type in {"text/html", "application/xhtml+xml", "text/*", "*/*"}:
            return "html"
    return "html"


class HealthView(HealthCheckView):
    """JSON for `Accept: application/json` (or `?format=json`), plain text for `text/plain`
    (what `manage.py health_check health` asks for), else a small HTML page."""

    template_name = "health_check/index.html"

    async def get(self, request, *args, **kwargs):
        checks = health_checks()
        with self.get_executor() as executor:
            results = await asyncio.gather(*(probe.get_result(executor) for _, probe, _ in checks))
        states, failed = {}, []
        for (name, _, essential), result in zip(checks, results, strict=True):
            states[name] = DOWN if result.error else OK
            if result.error:
                failed.append(essential)
        status = DOWN if any(failed) else DEGRADED if failed else OK
        http_status = 503 if status == DOWN else 200
        match _wanted(request):
            case "json":
                return JsonResponse({"status": status, "checks": states}, status=http_status)
            case "text":
                lines = [f"status: {status}", *(f"{name}: {state}" for name, state in states.items())]
                return HttpResponse("\n".join(lines) + "\n", "text/plain; charset=utf-8", status=http_status)
        return self.render_to_response({"status": status, "checks": states.items()}, status=http_status)

    def get_checks(self):
        """The same probes, for `manage.py health_check health --no-http`."""
        return (probe for _, probe, _ in health_checks())


health = HealthView.as_view()
