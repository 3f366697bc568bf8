"""One typed, frozen Settings object: defaults, then a TOML settings file, then REPORTER_* variables."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import secrets
import stat
import tomllib
import types
import warnings
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Union, get_origin, get_type_hints

from reporter.crypto.kdf import Cost

# Every language with a complete catalog in translations/.
LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "fr", "ru", "uk", "ar", "sw", "id", "zh")


SURFACES = ("both", "public", "staff")
SMTP_SECURITY = ("starttls", "tls", "none")


class SettingsError(ValueError):
    """A setting is missing, unknown or of the wrong type."""


@dataclass(frozen=True)
class Settings:
    """Every setting of an instance. Environment variable: REPORTER_<NAME upper-cased>."""

    instance_path: str = ""
    database_url: str = ""
    secret_key: str = ""
    receipt_pepper: str = ""
    site_name: str = "Reporter"
    # If set, the title of every public page (what a browser tab and its history show), so that
    # someone looking at the phone sees, say, "Notes" instead of what the page is about.
    neutral_title: str = ""
    default_language: str = "en"
    languages: tuple[str, ...] = LANGUAGES
    # Search engines may list the landing and safety pages (so that a person looking for help
    # finds them), never any other page. Off: every page is "noindex" and robots.txt says so.
    search_engines_may_index: bool = True
    # A neutral page the quick-exit button leads to.
    quick_exit_url: str = "https://www.wikipedia.org/"
    max_attachments: int = 5
    max_attachment_mb: int = 10
    narrative_max_chars: int = 20000
    short_text_max_chars: int = 300
    # Flood control (reporter/flood.py). Per client: a keyed hash of the address, only counting
    # well-formed requests. Report sends; receipt look-ups, replies and withdrawals; staff logins.
    submit_rate_limit: str = "5 per 10 minutes; 20 per day"
    receipt_rate_limit: str = "10 per 10 minutes; 50 per day"
    login_rate_limit: str = "10 per minute; 100 per day"
    # Site-wide capacity for visitors whose address cannot be told apart (the onion service):
    # sized for real traffic, with room for a burst of 100 honest reports in ten minutes.
    anonymous_submit_capacity: str = "150 per 10 minutes; 1000 per day"
    anonymous_receipt_capacity: str = "300 per 10 minutes; 3000 per day"
    anonymous_login_capacity: str = "60 per minute; 1000 per day"
    # Failed logins per username and client (a device that logged in before is its own client):
    # past this, that name is not tried from that client until the window ends. Never a lock
    # that a stranger elsewhere can set.
    login_failure_limit: str = "5 per 15 minutes; 30 per day"
    # Addresses or networks of proxies whose X-Forwarded-For and X-Forwarded-Proto are believed.
    trusted_proxies: tuple[str, ...] = ()
    # memory:// keeps counters in the worker; redis://127.0.0.1:6379/0 shares them between workers.
    ratelimit_storage_url: str = "memory://"
    # A wrong receipt and a right one take at least this long to answer.
    receipt_min_seconds: float = 1.0
    csrf_time_limit_seconds: int = 4 * 3600
    # Public request logging is off: the anonymity promise depends on it.
    log_public_requests: bool = False
    # A staff session (and the keys it holds) ends after this idle time, which must be shorter
    # than the CSRF token's life: a page whose token expired never outlives its session.
    staff_idle_minutes: int = 30
    staff_absolute_hours: int = 12
    # An invitation or access-reset link works once, for this long.
    invitation_hours: int = 72
    queue_page_size: int = 50
    # A search of the queue reads every case's text in memory; past this it stops and says how
    # far it got (the next page goes on from there).
    search_seconds: float = 10.0
    # A login writes the search texts of cases changed since the last one, for at most this long
    # (after an upgrade, the older cases take a few logins; the search reads them meanwhile).
    search_index_seconds: float = 3.0
    receipt_time_cost: int = 2
    receipt_memory_kib: int = 65536
    # Receipt derivations one process runs at once, at a lower CPU priority (crypto/kdf.py):
    # with gunicorn's workers, at most one per core.
    receipt_threads: int = 1
    password_time_cost: int = 3
    password_memory_kib: int = 65536
    # What this process serves: "public" (the reporter's pages only: no staff route exists, not
    # even as a page that names it), "staff" (the staff pages only, for a host behind a VPN or an
    # onion service with client authorisation) or "both".
    surfaces: str = "both"
    # The addresses people reach this process at (https://…, and http://….onion for the onion
    # service): `reporter check` refuses plain http:// anywhere but an onion or this machine.
    site_urls: tuple[str, ...] = ()
    # Notices to staff by email (reporter/notices, `reporter notify` from a timer): digests that
    # say only that there is new activity, sent on a fixed schedule, never when a report arrives.
    # The mail server: STARTTLS on 587, TLS from the start on 465, or "none" on this machine only.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = 30.0
    # The name this server gives the mail server when it greets it (EHLO), instead of its own
    # host name, which would otherwise be written into every notice's Received header.
    smtp_helo_name: str = "localhost"
    # The notices' sender address, and the staff pages' address the notice links to (default:
    # the first of site_urls).
    notice_sender: str = ""
    staff_url: str = ""
    # Digests go out at fixed times: every notice_minutes (on the clock: :00 and :30 for 30), or
    # every notice_urgent_minutes when an urgent case has news. Neither may be shorter than
    # notice_minimum_minutes, the interval of the timer that runs `reporter notify`, and each is
    # a whole multiple of it.
    notice_minutes: int = 30
    notice_urgent_minutes: int = 10
    notice_minimum_minutes: int = 10
    # Admins are told of an invitation this many hours before it expires (at most half its life:
    # never as soon as it is made).
    notice_invitation_hours: int = 24
    testing: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def serves_public(self) -> bool:
        return self.surfaces in ("both", "public")

    @property
    def serves_staff(self) -> bool:
        return self.surfaces in ("both", "staff")

    @property
    def receipt_cost(self) -> Cost:
        """Argon2id cost of a receipt: about 0.15 s on a 2-core server with the defaults."""
        return Cost(self.receipt_time_cost, self.receipt_memory_kib)

    @property
    def password_cost(self) -> Cost:
        return Cost(self.password_time_cost, self.password_memory_kib)

    @property
    def max_attachment_bytes(self) -> int:
        return self.max_attachment_mb * 1024 * 1024

    @property
    def max_request_bytes(self) -> int:
        # Room for every attachment at its limit plus the text fields.
        return self.max_attachments * self.max_attachment_bytes + 2 * 1024 * 1024

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _convert(name: str, raw: Any, annotation: Any) -> Any:
    origin = get_origin(annotation)
    if annotation is bool:
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("1", "true", "yes", "on"):
            return True
        if str(raw).lower() in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{name}: expected true or false, got {raw!r}")
    if annotation is int:
        try:
            return int(raw)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"{name}: expected a whole number, got {raw!r}") from exc
    if annotation is float:
        try:
            return float(raw)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"{name}: expected a number, got {raw!r}") from exc
    if origin is tuple:
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        return tuple(str(item).strip() for item in items if str(item).strip())
    if origin is dict or origin in (Union, types.UnionType):
        return raw
    return str(raw)


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from the settings file named by REPORTER_CONFIG, the environment and overrides."""
    env = dict(os.environ if environ is None else environ)
    hints = get_type_hints(Settings)
    known = {f.name for f in fields(Settings)} - {"extra"}
    values: dict[str, Any] = {}

    config_path = env.get("REPORTER_CONFIG")
    if config_path:
        try:
            with open(config_path, "rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read settings file {config_path}: {exc}") from exc
        for key, raw in data.items():
            if key not in known:
                warnings.warn(f"unknown setting {key!r} in {config_path}", stacklevel=2)
                continue
            values[key] = _convert(key, raw, hints[key])

    for key in known:
        env_name = f"REPORTER_{key.upper()}"
        if env_name in env:
            values[key] = _convert(key, env[env_name], hints[key])
    for key, raw in overrides.items():
        if key not in known:
            raise SettingsError(f"unknown setting {key!r}")
        values[key] = raw

    settings = Settings(**values)
    return _complete(settings)


