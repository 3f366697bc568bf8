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


def _named_servers() -> tuple[str, str, str]:
    """The plain-HTTP redirect, the clear web (HTTPS) and the onion service's server blocks."""
    servers = _servers(_nginx())
    assert len(servers) == 3
    (redirect,) = [server for server in servers if "return 301" in server]
    (clear_web,) = [server for server in servers if "listen 443 ssl" in server]
    (onion,) = [server for server in servers if "listen 127.0.0.1:8081;" in server]
    return redirect, clear_web, onion


def test_nginx_hides_its_version_and_logs_no_access() -> None:
    text = _nginx()
    assert re.search(r"^server_tokens off;", text, re.M)
    for server in _servers(text):
        assert "access_log off;" in server


def test_nginx_sets_the_forwarded_headers_itself_and_the_onion_names_no_client() -> None:
    _redirect, clear_web, onion = _named_servers()
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
    for server in _named_servers()[1:]:
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


def test_nginx_speaks_modern_tls_only_and_sends_plain_http_away() -> None:
    redirect, clear_web, onion = _named_servers()
    assert "return 301 https://$host$request_uri;" in redirect
    assert "proxy_pass" not in redirect
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in clear_web
    assert "ssl_session_tickets off;" in clear_web
    assert re.search(r"add_header Onion-Location http://\S+\.onion\$request_uri;", clear_web)
    assert "Onion-Location" not in onion


def test_nginx_shares_the_load_and_matches_the_apps_limits(tmp_path: Path) -> None:
    text = _nginx()
    assert re.search(r"upstream reporter_app \{\s*server 127\.0\.0\.1:8000;", text)
    settings = load_settings(environ={}, instance_path=str(tmp_path), database_url="sqlite://")
    limit = f"client_max_body_size {settings.max_request_bytes // (1024 * 1024)}m;"
    for server in _named_servers()[1:]:
        assert "proxy_pass http://reporter_app;" in server
        assert limit in server
        # Pages carry CSRF tokens and receipts: nginx never compresses HTML (BREACH).
        assert "gzip_types text/css application/javascript;" in server
    assert "text/html" not in text


def test_redis_listens_on_this_machine_only_and_keeps_nothing_on_disk() -> None:
    lines = [
        line.strip()
        for line in (CONFIG / "redis.conf").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "bind 127.0.0.1 -::1" in lines
    assert "protected-mode yes" in lines
    assert 'save ""' in lines and "appendonly no" in lines


def test_postgres_gives_the_app_rows_and_the_owner_the_schema() -> None:
    sql = (CONFIG / "postgresql.sql").read_text()
    statements = [line.strip() for line in sql.splitlines() if not line.startswith("--")]
    grants_to_app = [line for line in statements if "TO reporter_app" in line]
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO reporter_app;" in grants_to_app
    assert not [line for line in grants_to_app if "ALL" in line or "CREATE" in line]
    assert "REVOKE ALL ON SCHEMA public FROM PUBLIC;" in statements
    service = (CONFIG / "reporter.service").read_text()
    assert "REPORTER_DATABASE_URL=postgresql+psycopg://reporter_owner@/reporter" in service
    assert (
        'database_url = "postgresql+psycopg://reporter_app@/reporter"'
        in (CONFIG / "reporter.toml").read_text()
    )


def test_systemd_runs_the_purge_and_the_backup_every_day() -> None:
    for name, command in (("purge", "reporter purge"), ("backup", "reporter backup ")):
        service = (CONFIG / f"reporter-{name}.service").read_text()
        timer = (CONFIG / f"reporter-{name}.timer").read_text()
        assert command in service and "Type=oneshot" in service
        assert "OnCalendar=*-*-* " in timer and "Persistent=true" in timer
    assert "UMask=0077" in (CONFIG / "reporter-backup.service").read_text()


def test_systemd_sends_notices_on_the_schedule_the_settings_expect(tmp_path: Path) -> None:
    """The timer runs every notice_minimum_minutes on the clock: digests then leave at the
    schedule's boundaries, not a timer's drift away from them."""
    settings = load_settings(
        environ={"REPORTER_CONFIG": str(CONFIG / "reporter.toml")},
        instance_path=str(tmp_path),
        database_url="sqlite://",
    )
    service = (CONFIG / "reporter-notify.service").read_text()
    timer = (CONFIG / "reporter-notify.timer").read_text()
    assert "reporter notify" in service and "Type=oneshot" in service
    assert f"OnCalendar=*-*-* *:00/{settings.notice_minimum_minutes:02d}:00 UTC\n" in timer
    assert "AccuracySec=1s" in timer
    assert settings.smtp_security == "starttls" and not settings.smtp_password
