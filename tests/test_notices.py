"""Notices to staff: digests sent only on schedule, to staff of the organisation concerned who
asked for them, saying nothing of any report; retried when the mail server fails; the address
encrypted at rest and gone when removed. A real SMTP server (aiosmtpd) listens on loopback and
what it receives is checked byte for byte."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter.accounts.models import Invitation, StaffMember
from reporter.casework.service import save_story
from reporter.db import new_session
from reporter.notices import service as notices
from reporter.notices.mail import Mailer
from reporter.reports.models import Case
from reporter.settings import SettingsError, load_settings
from tests.conftest import Network, receipt_of, reply, submit
from tests.dump import database_bytes
from tests.servers import free_port
from tests.staff import advocacy_keys_of, form_token, login, make_member

SENDER = "notices@reporter.example"
CANARY = "Kestrel-Canary-4471"


@dataclass
class Inbox:
    """What the SMTP server received; `refuse` makes it refuse that many messages first."""

    port: int = 0
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    refuse: int = 0
    # The names the client greeted the server with (EHLO).
    greetings: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        self.greetings.append(session.host_name)
        return "250 OK"


# What no email may say: the canary every test report carries, its place, and any time but a
# boundary of the schedule.
LEAKS = (CANARY.casefold(), "brazil", "brasil", "são paulo", "sao paulo", "police", "polícia")
DATE = re.compile(rb"^Date: (.*)\r$", re.MULTILINE)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()
    # Never this machine's own name, which the provider would write into the email.
    assert set(box.greetings) <= {"localhost"}
    for _, message in box.received:
        text = message.decode().casefold()
        assert not [leak for leak in LEAKS if leak in text], text
        [date] = DATE.findall(message)
        sent_at = parsedate_to_datetime(date.decode())
        assert sent_at.second == 0 and sent_at.minute % 10 == 0, date


def _report(client: FlaskClient, **answers: Any) -> str:
    """A report with the canary in every free answer; its receipt."""
    answers.setdefault("narrative", f"{CANARY} story")
    answers.setdefault("city", f"{CANARY}-city")
    answers.setdefault("contact", f"{CANARY}@reporter.test")
    return receipt_of(submit(client, **answers))


@pytest.fixture
def mail_app(app_factory: Any, inbox: Inbox) -> Flask:
    app: Flask = app_factory(
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_security="none",
        notice_sender=SENDER,
        site_urls=("https://reporter.example",),
    )
    return app


def _member(app: Flask, network: Network, organisation: Any, name: str, role: str) -> uuid.UUID:
    return make_member(app, organisation, network.key(organisation), name, role).id


def _ask(app: Flask, member_id: uuid.UUID, address: str, *kinds: str) -> None:
    session = new_session(app)
    try:
        member = session.get_one(StaffMember, member_id)
        notices.choose(member, kinds)
        notices.set_email(session, member, address, app.extensions["reporter.settings"].secret_key)
        session.commit()
    finally:
        session.close()


def _run(app: Flask, now: dt.datetime, collect: bool = True) -> notices.Sent:
    """One run of `reporter notify` at the given time."""
    settings = app.extensions["reporter.settings"]
    session = new_session(app)
    mailer = Mailer(settings)
    try:
        if collect:
            notices.collect(session, settings, now)
            session.commit()
        with app.test_request_context("/"):
            return notices.send_due(session, settings, now, mailer.send)
    finally:
        mailer.close()
        session.close()


def _expected(address: str, message_id: str) -> bytes:
    return (
        f"From: {SENDER}\r\n"
        f"To: {address}\r\n"
        "Subject: New activity on Reporter\r\n"
        "Date: Tue, 01 Dec 2026 10:30:00 +0000\r\n"
        f"Message-ID: {message_id}\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "MIME-Version: 1.0\r\n"
        "\r\n"
        "There is new activity on Reporter.\r\n"
        "\r\n"
        "Log in to see it: https://reporter.example/staff/\r\n"
        "\r\n"
        "This email says nothing more, on purpose. You get it because you asked for it=\r\n"
        " on your account page; you can stop it there at any time.\r\n"
    ).encode()


AT = dt.datetime(2026, 12, 1, 10, 7, 13)
BOUNDARY = dt.datetime(2026, 12, 1, 10, 30)


def test_a_digest_goes_on_schedule_to_those_who_asked_and_says_nothing_of_the_report(
    mail_app: Flask, network: Network, inbox: Inbox
) -> None:
    ana = _member(mail_app, network, network.brazil, "ana", "moderator")
    quiet = _member(mail_app, network, network.brazil, "quiet", "moderator")
    carla = _member(mail_app, network, network.colombia, "carla", "moderator")
    _ask(mail_app, ana, "ana@example.org", "reports")
    _ask(mail_app, quiet, "quiet@example.org", "replies")
    _ask(mail_app, carla, "carla@example.org", "reports")
    _report(mail_app.test_client())
    # Never at the moment of the report, nor before the boundary of the schedule.
    for moment in (AT, BOUNDARY - dt.timedelta(seconds=1)):
        assert _run(mail_app, moment).sent == 0
        assert inbox.received == []
    assert _run(mail_app, BOUNDARY).sent == 1
    [(recipients, message)] = inbox.received
    assert recipients == ["ana@example.org"]
    [message_id] = re.findall(rb"Message-ID: (<[0-9a-f]{32}@reporter\.example>)", message)
    assert message == _expected("ana@example.org", message_id.decode())
    assert b"10:07" not in message  # the time of the report
    # Told once: the next boundary sends nothing, as nothing new arrived.
    assert _run(mail_app, BOUNDARY + dt.timedelta(minutes=30)).sent == 0
    assert len(inbox.received) == 1


def test_replies_go_to_the_assignee_and_urgent_cases_shorten_the_wait(
    mail_app: Flask, network: Network, inbox: Inbox, db: Session
) -> None:
    ana = _member(mail_app, network, network.brazil, "ana", "moderator")
    bia = _member(mail_app, network, network.brazil, "bia", "moderator")
    _ask(mail_app, ana, "ana@example.org", "replies")
    _ask(mail_app, bia, "bia@example.org", "replies")
    public = mail_app.test_client()
    receipt = _report(public)
    assert _run(mail_app, AT).sent == 0  # an arrival: nobody asked for it
    case = db.scalars(select(Case).where(Case.organisation_id == network.brazil.id)).one()
    case.assignee_id, case.priority = ana, "urgent"
    db.commit()
    reply(public, receipt, f"{CANARY} in a reply")
    notices_at = dt.datetime(2026, 12, 1, 10, 12)
    assert _run(mail_app, notices_at).sent == 0
    # The urgent schedule (every 10 minutes), not the usual 30.
    assert _run(mail_app, dt.datetime(2026, 12, 1, 10, 20)).sent == 1
    assert [recipients for recipients, _ in inbox.received] == [["ana@example.org"]]
    # A reply on a case assigned to nobody is news for those who asked to hear of new reports.
    carla = _member(mail_app, network, network.brazil, "carla", "moderator")
    _ask(mail_app, carla, "carla@example.org", "reports")
    db.expire_all()
    case = db.get_one(Case, (case.report_id, case.organisation_id))
    case.assignee_id, case.priority = None, "normal"
    db.commit()
    reply(public, receipt, f"{CANARY} again")
    assert _run(mail_app, dt.datetime(2026, 12, 1, 10, 25)).sent == 0
    assert _run(mail_app, dt.datetime(2026, 12, 1, 10, 30)).sent == 1
    assert inbox.received[-1][0] == ["carla@example.org"]


def test_a_story_waiting_tells_the_others_and_an_expiring_invitation_the_admins(
    mail_app: Flask, network: Network, inbox: Inbox, db: Session
) -> None:
    author = _member(mail_app, network, network.brazil, "author", "moderator")
    second = _member(mail_app, network, network.brazil, "second", "moderator")
    admin = _member(mail_app, network, network.brazil, "admin", "org_admin")
    for member_id, name in ((author, "author"), (second, "second")):
        _ask(mail_app, member_id, f"{name}@example.org", "approvals")
    _ask(mail_app, admin, "admin@example.org", "invitations")
    _report(mail_app.test_client())
    _run(mail_app, AT)  # the arrival: nobody asked for it
    case = db.scalars(select(Case).where(Case.organisation_id == network.brazil.id)).one()
    writer = db.get_one(StaffMember, author)
    save_story(db, case, network.key(network.brazil), writer, f"{CANARY} redacted story")
    from reporter.accounts.service import create_invitation

    brazil = db.get_one(type(network.brazil), network.brazil.id)
    create_invitation(
        db,
        brazil,
        username="newcomer",
        role="moderator",
        organisation_keys={1: network.key(network.brazil)},
        advocacy_keys=advocacy_keys_of(brazil),
        now=AT - dt.timedelta(hours=60),
        lifetime=dt.timedelta(hours=72),
    )
    db.commit()
    assert _run(mail_app, AT).sent == 0
    assert _run(mail_app, BOUNDARY).sent == 2
    told = sorted(recipients[0] for recipients, _ in inbox.received)
    assert told == ["admin@example.org", "second@example.org"]
    invitation = db.scalars(select(Invitation)).one()
    db.refresh(invitation)
    assert invitation.expiry_announced


def test_a_failed_send_is_tried_again_and_nothing_waiting_is_lost(
    mail_app: Flask, network: Network, inbox: Inbox, db: Session
) -> None:
    ana = _member(mail_app, network, network.brazil, "ana", "moderator")
    bia = _member(mail_app, network, network.brazil, "bia", "moderator")
    _ask(mail_app, ana, "ana@example.org", "reports")
    _ask(mail_app, bia, "bia@example.org", "reports")
    _report(mail_app.test_client())
    assert _run(mail_app, AT).sent == 0
    inbox.refuse = 1
    result = _run(mail_app, BOUNDARY)
    assert (result.sent, result.failed) == (1, 1)
    assert len(inbox.received) == 1
    db.expire_all()
    waiting = db.scalars(select(StaffMember).where(StaffMember.notice_due_at.is_not(None))).all()
    assert len(waiting) == 1
    # The server is down: the run fails, and still forgets nothing.
    settings = mail_app.extensions["reporter.settings"]
    down = settings.replace(smtp_port=free_port())
    session = new_session(mail_app)
    try:
        with mail_app.test_request_context("/"):
            result = notices.send_due(session, down, BOUNDARY, Mailer(down).send)
    finally:
        session.close()
    assert (result.sent, result.failed) == (0, 1)
    db.expire_all()
    waiting = bia if inbox.received[0][0] == ["ana@example.org"] else ana
    assert db.get_one(StaffMember, waiting).notice_due_at == BOUNDARY
    # The next run, with the server back, sends it.
    assert _run(mail_app, BOUNDARY + dt.timedelta(minutes=10)).sent == 1
    assert len(inbox.received) == 2 and inbox.received[0][0] != inbox.received[1][0]


def test_a_mail_server_down_stops_the_run_and_keeps_every_digest(
    mail_app: Flask, network: Network, inbox: Inbox, db: Session
) -> None:
    members = [_member(mail_app, network, network.brazil, f"m{n}", "moderator") for n in range(3)]
    for number, member_id in enumerate(members):
        _ask(mail_app, member_id, f"m{number}@example.org", "reports")
    _report(mail_app.test_client())
    _run(mail_app, AT)
    settings = mail_app.extensions["reporter.settings"]
    down = settings.replace(smtp_port=free_port())
    mailer = Mailer(down)
    attempts = 0
    real_connect = mailer._connect

    def counted() -> Any:
        nonlocal attempts
        attempts += 1
        return real_connect()

    mailer._connect = counted  # type: ignore[method-assign]
    session = new_session(mail_app)
    try:
        with mail_app.test_request_context("/"):
            result = notices.send_due(session, down, BOUNDARY, mailer.send)
    finally:
        session.close()
    # One attempt, not one per member; every digest still due.
    assert (result.sent, result.failed, attempts) == (0, 3, 1)
    db.expire_all()
    assert all(db.get_one(StaffMember, m).notice_due_at == BOUNDARY for m in members)
    assert _run(mail_app, BOUNDARY).sent == 3


def test_a_disabled_member_keeps_no_address(mail_app: Flask, network: Network, db: Session) -> None:
    from reporter.accounts.service import disable_member

    ana = _member(mail_app, network, network.brazil, "ana", "moderator")
    _ask(mail_app, ana, "ana.disabled@example.org", "reports")
    sealed = db.get_one(StaffMember, ana).email_sealed
    assert sealed is not None
    disable_member(db, db.get_one(StaffMember, ana))
    db.commit()
    member = db.get_one(StaffMember, ana)
    assert member.email_sealed is None and member.notice_kinds == ""
    stored = database_bytes(mail_app) + _sqlite_files(mail_app)
    assert sealed not in stored and b"ana.disabled" not in stored


def test_reporter_notify_sends_what_is_due_and_fails_loudly_when_it_cannot(
    mail_app: Flask, network: Network, inbox: Inbox, db: Session
) -> None:
    ana = _member(mail_app, network, network.brazil, "ana", "moderator")
    _ask(mail_app, ana, "ana@example.org", "reports")
    member = db.get_one(StaffMember, ana)
    member.notice_due_at = dt.datetime(2020, 1, 1)
    db.commit()
    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["notify"])
    assert result.exit_code == 0, result.output
    assert "digests sent: 1" in result.output
    assert [recipients for recipients, _ in inbox.received] == [["ana@example.org"]]
    db.expire_all()
    db.get_one(StaffMember, ana).notice_due_at = dt.datetime(2020, 1, 1)
    db.commit()
    inbox.refuse = 5
    result = runner.invoke(args=["notify"])
    assert result.exit_code == 1, result.output
    assert "the next run tries them again" in result.output
    db.expire_all()
    assert db.get_one(StaffMember, ana).notice_due_at is not None


def test_notify_refuses_to_run_without_a_mail_server(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 1 and "smtp_host and notice_sender" in result.output


def test_the_schedule_never_goes_below_its_minimum(tmp_path: Path) -> None:
    for bad in (
        {"notice_urgent_minutes": 5},
        {"notice_minutes": 25},
        {"notice_urgent_minutes": 40},
        {"notice_minimum_minutes": 7, "notice_minutes": 28, "notice_urgent_minutes": 14},
        {"notice_invitation_hours": 0},
        {"smtp_security": "ssl"},
    ):
        with pytest.raises(SettingsError):
            load_settings(environ={}, instance_path=str(tmp_path), **bad)
    assert notices.next_boundary(dt.datetime(2026, 12, 1, 10, 29, 59), 30) == BOUNDARY
    assert notices.next_boundary(BOUNDARY, 30) == dt.datetime(2026, 12, 1, 11, 0)


def _sqlite_files(app: Flask) -> bytes:
    url = app.extensions["reporter.settings"].database_url
    if not url.startswith("sqlite:///"):
        return b""
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(file.read_bytes() for file in (path, Path(f"{path}-wal")) if file.exists())


def test_the_account_page_keeps_the_address_encrypted_and_removes_it_whole(
    mail_app: Flask, network: Network, db: Session
) -> None:
    make_member(mail_app, network.brazil, network.key(network.brazil), "ana", "moderator")
    client: FlaskClient = mail_app.test_client()
    assert login(client, "ana").status_code == 302
    address = "ana.kestrel@example.org"
    token = form_token(client, "/staff/")
    # Asking for notices without an address is refused with a clear answer.
    refused = client.post("/staff/notices", data={"csrf_token": token, "kinds": ["reports"]})
    assert refused.status_code == 400
    assert "Enter the email address the notices should go to." in refused.get_data(as_text=True)
    bad = client.post("/staff/notices", data={"csrf_token": token, "email": "not an address"})
    assert bad.status_code == 400
    # An advocate's kind of notice is not offered to a moderator, nor the reverse.
    odd = client.post(
        "/staff/notices", data={"csrf_token": token, "email": address, "kinds": ["invitations"]}
    )
    assert odd.status_code == 400
    saved = client.post(
        "/staff/notices",
        data={"csrf_token": token, "email": address, "kinds": ["reports", "replies"]},
    )
    assert saved.status_code == 302
    page = client.get("/staff/").get_data(as_text=True)
    assert "This server sends no emails yet" not in page
    assert f'value="{address}"' in page
    assert re.search(r'<input checked [^>]*value="reports"', page)
    assert not re.search(r'<input checked [^>]*value="approvals"', page)
    member = db.scalars(select(StaffMember).where(StaffMember.username == "ana")).one()
    sealed = member.email_sealed
    assert sealed is not None and member.notice_kinds == "reports replies"
    assert address.encode() not in database_bytes(mail_app)
    assert address.encode() not in _sqlite_files(mail_app)

    removed = client.post("/staff/notices/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    db.expire_all()
    assert db.get_one(StaffMember, member.id).email_sealed is None
    stored = database_bytes(mail_app) + _sqlite_files(mail_app)
    assert address.encode() not in stored and sealed not in stored
    assert "Remove my email address" not in client.get("/staff/").get_data(as_text=True)


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test mail server")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_digest_goes_over_tls_with_a_login_and_never_to_an_untrusted_server(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    """STARTTLS on a submission port or TLS from the start, the server's certificate checked
    against the system's store (here, a test one), then the login: no password in the clear."""
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert_file, key_file = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"mail secret")

    box = Inbox(port=free_port())
    options: dict[str, Any] = {"authenticator": authenticator, "auth_require_tls": True}
    if security == "starttls":
        options.update(tls_context=server_context, require_starttls=True)
    else:
        # aiosmtpd only counts STARTTLS as TLS for its AUTH rule; here the whole connection is.
        options.update(ssl_context=server_context, auth_require_tls=False)
    controller = Controller(box, hostname="127.0.0.1", port=box.port, **options)
    controller.start()
    settings = app.extensions["reporter.settings"].replace(
        smtp_host="127.0.0.1",
        smtp_port=box.port,
        smtp_security=security,
        smtp_user="reporter",
        smtp_password="mail secret",
        notice_sender=SENDER,
        site_urls=("https://reporter.example",),
    )
    try:
        # A certificate the system does not trust: nothing is sent, no password given.
        untrusted = Mailer(settings)
        with app.test_request_context("/"), pytest.raises(notices.MailServerUnavailable) as error:
            untrusted.send("ana@example.org", "en", BOUNDARY)
        assert isinstance(error.value.__cause__, ssl.SSLCertVerificationError)
        untrusted.close()
        assert logins == [] and box.received == []
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        mailer = Mailer(settings)
        with app.test_request_context("/"):
            mailer.send("ana@example.org", "en", BOUNDARY)
        mailer.close()
    finally:
        controller.stop()
    assert logins == [(b"reporter", b"mail secret")]
    [(recipients, message)] = box.received
    assert recipients == ["ana@example.org"] and b"There is new activity" in message


