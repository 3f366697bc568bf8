"""Translated names for the stable keys that pages show: statuses, priorities, roles, problems."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from reporter import vocabulary as v

# What a reporter sees of their report.
REPORTER_STATUS_LABELS = {
    "received": _l("Received, waiting to be read"),
    "in_review": _l("Being read by staff"),
    "in_progress": _l("Staff are working on it"),
    "closed": _l("Closed"),
    "withdrawn": _l("Withdrawn by you"),
}
CASE_STATUS_LABELS = {
    "new": _l("New"),
    "in_review": _l("In review"),
    "documented": _l("Documented"),
    "referred": _l("Referred"),
    "closed": _l("Closed"),
    "spam": _l("Spam"),
    "withdrawn": _l("Withdrawn by the reporter"),
}
PRIORITY_LABELS = {
    "low": _l("Low"),
    "normal": _l("Normal"),
    "high": _l("High"),
    "urgent": _l("Urgent: the person is in danger now"),
}
ROLE_LABELS = {
    "network_admin": _l("Network administrator"),
    "org_admin": _l("Organisation administrator"),
    "moderator": _l("Moderator"),
    "advocate": _l("Advocate"),
}
# What each audit entry records, as the audit page names it.
AUDIT_ACTION_LABELS = {
    "access_reset": _l("Reset someone's access"),
    "account_disabled": _l("Disabled an account"),
    "act_added": _l("Added an act to the coding"),
    "act_deleted": _l("Deleted an act from the coding"),
    "act_saved": _l("Changed an act in the coding"),
    "attachment_decrypted": _l("Opened a file"),
    "audit_head_sealed": _l("Sealed the audit log after an upgrade"),
    "audit_viewed": _l("Read the audit log"),
    "backup_made": _l("Made a backup"),
    "backup_restored": _l("Restored a backup"),
    "case_deleted": _l("Deleted a case"),
    "case_updated": _l("Changed status, priority or assignment"),
    "invitation_accepted": _l("Accepted an invitation"),
    "invitation_created": _l("Created an invitation"),
    "invitation_revoked": _l("Cancelled an invitation"),
    "key_rotation_finished": _l("Finished changing the organisation's key"),
    "key_rotation_started": _l("Started changing the organisation's key"),
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "logout": _l("Logged out"),
    "message_sent": _l("Wrote to the reporter"),
    "note_added": _l("Added an internal note"),
    "organisation_added": _l("Added an organisation"),
    "queue_viewed": _l("Read the queue"),
    "recovery_key_confirmed": _l("Showed the recovery key is kept safe"),
    "recovery_key_used": _l("Used the recovery key"),
    "referral_saved": _l("Saved a referral"),
    "report_decrypted": _l("Read a report"),
    "reports_linked": _l("Linked related reports"),
    "retention_changed": _l("Changed how long data is kept"),
    "threshold_changed": _l("Changed the smallest number the statistics show"),
    "retention_purge": _l("Deleted data past its keeping time"),
    "statistics_exported": _l("Exported the statistics"),
    "stories_exported": _l("Exported the published stories"),
    "story_approved": _l("Approved a story for advocacy"),
    "story_saved": _l("Saved a story for advocacy"),
    "story_withdrawn": _l("Withdrew the approval of a story for advocacy"),
    "totp_enrolled": _l("Set up the authenticator app"),
}
# The names of what an audit entry's details record; values are shown as they are, statuses and
# roles by their labels (admin/views.py).
AUDIT_DETAIL_LABELS = {
    "page": _l("Page number"),
    "rows": _l("Rows shown"),
    "status": _l("Status"),
    "priority": _l("Priority"),
    "assignee": _l("Assigned to"),
    "role": _l("Role"),
    "file": _l("File number"),
    "with": _l("Linked with"),
    "type": _l("Type"),
    "reference": _l("Reference"),
    "report_deleted": _l("Report deleted"),
    "spam_days": _l("Delete spam after (days)"),
    "closed_content_days": _l("Delete the content of closed reports after (days)"),
    "version": _l("Key version"),
    "spam_cases_deleted": _l("Spam cases deleted"),
    "reports_deleted": _l("Reports deleted"),
    "format": _l("File format"),
    "hidden": _l("Cells hidden"),
    "count": _l("Stories exported"),
    "contents_purged": _l("Report contents deleted"),
    "sent_marks_deleted": _l("Old marks of sent reports deleted"),
}
PASSPHRASE_MESSAGES = {
    "too_short": _l("Use at least 12 characters: several words are easiest to remember."),
    "too_long": _l("This passphrase is too long."),
    "too_guessable": _l(
        "This passphrase is too easy to guess: it is common, or close to a name or a pattern. Add more words."
    ),
}


def term_labels(*term_lists: tuple[v.Term, ...]) -> dict[str, object]:
    return {term.key: term.label for terms in term_lists for term in terms}


VIOLATION_LABELS = term_labels(*(group.terms for group in v.VIOLATION_GROUPS))
VIOLATION_GROUP_LABELS = {group.key: group.label for group in v.VIOLATION_GROUPS}
PERPETRATOR_LABELS = term_labels(*(group.terms for group in v.PERPETRATOR_GROUPS))
LOCATION_LABELS = term_labels(v.LOCATION_TYPES)
POPULATION_LABELS = term_labels(v.POPULATIONS)
RELATION_LABELS = term_labels(v.REPORTER_RELATIONS)
PROTECTION_LABELS = term_labels(v.SOUGHT_PROTECTION)
REASON_LABELS = term_labels(v.REASONS_NOT)
VERIFICATION_LABELS = term_labels(v.VIOLATION_STATUSES)
INTERVENTION_LABELS = term_labels(v.INTERVENTION_TYPES)
INTERVENTION_STATUS_LABELS = term_labels(v.INTERVENTION_STATUSES)
OUTCOME_LABELS = term_labels(v.OUTCOMES)
