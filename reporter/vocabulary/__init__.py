"""Controlled vocabularies: stable snake_case keys stored in data, labels translated through gettext."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Term:
    key: str
    label: LazyString


@dataclass(frozen=True)
class Group:
    key: str
    label: LazyString
    terms: tuple[Term, ...]


def _terms(*pairs: tuple[str, LazyString]) -> tuple[Term, ...]:
    return tuple(Term(key, label) for key, label in pairs)


VIOLATION_GROUPS: tuple[Group, ...] = (
    Group(
        "policing",
        _l("Police"),
        _terms(
            ("arbitrary_arrest_detention", _l("Arrested or held for no good reason")),
            ("extortion_bribe", _l("Police demanded money, drugs or favours")),
            ("physical_violence_police", _l("Beaten or hurt by police")),
            ("sexual_violence_police", _l("Sexual violence or forced sex by police")),
            (
                "torture_ill_treatment",
                _l("Torture or cruel treatment (also using withdrawal against someone)"),
            ),
            ("illegal_search_raid", _l("Searched or raided without a legal reason")),
            ("planted_evidence_false_charge", _l("Police planted drugs or made false charges")),
            ("confiscation_supplies", _l("Syringes, condoms, naloxone or medicines taken away")),
            ("supplies_as_evidence", _l("Condoms or syringes used as evidence")),
            ("forced_drug_testing", _l("Forced drug test")),
            ("police_registry_surveillance", _l("Put on a police list, or watched")),
            ("coerced_informant", _l("Forced to give information to police")),
            (
                "harassment_at_services",
                _l("Police bothered people at a health, harm-reduction or methadone service"),
            ),
            ("threats_intimidation", _l("Threats or intimidation")),
        ),
    ),
    Group(
        "detention_coercive_treatment",
        _l("Detention and forced treatment"),
        _terms(
            (
                "compulsory_detention_centre",
                _l('Held in a forced drug detention or "treatment" centre'),
            ),
            ("forced_treatment", _l("Forced treatment")),
            ("forced_labour", _l("Forced work while held")),
            ("denial_care_in_custody", _l("No methadone, HIV, TB or other care while held")),
        ),
    ),
    Group(
        "health_services",
        _l("Health care"),
        _terms(
            ("denial_oat", _l("Methadone or buprenorphine refused or stopped")),
            ("denial_harm_reduction", _l("Harm-reduction services refused")),
            ("denial_hiv_tb_hcv_care", _l("HIV, TB or hepatitis C care refused")),
            ("denial_pain_relief", _l("Pain relief refused")),
            ("discrimination_healthcare", _l("Treated badly by health workers")),
            (
                "confidentiality_breach",
                _l("HIV status, drug use or sex work told to others without consent"),
            ),
            ("forced_hiv_testing", _l("Forced HIV test")),
            ("illegal_payment_demand", _l("Asked to pay for care that should be free")),
        ),
    ),
    Group(
        "non_state_violence",
        _l("Violence by other people"),
        _terms(
            ("violence_by_client", _l("Violence or robbery by a client")),
            ("violence_partner_family", _l("Violence by a partner or family member")),
            ("violence_manager_landlord", _l("Violence by a manager, pimp or landlord")),
            ("homicide", _l("Someone was killed")),
        ),
    ),
    Group(
        "social_civil",
        _l("Papers, home, work and family"),
        _terms(
            ("id_document_denial", _l("ID papers taken or refused")),
            ("eviction", _l("Thrown out of home")),
            ("employment_discrimination", _l("Treated badly at work")),
            ("child_custody_interference", _l("Children taken away, or threat to take them")),
            ("denial_social_benefits", _l("Social benefits refused")),
            ("media_stigma", _l("Shamed or outed in the media")),
        ),
    ),
)

PERPETRATOR_GROUPS: tuple[Group, ...] = (
    Group(
        "state",
        _l("State"),
        _terms(
            ("police", _l("Police")),
            ("drug_control_agency", _l("Drug control agency")),
            ("prison_staff", _l("Prison or detention staff")),
            ("public_health_worker", _l("Public health worker")),
            ("social_services", _l("Social services")),
            ("local_official", _l("Local official")),
            ("judiciary", _l("Judge or court")),
            ("military", _l("Military")),
        ),
    ),
    Group(
        "non_state",
        _l("Not the state"),
        _terms(
            ("private_health_worker", _l("Private health worker")),
            ("client", _l("Client")),
            ("partner_family", _l("Partner or family")),
            ("employer_manager", _l("Employer or manager")),
            ("landlord", _l("Landlord")),
            ("private_security", _l("Private security guard")),
            ("vigilante_mob", _l("Vigilantes or a mob")),
            ("media", _l("Media")),
            ("community_member", _l("Someone from the community")),
            ("unknown", _l("I don't know")),
        ),
    ),
)

LOCATION_TYPES: tuple[Term, ...] = _terms(
    ("street_public", _l("Street or public place")),
    ("home", _l("Home")),
    ("sex_work_venue", _l("Place of sex work")),
    ("police_station", _l("Police station")),
    ("police_vehicle", _l("Police car")),
    ("detention_facility", _l("Prison or jail")),
    ("compulsory_treatment_centre", _l("Forced treatment centre")),
    ("health_facility", _l("Clinic or hospital")),
    ("harm_reduction_site", _l("Harm-reduction service")),
    ("oat_site", _l("Methadone or buprenorphine service")),
    ("pharmacy", _l("Pharmacy")),
    ("workplace", _l("Workplace")),
    ("online", _l("Online")),
    ("other", _l("Somewhere else")),
)

POPULATIONS: tuple[Term, ...] = _terms(
    ("person_who_uses_drugs", _l("Person who uses drugs")),
    ("sex_worker", _l("Sex worker")),
    ("trans_gender_diverse", _l("Trans or gender-diverse person")),
    ("gay_bisexual_msm", _l("Gay or bisexual man, or man who has sex with men")),
    ("living_with_hiv", _l("Living with HIV")),
    ("migrant", _l("Migrant")),
    ("young_person", _l("Young person (under 25)")),
    ("woman", _l("Woman")),
    ("prefer_not_to_say", _l("I prefer not to say")),
)

REPORTER_RELATIONS: tuple[Term, ...] = _terms(
    ("self", _l("It happened to me")),
    (
        "someone_else_with_consent",
        _l("It happened to someone else, and they agree that I report it"),
    ),
    ("peer_worker_documenting", _l("I am a peer or outreach worker writing it down")),
)

DATE_PRECISIONS: tuple[str, ...] = ("exact_day", "month", "year", "ongoing")

SOUGHT_PROTECTION: tuple[Term, ...] = _terms(
    ("yes", _l("Yes")),
    ("no", _l("No")),
    ("unknown", _l("I don't know")),
)

REASONS_NOT: tuple[Term, ...] = _terms(
    ("fear_of_reprisal", _l("Fear of what would happen")),
    ("distrust_police", _l("I don't trust the police")),
    ("cost", _l("It costs too much")),
    ("did_not_know_how", _l("I didn't know how")),
    ("criminalisation", _l("Drug use or sex work is a crime here")),
    ("other", _l("Another reason")),
)


# Case coding (staff).
VIOLATION_STATUSES: tuple[Term, ...] = _terms(
    ("unverified", _l("Not verified yet")),
    ("plausible", _l("Plausible")),
    ("verified", _l("Verified")),
    ("not_a_violation", _l("Not a violation")),
)

DATE_PRECISION_LABELS: tuple[Term, ...] = _terms(
    ("exact_day", _l("Exact day")),
    ("month", _l("Month")),
    ("year", _l("Year")),
    ("ongoing", _l("Ongoing")),
)


INTERVENTION_TYPES: tuple[Term, ...] = _terms(
    ("legal_aid", _l("Legal aid")),
    ("paralegal_support", _l("Paralegal support")),
    ("health_referral", _l("Health referral")),
    ("shelter_safety", _l("Shelter or safety")),
    ("psychosocial_support", _l("Psychosocial support")),
    ("complaint_to_authority", _l("Complaint to an authority")),
    ("media_advocacy", _l("Media or advocacy")),
    ("documentation_only", _l("Documentation only")),
)

INTERVENTION_STATUSES: tuple[Term, ...] = _terms(
    ("planned", _l("Planned")),
    ("in_progress", _l("In progress")),
    ("done", _l("Done")),
    ("refused", _l("Refused")),
    ("failed", _l("Failed")),
)

OUTCOMES: tuple[Term, ...] = _terms(
    ("resolved", _l("Resolved")),
    ("partly_resolved", _l("Partly resolved")),
    ("unresolved", _l("Unresolved")),
    ("unknown", _l("Unknown")),
)


def keys(terms: Iterable[Term]) -> tuple[str, ...]:
    return tuple(term.key for term in terms)


def grouped_keys(groups: Iterable[Group]) -> tuple[str, ...]:
    return tuple(term.key for group in groups for term in group.terms)


VIOLATION_KEYS = grouped_keys(VIOLATION_GROUPS)
PERPETRATOR_KEYS = grouped_keys(PERPETRATOR_GROUPS)
