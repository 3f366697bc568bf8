"""Import every model module so the metadata is complete (for Alembic and tests)."""

from reporter.accounts.models import Invitation, StaffMember
from reporter.orgs.models import Organisation, OrganisationCountry, OrgKeySlot
from reporter.reports.models import (
    Attachment,
    AttachmentChunk,
    InstanceValue,
    Message,
    Report,
    ReportRecipient,
)

__all__ = [
    "Attachment",
    "AttachmentChunk",
    "InstanceValue",
    "Invitation",
    "Message",
    "OrgKeySlot",
    "Organisation",
    "OrganisationCountry",
    "Report",
    "ReportRecipient",
    "StaffMember",
]
