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


def test_two_workers_share_one_budget_through_redis(app_factory, network: object) -> None:  # type: ignore[no-untyped-def]
    redis_client = _redis()
    if redis_client is None:
        pytest.skip(f"no Redis at {REDIS_URL}")
    redis_client.flushdb()  # type: ignore[attr-defined]
    # Two app instances stand for two gunicorn workers (or two servers) behind one proxy.
    workers = [
        app_factory(
            ratelimit_storage_url=REDIS_URL,
            receipt_rate_limit="3 per minute",
            trusted_proxies=("10.0.0.5",),
        )
        for _ in range(2)
    ]
    codes = []
    for attempt in range(4):
        client = workers[attempt % 2].test_client()
        client.environ_base.update(
            {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "198.51.100.77"}
        )
        token = csrf_token(client, "/en/followup")
        codes.append(
            client.post("/en/followup", data={"csrf_token": token, "receipt": "2" * 16}).status_code
        )
    assert codes == [404, 404, 404, 429]
    keys = " ".join(key.decode() for key in redis_client.keys("*"))  # type: ignore[attr-defined]
    assert "198.51.100.77" not in keys and "10.0.0.5" not in keys
    redis_client.flushdb()  # type: ignore[attr-defined]