def test_the_account_page_says_when_no_mail_server_is_set_up(app: Flask, network: Network) -> None:
    make_member(app, network.brazil, network.key(network.brazil), "ana", "moderator")
    client = app.test_client()
    assert login(client, "ana").status_code == 302
    page = client.get("/staff/").get_data(as_text=True)
    assert "This server sends no emails yet" in page


def test_a_short_lived_invitation_is_not_expiring_as_soon_as_it_is_made(
    app_factory: Any, inbox: Inbox, network: Network, db: Session
) -> None:
    from reporter.accounts.service import create_invitation

    app: Flask = app_factory(
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_security="none",
        notice_sender=SENDER,
        site_urls=("https://reporter.example",),
        invitation_hours=6,
    )
    admin = _member(app, network, network.brazil, "admin", "org_admin")
    _ask(app, admin, "admin@example.org", "invitations")
    brazil = db.get_one(type(network.brazil), network.brazil.id)
    create_invitation(
        db,
        brazil,
        username="newcomer",
        role="moderator",
        organisation_keys={1: network.key(network.brazil)},
        advocacy_keys=advocacy_keys_of(brazil),
        now=AT,
        lifetime=dt.timedelta(hours=6),
    )
    db.commit()
    _run(app, AT + dt.timedelta(minutes=5))
    assert _run(app, BOUNDARY).sent == 0  # made 5 minutes ago: 6 hours left, not "soon"
    _run(app, AT + dt.timedelta(hours=3, minutes=5))  # half its life left
    assert _run(app, AT + dt.timedelta(hours=3, minutes=30)).sent == 1