def _instance_folder(folder: Path) -> None:
    """Create the instance folder (database, secrets) readable by this user only: 0700, whatever
    the umask, even when its parent exists already.

    A folder that exists is the operator's: it is not changed behind their back (they may have
    given a backup group access on purpose), but a warning says so when other users can enter it.
    Its files need no check of their own: a closed folder keeps them closed.
    """
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(folder, 0o700)
    except FileExistsError:
        mode = stat.S_IMODE(folder.stat().st_mode)
        if mode & 0o077:
            warnings.warn(
                f"the instance folder {folder} can be entered by other users (mode {mode:04o}); "
                f"it holds the database and the secret key: run chmod 700 {folder}",
                stacklevel=3,
            )
        return
    # mkdir's mode is narrowed by the umask but never widened; set it exactly.
    os.chmod(folder, 0o700)


def _instance_secret(folder: Path, name: str) -> str:
    """Read, or create once, a random secret kept in the instance folder (mode 0600)."""
    path = folder / name
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value


def _complete(settings: Settings) -> Settings:
    """Fill the derived defaults: instance folder, database and secrets."""
    instance = Path(settings.instance_path or Path.cwd() / "instance").resolve()
    _instance_folder(instance)
    changes: dict[str, Any] = {"instance_path": str(instance)}
    if not settings.database_url:
        changes["database_url"] = f"sqlite:///{instance / 'reporter.sqlite3'}"
    if not settings.secret_key:
        changes["secret_key"] = _instance_secret(instance, "secret_key")
    if not settings.receipt_pepper:
        changes["receipt_pepper"] = _instance_secret(instance, "receipt_pepper")
    if settings.staff_idle_minutes * 60 >= settings.csrf_time_limit_seconds:
        raise SettingsError("staff_idle_minutes must be shorter than csrf_time_limit_seconds")
    if settings.receipt_threads < 1:
        raise SettingsError("receipt_threads: at least 1")
    for entry in settings.trusted_proxies:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise SettingsError(f"trusted_proxies: not an address or network: {entry!r}") from exc
    if settings.smtp_security not in SMTP_SECURITY:
        raise SettingsError(
            f"smtp_security: one of {', '.join(SMTP_SECURITY)}, got {settings.smtp_security!r}"
        )
    minimum = settings.notice_minimum_minutes
    if minimum < 1 or 60 % minimum:
        # The timer runs on the clock (config/reporter-notify.timer): every N minutes of the hour.
        raise SettingsError(f"notice_minimum_minutes: a divisor of 60, got {minimum}")
    for name in ("notice_minutes", "notice_urgent_minutes"):
        minutes = getattr(settings, name)
        if minutes < minimum or minutes % minimum:
            raise SettingsError(
                f"{name}: a whole multiple of notice_minimum_minutes ({minimum}), got {minutes}"
            )
    if settings.notice_urgent_minutes > settings.notice_minutes:
        raise SettingsError("notice_urgent_minutes: not longer than notice_minutes")
    if settings.notice_invitation_hours < 1:
        raise SettingsError("notice_invitation_hours: at least 1")
    if settings.surfaces not in SURFACES:
        raise SettingsError(f"surfaces: one of {', '.join(SURFACES)}, got {settings.surfaces!r}")
    if settings.default_language not in settings.languages:
        raise SettingsError("default_language must be one of languages")
    unsupported = set(settings.languages) - set(LANGUAGES)
    if unsupported:
        raise SettingsError(f"no catalog for languages: {', '.join(sorted(unsupported))}")
    return dataclasses.replace(settings, **changes)
