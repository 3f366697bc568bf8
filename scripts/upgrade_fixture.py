"""Build tests/data/upgrade-0001/: a database at the first schema revision, filled through the
services of that time, as a backup archive, with what each item must open to after an upgrade
(`tests/test_upgrade_from_first_revision.py`).

    git worktree add /tmp/first-revision 6e527b4^     # the last commit at revision 0001
    python3 -m venv /tmp/first-venv && /tmp/first-venv/bin/pip install /tmp/first-revision
    .venv/bin/python scripts/upgrade_fixture.py /tmp/first-venv/bin/python tests/data/upgrade-0001

The first part runs in a child process on the old release's code, installed in its own
environment (its demo network, reports with a
file, a reply, notes, coding, the blind index and audit entries of that time, into SQLite); the
second, on today's code, writes the archive with `reporter backup`'s own format.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# Fixed, so that the test can open what was made: not secrets of any real instance.
SECRET_KEY = "upgrade-fixture-secret-key-" + "k" * 40
RECEIPT_PEPPER = "upgrade-fixture-receipt-pepper-" + "p" * 40
COST = (1, 1024)  # the test suite's Argon2 cost (tests/conftest.py FAST)
MADE_ON = dt.date(2026, 11, 30)


def fill_with_the_old_code(folder: Path) -> None:
    """Runs on the old tree: the demo network of that time, and a case worked on."""
    import io

    from PIL import Image
    from reporter.moderation import coding
    from reporter.moderation.service import add_note, index_new_cases, set_status
    from sqlalchemy import select

    from reporter import create_app, crypto, migrate
    from reporter.accounts.models import StaffMember
    from reporter.attachments.sanitize import CleanFile
    from reporter.audit.service import audit_key, record
    from reporter.db import Base, engine_of, new_session
    from reporter.demo import build_demo, demo_password, demo_totp_secret
    from reporter.followup.service import add_reporter_message, add_staff_message, open_thread
    from reporter.orgs.keyring import Keyring
    from reporter.orgs.models import Organisation
    from reporter.orgs.service import open_with_recovery_key
    from reporter.reports.models import Case
    from reporter.reports.service import ReceiptSecrets, ReportContent, submit_report
    from reporter.settings import load_settings

    settings = load_settings(
        environ={},
        instance_path=str(folder / "instance"),
        database_url=f"sqlite:///{folder / 'database.sqlite3'}",
        secret_key=SECRET_KEY,
        receipt_pepper=RECEIPT_PEPPER,
    )
    app = create_app(settings)
    migrate.upgrade(engine_of(app))
    cost = crypto.Cost(*COST)
    secrets = ReceiptSecrets(RECEIPT_PEPPER.encode(), cost)
    session = new_session(app)
    demo = build_demo(session, cost, secrets)
    brazil = session.scalar(select(Organisation).where(Organisation.slug == "demo-brazil"))
    assert brazil is not None
    key = open_with_recovery_key(session, brazil, demo.recovery_keys["demo-brazil"])
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(picture, "PNG")
    content = ReportContent(
        violations=["extortion_bribe", "confiscation_supplies"],
        violation_other="",
        incident_year=2025,
        incident_month=3,
        incident_day=14,
        date_precision="day",
        country="BR",
        region="BR-SP",
        city="Campinas",
        location_type="street_public",
        perpetrators=["police"],
        relation="self",
        populations=["sex_worker"],
        narrative="UPGRADE two officers took my condoms and asked for money.",
        sought_protection="no",
        reasons_not=["fear_of_reprisal"],
        share_with_network=False,
        count_in_statistics=True,
        allow_replies=True,
        contact="",
        language="pt",
    )
    picture_file = CleanFile("image", "image/png", "png", picture.getvalue())
    submitted = submit_report(session, content, [picture_file], secrets)
    case = session.get(Case, (submitted.report.id, brazil.id))
    assert case is not None
    moderator = session.scalar(
        select(StaffMember).where(StaffMember.username == "brazil.moderator")
    )
    assert moderator is not None
    add_staff_message(session, submitted.report, brazil, key, "UPGRADE are you safe now?")
    thread = open_thread(session, submitted.receipt, secrets)
    add_reporter_message(session, thread, "UPGRADE yes, I am safe, thank you.", [])
    add_note(session, case, key, moderator, "UPGRADE note: call the legal aid partner.")
    coding.save_act(
        session,
        case,
        key,
        coding.Act(
            violation_type="extortion_bribe",
            year=2025,
            month=3,
            date_precision="month",
            country="BR",
            region="BR-SP",
            perpetrators=["police"],
            populations=["sex_worker"],
            violation_status="verified",
        ),
    )
    set_status(case, "in_review")
    index_new_cases(session, Keyring(brazil, {brazil.key_version: key}))
    record(
        session,
        audit_key(SECRET_KEY),
        action="case_updated",
        actor_id=moderator.id,
        actor_name=moderator.username,
        organisation_id=brazil.id,
        target=str(case.report_id),
    )
    session.commit()
    expected = {
        "secret_key": SECRET_KEY,
        "receipt_pepper": RECEIPT_PEPPER,
        "recovery_keys": demo.recovery_keys,
        "staff": [
            {
                "username": username,
                "password": demo_password(username),
                "totp_secret": demo_totp_secret(username),
            }
            for username in ("brazil.moderator", "brazil.advocate", "colombia.moderator")
        ],
        "worked_case": {
            "organisation": "demo-brazil",
            "report_id": str(case.report_id),
            "receipt": crypto.format_receipt(submitted.receipt),
            "texts": [
                content.narrative,
                "UPGRADE are you safe now?",
                "UPGRADE yes, I am safe, thank you.",
                "UPGRADE note: call the legal aid partner.",
            ],
            "picture": picture.getvalue().hex(),
        },
        "sample_receipts": demo.receipts,
    }
    session.close()
    (folder / "expected.json").write_text(json.dumps(expected, indent=1))
    schema = [
        [table.name, [[column.name, type(column.type).__name__] for column in table.columns]]
        for table in Base.metadata.sorted_tables
    ]
    (folder / "schema.json").write_text(json.dumps(schema))


def write_archive(folder: Path, output: Path) -> None:
    """Runs on today's code: the old database as a backup archive."""
    import sqlalchemy as sa

    from reporter.db import make_engine
    from reporter.operations.backup import make_backup

    schema = json.loads((folder / "schema.json").read_text())
    metadata = sa.MetaData()
    tables = [
        sa.Table(
            name, metadata, *(sa.Column(column, getattr(sa, kind)()) for column, kind in columns)
        )
        for name, columns in schema
    ]
    output.mkdir(parents=True, exist_ok=True)
    archive = output / "backup.tar"
    archive.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{folder / 'database.sqlite3'}")
    make_backup(engine, archive, SECRET_KEY, RECEIPT_PEPPER, MADE_ON, older_schema=tables)
    engine.dispose()
    (output / "expected.json").write_text((folder / "expected.json").read_text())


def main() -> None:
    if sys.argv[1] == "--old-code":
        fill_with_the_old_code(Path(sys.argv[2]))
        return
    old_python, output = sys.argv[1], Path(sys.argv[2]).resolve()
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(  # noqa: S603 (the interpreter of the old release, named by whoever runs this)
            [old_python, str(Path(__file__).resolve()), "--old-code", scratch],
            check=True,
            cwd=scratch,
            env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
        )
        write_archive(Path(scratch), output)


if __name__ == "__main__":
    main()
