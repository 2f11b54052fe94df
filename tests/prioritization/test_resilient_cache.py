"""With Redis down, the cache misses instead of failing the page (prioritization/cache.py)."""

import time

import pytest
import redis

from prioritization.cache import ResilientRedisCache
from tests.faults.chaos import free_port


def test_an_unreachable_redis_is_a_miss_not_an_error(caplog):
    cache = ResilientRedisCache(
        f"redis://127.0.0.1:{free_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}},
    )
    started = time.monotonic()
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_or_set("k", lambda: 42) == 42  # computed, not stored
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    assert time.monotonic() - started < 10
    assert "cache unavailable" in caplog.text


def test_a_reachable_redis_caches(settings):
    probe = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1)
    try:
        probe.ping()
    except redis.exceptions.ConnectionError:  # pragma: no cover - `make test` always starts one
        pytest.skip("no Redis at REDIS_URL (make test starts one)")
    cache = ResilientRedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": "resilient-test"})
    cache.set("k", {"v": 1}, 30)
    assert cache.get("k") == {"v": 1}
    assert cache.delete("k") is True
