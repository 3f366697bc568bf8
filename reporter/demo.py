"""A demo network: a regional network, national members, staff of every role, sample reports."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reporter import crypto
from reporter.accounts.models import ADVOCATE, MODERATOR, NETWORK_ADMIN, ORG_ADMIN, StaffMember
from reporter.accounts.service import create_staff_member
from reporter.followup.service import add_staff_message
from reporter.orgs.models import NATIONAL, NETWORK, Organisation
from reporter.orgs.service import create_organisation
from reporter.reports.service import ReceiptSecrets, ReportContent, submit_report

NETWORK_SLUG = "demo-network"
ORGANISATIONS = (
    (
        NETWORK_SLUG,
        "Demo Regional Network of People Who Use Drugs",
        NETWORK,
        ["AR", "BO", "BR", "CL", "CO", "EC", "MX", "PE", "PY", "UY"],
    ),
    ("demo-brazil", "Demo Rede Brasil", NATIONAL, ["BR"]),
    ("demo-colombia", "Demo Red Colombia", NATIONAL, ["CO"]),
    ("demo-mexico", "Demo Red México", NATIONAL, ["MX"]),
)
STAFF = (
    (NETWORK_SLUG, "network.admin", NETWORK_ADMIN),
    (NETWORK_SLUG, "network.advocate", ADVOCATE),
    ("demo-brazil", "brazil.admin", ORG_ADMIN),
    ("demo-brazil", "brazil.moderator", MODERATOR),
    ("demo-brazil", "brazil.advocate", ADVOCATE),
    ("demo-colombia", "colombia.admin", ORG_ADMIN),
    ("demo-colombia", "colombia.moderator", MODERATOR),
    ("demo-mexico", "mexico.moderator", MODERATOR),
)


@dataclass
class DemoResult:
    created: bool
    staff: list[dict[str, str]] = field(default_factory=list)
    recovery_keys: dict[str, str] = field(default_factory=dict)
    receipts: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "staff": self.staff,
            "recovery_keys": self.recovery_keys,
            "sample_receipts": self.receipts,
        }


def demo_password(username: str) -> str:
    """Demo passwords are fixed so the demo can be re-run; never use the demo in production."""
    return f"demo {username.replace('.', ' ')} passphrase"


def demo_totp_secret(username: str) -> str:
    digest = hashlib.sha256(b"reporter-demo-totp|" + username.encode()).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


def _credentials() -> list[dict[str, str]]:
    return [
        {
            "organisation": slug,
            "username": username,
            "role": role,
            "password": demo_password(username),
            "totp_secret": demo_totp_secret(username),
        }
        for slug, username, role in STAFF
    ]


def _sample_reports() -> list[ReportContent]:
    common: dict[str, Any] = {
        "violation_other": "",
        "city": "",
        "relation": "self",
        "populations": [],
        "sought_protection": "",
        "reasons_not": [],
        "contact": "",
        "incident_month": None,
        "incident_day": None,
        "date_precision": "year",
    }
    today = dt.date.today()
    return [
        ReportContent(
            **{
                **common,
                "violations": ["extortion_bribe", "confiscation_supplies"],
                "incident_year": today.year,
                "incident_month": today.month,
                "date_precision": "month",
                "country": "BR",
                "region": "BR-SP",
                "location_type": "street_public",
                "perpetrators": ["police"],
                "populations": ["person_who_uses_drugs"],
                "narrative": "Dois policiais pararam a gente perto do CAPS, levaram as seringas novas e pediram dinheiro.",
                "share_with_network": True,
                "count_in_statistics": True,
                "allow_replies": True,
                "language": "pt",
            }
        ),
        ReportContent(
            **{
                **common,
                "violations": ["denial_oat"],
                "incident_year": today.year,
                "date_precision": "ongoing",
                "country": "CO",
                "region": "CO-ANT",
                "location_type": "oat_site",
                "perpetrators": ["public_health_worker"],
                "relation": "peer_worker_documenting",
                "narrative": "En el centro de salud le negaron la metadona porque no tenía documento de identidad.",
                "share_with_network": False,
                "count_in_statistics": True,
                "allow_replies": True,
                "language": "es",
            }
        ),
        ReportContent(
            **{
                **common,
                "violations": ["violence_by_client"],
                "incident_year": today.year,
                "country": "MX",
                "region": "MX-CMX",
                "location_type": "sex_work_venue",
                "perpetrators": ["client"],
                "populations": ["sex_worker", "trans_gender_diverse"],
                "narrative": "Un cliente me golpeó y se llevó mi teléfono. No fui a la policía por miedo.",
                "sought_protection": "no",
                "reasons_not": ["fear_of_reprisal", "distrust_police"],
                "share_with_network": True,
                "count_in_statistics": False,
                "allow_replies": True,
                "language": "es",
            }
        ),
        ReportContent(
            **{
                **common,
                "violations": ["arbitrary_arrest_detention"],
                "incident_year": today.year,
                "country": "PE",
                "region": "",
                "location_type": "police_station",
                "perpetrators": ["police"],
                "narrative": "I was held for two days at the station without being told why.",
                "share_with_network": True,
                "count_in_statistics": True,
                "allow_replies": False,
                "language": "en",
            }
        ),
    ]


def build_demo(
    session: Session, password_cost: crypto.Cost, receipt_secrets: ReceiptSecrets
) -> DemoResult:
    """Create the demo network once; later runs change nothing and report the credentials again."""
    if session.scalar(select(Organisation).where(Organisation.slug == NETWORK_SLUG)) is not None:
        return DemoResult(created=False, staff=_credentials())
    result = DemoResult(created=True, staff=_credentials())
    organisations: dict[str, tuple[Organisation, bytes]] = {}
    advocacy_keys: dict[str, bytes] = {}
    for slug, name, kind, countries in ORGANISATIONS:
        new = create_organisation(session, name=name, slug=slug, kind=kind, countries=countries)
        organisations[slug] = (new.organisation, new.private_key)
        advocacy_keys[slug] = new.advocacy_key
        result.recovery_keys[slug] = new.recovery_key
    for slug, username, role in STAFF:
        organisation, private_key = organisations[slug]
        existing = session.scalar(select(StaffMember).where(StaffMember.username == username))
        if existing is None:
            create_staff_member(
                session,
                organisation,
                username=username,
                role=role,
                password=demo_password(username),
                organisation_private_key=private_key,
                advocacy_key=advocacy_keys[slug],
                cost=password_cost,
                totp_secret=demo_totp_secret(username),
            )
    by_country = {
        "BR": "demo-brazil",
        "CO": "demo-colombia",
        "MX": "demo-mexico",
        "PE": NETWORK_SLUG,
    }
    for content in _sample_reports():
        submitted = submit_report(session, content, [], receipt_secrets)
        result.receipts.append(
            {"country": content.country, "receipt": crypto.format_receipt(submitted.receipt)}
        )
        if content.allow_replies:
            organisation, private_key = organisations[by_country[content.country]]
            add_staff_message(
                session,
                submitted.report,
                organisation,
                private_key,
                "Thank you for your report. Are you safe now? / Gracias. ¿Estás a salvo ahora?",
            )
    return result
