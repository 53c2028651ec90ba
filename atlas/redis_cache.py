"""Django's Redis cache, keeping one Redis client for each connection pool."""

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


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
