"""`/health/` reports the primary database, each replica and the cache: the primary down is
`down` (503); a replica or the cache down is `degraded` (200), since the site answers without
them. It gives states only, never why, and is never cached or redirected to HTTPS."""

import pytest
from health_check.checks import Database
from health_check.exceptions import ServiceUnavailable

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def health(client, **headers):
    return client.get("/health/", **headers)


def test_all_well_is_ok(client):
    response = health(client, **JSON)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert "Accept" in response["Vary"]


def test_format_json_and_plain_text_say_the_same(client):
    assert health(client, QUERY_STRING="format=json").json()["status"] == "ok"
    text = health(client, HTTP_ACCEPT="text/plain")
    assert text["Content-Type"].startswith("text/plain")
    assert text.content.decode() == "status: ok\ndatabase: ok\ncache: ok\n"


def test_the_cache_down_is_degraded_and_the_endpoint_still_answers(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "atlas.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    response = health(client, **JSON)
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "checks": {"database": "ok", "cache": "down"}}


def test_the_primary_database_down_is_down(client, monkeypatch):
    def refuses(self):
        raise ServiceUnavailable('connection to server at "10.1.2.3", port 5432 failed')

    monkeypatch.setattr(Database, "run", refuses)
    response = health(client, **JSON)
    assert response.status_code == 503
    assert response.json() == {"status": "down", "checks": {"database": "down", "cache": "ok"}}
    assert "10.1.2.3" not in response.content.decode()  # why goes to the log only


def test_each_replica_is_reported_and_one_down_is_degraded(client, monkeypatch):
    probe = Database.run

    def replicas_answer_or_not(self):
        if self.alias == "replica2":
            raise ServiceUnavailable("connection refused")
        return None if self.alias == "replica1" else probe(self)

    monkeypatch.setattr("atlas.health.connections", ["default", "replica1", "replica2"])
    monkeypatch.setattr(Database, "run", replicas_answer_or_not)
    response = health(client, **JSON)
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "replica1": "ok", "replica2": "down", "cache": "ok"},
    }


def test_the_page_for_people_breaks_no_content_security_rule(client):
    response = health(client, HTTP_ACCEPT="text/html")
    page = response.content.decode()
    assert response.status_code == 200 and "<h1>Health: ok</h1>" in page
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "<style" not in page and "style=" not in page and "<script" not in page


def test_a_probe_over_plain_http_is_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert health(client, **JSON).status_code == 200
    assert client.get("/about/").status_code == 301


def test_only_get_and_head(client):
    assert client.head("/health/").status_code == 200
    assert client.post("/health/").status_code == 405
