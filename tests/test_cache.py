"""The overview's and the facets' counts are cached, and a save makes them fresh at once."""

import pytest
from django.core.cache import caches

from interfaces.models import Study
from tests.helpers import MANAGE, facet_counts, make_study

pytestmark = pytest.mark.django_db


def test_the_overview_is_served_from_the_cache_until_the_data_change(client, django_assert_max_num_queries):
    first = client.get("/")
    assert first.status_code == 200 and first.context["counts"]["studies"] == Study.objects.count()
    with django_assert_max_num_queries(5):  # the counts come from the cache; only recent studies are read
        client.get("/")
    before = first.context["counts"]["studies"]
    make_study()
    assert client.get("/").context["counts"]["studies"] == before + 1  # a save: fresh at once


def test_facet_counts_follow_a_save(client, django_capture_on_commit_callbacks):
    def garnet_count():
        return facet_counts(client.get("/studies/", {"family": "garnet"}))["family"]["garnet"]

    before = garnet_count()
    with django_capture_on_commit_callbacks(execute=True):
        make_study()  # the factory's electrolyte is a garnet
    assert garnet_count() == before + 1


def test_the_same_filter_in_another_order_shares_its_counts(client, django_assert_max_num_queries):
    first = client.get("/studies/", {"family": ["garnet", "nasicon"], "strategy": "other"})
    with django_assert_max_num_queries(12):
        again = client.get("/studies/", {"strategy": "other", "family": ["garnet", "nasicon"], "page": "1"})
    assert facet_counts(again) == facet_counts(first)


def test_with_redis_configured_the_workers_share_one_cache(tmp_path):
    import os
    import socket
    import subprocess

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "DEBUG": "1",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'redis.sqlite3'}",
    }
    script = (
        "from django.core.cache import caches; from atlas.caching import data_version, data_changed;"
        "from interfaces.models import Study;"
        "v = data_version(); data_changed(sender=Study);"
        'print(type(caches["default"]).__name__, v != data_version())'
    )
    manage = [*MANAGE, "shell", "-c", script]
    result = subprocess.run(manage, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "RedisCache True" in result.stdout


def test_the_redis_cache_asks_through_one_client_kept_for_its_pool():
    """Django's Redis cache made a client for every operation (each building its reply handlers):
    the atlas's keeps one for its connection pool, and answers as Django's does."""
    import socket

    from atlas.redis_cache import RedisCache

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    redis = RedisCache("redis://127.0.0.1:6379/15", {"OPTIONS": {"socket_timeout": 0.25}})
    redis.set_many({"atlas-test:a": 1, "atlas-test:b": [2]})
    assert redis.get_many(["atlas-test:a", "atlas-test:b", "atlas-test:c"]) == {
        "atlas-test:a": 1,
        "atlas-test:b": [2],
    }
    assert redis.add("atlas-test:a", 3) is False and redis.get("atlas-test:a") == 1
    redis.delete_many(["atlas-test:a", "atlas-test:b"])
    assert redis.get("atlas-test:a") is None
    client = redis._cache
    assert client.get_client() is client.get_client(write=True) is client.get_client("any key")
    # add_many: each key added in one round trip, one already set keeping its value.
    redis.set("atlas-test:kept", "first")
    redis.add_many({"atlas-test:kept": "second", "atlas-test:new": "made"}, None)
    assert redis.get_many(["atlas-test:kept", "atlas-test:new"]) == {
        "atlas-test:kept": "first",
        "atlas-test:new": "made",
    }
    assert redis._cache.get_client().ttl(redis.make_key("atlas-test:new")) == -1  # kept for good
    redis.add_many({"atlas-test:brief": 1}, 30)
    assert 0 < redis._cache.get_client().ttl(redis.make_key("atlas-test:brief")) <= 30
    redis.delete_many(["atlas-test:kept", "atlas-test:new", "atlas-test:brief"])


def test_versions_made_on_an_empty_cache_are_made_once_and_kept(monkeypatch):
    """On an empty cache (a new Redis) every part's version is made in one round trip, and one
    made meanwhile by another process is the one read, never replaced."""
    from atlas import caching

    keys = [caching.part_version_key(caching.CLASSES, part) for part in range(5)]
    caches["default"].delete_many(keys)
    caches["default"].set(keys[2], "another-process")
    made = caching._made_when_missing(keys)
    assert made[keys[2]] == "another-process"
    assert len(set(made.values())) == 5
    assert caching._made_when_missing(keys) == made


def test_writes_outside_the_atlas_leave_the_cache_alone(client):
    from django.contrib.auth.models import User

    from atlas.caching import data_version

    version = data_version()
    User.objects.create_user("someone")  # not a record of the atlas
    assert data_version() == version
    make_study()
    assert data_version() != version


@pytest.mark.django_db
def test_a_request_reads_the_data_versions_once(client, monkeypatch):
    from django.core.cache import cache

    from atlas import caching

    caching.data_version()  # the versions made (on an empty cache, then read once more)
    reads = []
    real_get_many = cache.get_many
    monkeypatch.setattr(
        cache, "get_many", lambda keys, *a, **k: reads.append(list(keys)) or real_get_many(keys, *a, **k)
    )
    client.get("/studies/")  # facets, page ids, rows, filter panel, papers: all keyed by a version
    assert [keys for keys in reads if caching.VERSION_KEY in keys] == [list(caching.VERSION_KEYS)]


def test_a_write_during_a_request_makes_it_read_the_new_versions():
    from atlas import caching
    from interfaces.models import Study

    token = caching._read_once.set({})
    try:
        before = caching.data_version()
        assert caching.data_version() == before  # read once
        caching.data_changed(sender=Study)
        assert caching.data_version() != before
    finally:
        caching._read_once.reset(token)
