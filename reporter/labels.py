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
