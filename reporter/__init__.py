"""Reporter: anonymous reporting of human-rights violations, for community-led networks."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask

from reporter import resources
from reporter.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the application from one Settings object (read from the environment if not given)."""
    settings = settings or load_settings()
    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=settings.instance_path)
    app.extensions["reporter.settings"] = settings
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        SESSION_COOKIE_NAME="csrf",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=False,
        WTF_CSRF_TIME_LIMIT=settings.csrf_time_limit_seconds,
        WTF_CSRF_SSL_STRICT=False,
        BABEL_TRANSLATION_DIRECTORIES=str(resources.translations_folder()),
        BABEL_DEFAULT_LOCALE=settings.default_language,
    )

    # models is imported so every table is mapped before the first query.
    from reporter import assets, crypto, db, errors, flood, i18n, models, security, templating  # noqa: F401

    shipped = assets.load()
    app.extensions["reporter.assets"] = shipped
    app.config.update(
        REPORTER_CSP=security.content_security_policy(shipped),
        REPORTER_ASSETS_VERSION=shipped.version,
        # Compression only where a view asks for it (security.compress.compressed()): pages
        # that echo nothing an attacker chose next to a secret (BREACH).
        COMPRESS_REGISTER=False,
        COMPRESS_ALGORITHM=["br", "gzip"],
        # Brotli 5 makes a question page (9.7 KB) 3.1 KB in half a millisecond; 11 saves 340 more
        # bytes for 22 ms of CPU, which a flood of reports would pay on every page.
        COMPRESS_LEVEL=6,
        COMPRESS_BR_LEVEL=5,
        COMPRESS_MIMETYPES=["text/html"],
    )

    app.request_class = security.InMemoryUploadRequest
    app.session_interface = security.CsrfOnlySessionInterface()
    security.silence_request_logging(settings.log_public_requests)
    app.after_request(security.set_security_headers)
    app.wsgi_app = security.TrustedProxyScheme(  # type: ignore[method-assign]
        app.wsgi_app, security.TrustedProxies(settings.trusted_proxies)
    )

    db.init_app(app, settings.database_url)
    crypto.set_receipt_threads(settings.receipt_threads)
    i18n.init_app(app)
    flood.init_app(app, settings)
    security.compress.init_app(app)
    errors.init_app(app)
    templating.init_app(app)

    from reporter.public.language import register_language_converter

    register_language_converter(app, settings.languages)
    for blueprint in blueprints_for(settings):
        app.register_blueprint(blueprint)
    security.protect_forms(app)

    from reporter import cli

    cli.init_app(app)
    return app


def blueprints_for(settings: Settings) -> list[Blueprint]:
    """The blueprints of the surfaces this process serves, public surface first."""
    from reporter.admin.views import blueprint as admin
    from reporter.advocacy.views import blueprint as advocacy
    from reporter.cases.views import blueprint as cases
    from reporter.casework.views import blueprint as casework
    from reporter.coding.views import blueprint as coding
    from reporter.followup.views import blueprint as followup
    from reporter.public.views import blueprint as pages
    from reporter.public.views import root
    from reporter.queue.views import blueprint as queue
    from reporter.reports.views import blueprint as reports
    from reporter.staff.views import blueprint as staff
    from reporter.staff.views import staff_host
    from reporter.statistics.views import blueprint as statistics

    public = [root, pages, reports, followup]
    staff_side = [staff, queue, cases, casework, coding, admin, statistics, advocacy]
    if not settings.serves_public:
        return [staff_host, *staff_side]
    return [*public, *(staff_side if settings.serves_staff else [])]
