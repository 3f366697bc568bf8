"""With Redis configured, rate-limit counters are shared, expire, and hold no address."""

from __future__ import annotations

import os

import pytest
from flask import Flask

from tests.conftest import csrf_token

REDIS_URL = os.environ.get("REPORTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis() -> object | None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("REPORTER_REQUIRE_REDIS") == "1":
            raise
        return None
    return client


def test_redis_counters_expire_and_hold_no_address(app_factory, network: object) -> None:  # type: ignore[no-untyped-def]
    redis_client = _redis()
    if redis_client is None:
        pytest.skip(f"no Redis at {REDIS_URL}")
    redis_client.flushdb()  # type: ignore[attr-defined]
    app: Flask = app_factory(ratelimit_storage_url=REDIS_URL, receipt_rate_limit="2 per minute")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.99"
    token = csrf_token(client, "/en/followup")
    codes = [
        client.post("/en/followup", data={"csrf_token": token, "receipt": "1" * 16}).status_code
        for _ in range(3)
    ]
    assert codes == [404, 404, 429]
    keys = [key.decode() for key in redis_client.keys("*")]  # type: ignore[attr-defined]
    assert keys
    for key in keys:
        assert "203.0.113.99" not in key
        assert 0 < redis_client.ttl(key) <= 120  # type: ignore[attr-defined]
    redis_client.flushdb()  # type: ignore[attr-defined]
