"""The shipped deployment examples keep the security promises the app relies on."""

from __future__ import annotations

import os
import re
from pathlib import Path

from reporter.security import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from reporter.settings import load_settings

CONFIG = Path(__file__).resolve().parent.parent / "config"


def _nginx() -> str:
    return (CONFIG / "nginx.conf").read_text()


def _servers(text: str) -> list[str]:
    return [part for part in re.split(r"\n(?=server \{)", text) if part.startswith("server {")]


def test_nginx_hides_its_version_and_logs_no_access() -> None:
    text = _nginx()
    assert re.search(r"^server_tokens off;", text, re.M)
    for server in _servers(text):
        assert "access_log off;" in server


def test_nginx_sets_the_forwarded_headers_itself_and_the_onion_names_no_client() -> None:
    clear_web, onion = _servers(_nginx())
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in clear_web
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in clear_web
    assert 'proxy_set_header X-Forwarded-For "";' in onion
    assert "proxy_set_header X-Forwarded-Proto http;" in onion
    assert "$proxy_add_x_forwarded_for" not in _nginx()  # would pass on what a client sent
    torrc = (CONFIG / "torrc").read_text()
    assert "HiddenServicePort 80 127.0.0.1:8081" in torrc
    assert "listen 127.0.0.1:8081;" in onion
    assert "HiddenServicePoWDefensesEnabled 1" in torrc


def test_every_nginx_location_that_serves_files_sends_the_security_headers() -> None:
    snippet = (CONFIG / "nginx-security-headers.conf").read_text()
    assert CONTENT_SECURITY_POLICY in snippet and PERMISSIONS_POLICY in snippet
    for header in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert f"add_header {header}" in snippet
    for server in _servers(_nginx()):
        static = server[server.index("location /static/") :]
        static = static[: static.index("}")]
        assert "include /etc/nginx/snippets/reporter-security-headers.conf;" in static


def test_the_example_settings_trust_the_shipped_proxy_and_load(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"REPORTER_CONFIG": str(CONFIG / "reporter.toml")},
        instance_path=str(tmp_path),
        database_url="sqlite://",
        secret_key="x" * 32,
        receipt_pepper="y" * 32,
    )
    assert "127.0.0.1" in settings.trusted_proxies
    assert settings.staff_idle_minutes * 60 < settings.csrf_time_limit_seconds


def test_gunicorn_leaves_the_choice_of_proxy_to_the_app() -> None:
    namespace: dict[str, object] = {}
    before = os.umask(0o022)
    try:
        source = (CONFIG / "gunicorn.conf.py").read_text()
        exec(compile(source, "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
    finally:
        os.umask(before)
    assert namespace["forwarded_allow_ips"] == ""
    assert namespace["secure_scheme_headers"] == {}
    assert namespace["accesslog"] is None
