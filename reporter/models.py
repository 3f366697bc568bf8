"""Import every model module so the metadata is complete (for Alembic and tests)."""

from reporter.accounts.models import Invitation, StaffMember, StaffSession
from reporter.audit.models import AuditEntry, AuditHead
from reporter.cases.models import CaseNote
from reporter.casework.models import AdvocacyStory, CaseLink, Referral
from reporter.coding.models import CaseAct
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
from reporter.search.models import CaseSearchText
from reporter.statistics.models import StatContribution

__all__ = [
    "AdvocacyStory",
    "Attachment",
    "AttachmentChunk",
    "AuditEntry",
    "AuditHead",
    "Case",
    "CaseAct",
    "CaseLink",
    "CaseNote",
    "CaseSearchText",
    "IndexToken",
    "InstanceValue",
    "Invitation",
    "Message",
    "OrgKeySlot",
    "Organisation",
    "OrganisationCountry",
    "Referral",
    "Report",
    "StaffMember",
    "StaffSession",
    "StatContribution",
]
