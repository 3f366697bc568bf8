"""The digest email, and sending it through the configured SMTP server (the standard library's
smtplib, with the system's certificate store for TLS).

The email is the same for everyone and every time but for its address, language and Date: it
says that there is new activity and links to the staff pages. Its Date is the digest's boundary,
not the moment it was sent; its Message-ID is random, not made from the time or the host.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from reporter.notices.service import MailServerUnavailable
from reporter.settings import Settings


def staff_address(settings: Settings) -> str:
    """Where the notice sends people: the staff pages' own address."""
    base = settings.staff_url or (settings.site_urls[0] if settings.site_urls else "")
    return base.rstrip("/") + "/staff/"


def digest(settings: Settings, address: str, language: str, when: dt.datetime) -> EmailMessage:
    """The one email a digest is."""
    with force_locale(language):
        subject = _("New activity on %(site)s", site=settings.site_name)
        body = "\n\n".join(
            (
                _("There is new activity on %(site)s.", site=settings.site_name),
                _("Log in to see it: %(address)s", address=staff_address(settings)),
                _(
                    "This email says nothing more, on purpose. You get it because you asked "
                    "for it on your account page; you can stop it there at any time."
                ),
            )
        )
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.notice_sender
    message["To"] = address
    message["Subject"] = subject
    message["Date"] = format_datetime(when.replace(tzinfo=dt.UTC))
    domain = settings.notice_sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{secrets.token_hex(16)}@{domain}>"
    message.set_content(body + "\n", charset="utf-8", cte="quoted-printable")
    return message


class Mailer:
    """An SMTP connection opened for one run of `reporter notify` and closed after it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        context = ssl.create_default_context()
        # The name the server is greeted with, rather than this machine's own, which the
        # provider would write into every notice's Received header.
        name, timeout = settings.smtp_helo_name, settings.smtp_timeout_seconds
        try:
            if settings.smtp_security == "tls":
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.smtp_host,
                    settings.smtp_port,
                    local_hostname=name,
                    timeout=timeout,
                    context=context,
                )
            else:
                connection = smtplib.SMTP(
                    settings.smtp_host, settings.smtp_port, local_hostname=name, timeout=timeout
                )
        except OSError as error:
            raise MailServerUnavailable(str(error)) from error
        try:
            if settings.smtp_security == "starttls":
                connection.starttls(context=context)
            if settings.smtp_user:
                connection.login(settings.smtp_user, settings.smtp_password)
        except OSError as error:
            connection.close()
            raise MailServerUnavailable(str(error)) from error
        return connection

    def send(self, address: str, language: str, when: dt.datetime) -> None:
        """Send one digest. Raises MailServerUnavailable if no digest can go now, another
        OSError if the server refused this one (the connection stays for the next)."""
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(digest(self.settings, address, language, when))
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
            raise
        except OSError as error:
            # Disconnected, timed out, or the sender refused: nothing more goes in this run.
            self.close()
            raise MailServerUnavailable(str(error)) from error

    def close(self) -> None:
        if self._connection is not None:
            # A connection that broke cannot say goodbye: nothing is lost by leaving it.
            with contextlib.suppress(OSError):
                self._connection.quit()
            self._connection = None
