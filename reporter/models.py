"""Import every model module so the metadata is complete (for Alembic and tests)."""

from reporter.accounts.models import Invitation, StaffMember, StaffSession
from reporter.audit.models import AuditEntry, AuditHead
from reporter.moderation.models import CaseNote
from reporter.orgs.models import Organisation, OrganisationCountry, OrgKeySlot
from reporter.reports.models import (
    Attachment,
    AttachmentChunk,
    Case,
    IndexToken,
    InstanceValue,
    Message,
    Report,
)

__all__ = [
    "Attachment",
    "AttachmentChunk",
    "AuditEntry",
    "AuditHead",
    "Case",
    "CaseNote",
    "IndexToken",
    "InstanceValue",
    "Invitation",
    "Message",
    "OrgKeySlot",
    "Organisation",
    "OrganisationCountry",
    "Report",
    "StaffMember",
    "StaffSession",
]
