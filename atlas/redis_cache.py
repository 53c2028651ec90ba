"""Django's Redis cache, keeping one Redis client for each connection pool, with add_many()."""

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django makes a new redis.Redis for every operation, and each builds its table of about a
    hundred reply handlers: a page that asks the cache a few dozen times spent milliseconds on
    them. A client holds no connection of its own (its pool does), so one per pool is kept; a
    cache instance, and so this client, belongs to one thread."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        if pool not in clients:
            clients[pool] = self._client(connection_pool=pool)
        return clients[pool]

    def add_many(self, data: dict, timeout: int | None) -> None:
        pipeline = self.get_client(write=True).pipeline(transaction=False)
        for key, value in data.items():
            pipeline.set(key, self._serializer.dumps(value), ex=timeout, nx=True)
        pipeline.execute()


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient

    def add_many(self, data: dict, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        """add() of each key, in one round trip: a key already set keeps its value."""
        timeout = self.get_backend_timeout(timeout)
        if timeout == 0:
            return  # expired at once, as add() leaves it
        keys = {self.make_and_validate_key(key, version=version): value for key, value in data.items()}
        self._cache.add_many(keys, timeout)
