"""The report's question pages: which pages there are, in what order, and how answers move.

Answers travel in the page itself (hidden fields) from one question to the next: nothing is kept
on the server or in a cookie before "Send report". This module holds no Flask view; it decides,
from the answers posted and the button pressed, which page comes next and what it carries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from reporter import vocabulary as v

# Every answer the pages can carry, in the order they are asked.
ANSWER_FIELDS: tuple[str, ...] = (
    "narrative",
    "voice_story",
    "website",
    "country",
    "violation_groups",
    "violation_other",
    "violations",
    "incident_day",
    "incident_month",
    "incident_year",
    "ongoing",
    "region",
    "city",
    "location_type",
    "perpetrators",
    "relation",
    "populations",
    "sought_protection",
    "reasons_not",
    "share_with_network",
    "count_in_statistics",
    "allow_replies",
    "contact",
    # Names this report until it is sent; the receipt is derived from it (see views).
    "draft",
)

# The country a person would rather not name: the report goes to the regional network.
COUNTRY_NOT_SAID = "ZZ"
CHECK = "check"
MORE = "more"
ITEMS_PREFIX = "what-"
_GROUPS = {group.key: group for group in v.VIOLATION_GROUPS}


@dataclass(frozen=True)
class Page:
    key: str
    heading: LazyString
    fields: tuple[str, ...] = ()
    # Required questions have no "Skip this question".
    optional: bool = True
    numbered: bool = True


PAGES: tuple[Page, ...] = (
    Page(
        "story",
        _l("What happened? Tell it in your own words."),
        ("narrative", "voice_story", "website"),
        optional=False,
    ),
    Page("country", _l("In which country did it happen?"), ("country",), optional=False),
    Page(MORE, _l("You can send your report now"), numbered=False, optional=False),
    Page("what", _l("What kind of thing happened?"), ("violation_groups", "violation_other")),
    *(
        Page(ITEMS_PREFIX + group.key, _l("What happened?"), ("violations",))
        for group in v.VIOLATION_GROUPS
    ),
    Page(
        "when",
        _l("When did it happen?"),
        ("incident_day", "incident_month", "incident_year", "ongoing"),
    ),
    Page("where", _l("Where did it happen?"), ("region", "city", "location_type")),
    Page("who_did", _l("Who did it?"), ("perpetrators",)),
    Page("who_to", _l("Who did it happen to?"), ("relation", "populations")),
    Page(
        "protection",
        _l("Did you ask for help or protection, for example from the police, a lawyer or a court?"),
        ("sought_protection", "reasons_not"),
    ),
    # No "Skip": its answers have defaults, and skipping would silently undo a choice.
    Page(
        "sharing",
        _l("Who may see your report?"),
        ("share_with_network", "count_in_statistics", "allow_replies"),
        optional=False,
    ),
    Page("contact", _l("How can we reach you? (optional)"), ("contact",)),
    Page(CHECK, _l("Check your answers before sending"), numbered=False, optional=False),
)
PAGE_BY_KEY = {page.key: page for page in PAGES}


def group_of_items_page(key: str) -> v.Group | None:
    """The violation group an items page lists, or None for any other page."""
    if key.startswith(ITEMS_PREFIX):
        return _GROUPS.get(key[len(ITEMS_PREFIX) :])
    return None


def chosen_groups(answers: MultiDict[str, str]) -> list[v.Group]:
    chosen = set(answers.getlist("violation_groups"))
    return [group for group in v.VIOLATION_GROUPS if group.key in chosen]


def sequence(answers: MultiDict[str, str], several_countries: bool) -> list[str]:
    """The pages this person goes through, given what they have chosen so far."""
    keys: list[str] = []
    items = {ITEMS_PREFIX + group.key for group in chosen_groups(answers)}
    for page in PAGES:
        if page.key == "country" and not several_countries:
            continue
        if page.key.startswith(ITEMS_PREFIX) and page.key not in items:
            continue
        keys.append(page.key)
    return keys


@dataclass(frozen=True)
class Progress:
    number: int
    total: int


def progress(key: str, several_countries: bool) -> Progress | None:
    """'Question 3 of 10': every items page counts as the one question 'what happened'."""
    numbered: list[str] = []
    for page in PAGES:
        if not page.numbered or page.key.startswith(ITEMS_PREFIX):
            continue
        if page.key == "country" and not several_countries:
            continue
        numbered.append(page.key)
    lookup = "what" if key.startswith(ITEMS_PREFIX) else key
    if lookup not in numbered:
        return None
    return Progress(numbered.index(lookup) + 1, len(numbered))


def next_page(key: str, answers: MultiDict[str, str], several_countries: bool) -> str:
    keys = sequence(answers, several_countries)
    if key not in keys:
        return keys[0]
    return keys[min(keys.index(key) + 1, len(keys) - 1)]


def previous_page(key: str, answers: MultiDict[str, str], several_countries: bool) -> str:
    keys = sequence(answers, several_countries)
    if key not in keys:
        return keys[0]
    return keys[max(keys.index(key) - 1, 0)]


def after_change(key: str, answers: MultiDict[str, str], several_countries: bool) -> str:
    """Where a person who came from "Check your answers" goes once a page is answered: back
    there, except that newly chosen kinds of violation first ask what exactly happened."""
    if key == "what" or key.startswith(ITEMS_PREFIX):
        following = next_page(key, answers, several_countries)
        if following.startswith(ITEMS_PREFIX):
            return following
    return CHECK


def answers_from(formdata: MultiDict[str, str]) -> MultiDict[str, str]:
    """Only the answers from a posted form (no token, no button), every value kept as sent."""
    answers: MultiDict[str, str] = MultiDict()
    for name in ANSWER_FIELDS:
        for value in formdata.getlist(name):
            if isinstance(value, str):
                answers.add(name, value)
    return answers


def page_values(key: str, name: str) -> frozenset[str] | None:
    """For a field shared between pages (what happened), the values this page shows; None for
    a field the page shows whole."""
    group = group_of_items_page(key)
    if group is not None and name == "violations":
        return frozenset(term.key for term in group.terms)
    return None


def clear_page(key: str, answers: MultiDict[str, str]) -> MultiDict[str, str]:
    """The answers without this page's: "Skip this question"."""
    cleared = MultiDict(answers)
    for name in PAGE_BY_KEY[_page_key(key)].fields:
        shown = page_values(key, name)
        kept = [] if shown is None else [x for x in cleared.getlist(name) if x not in shown]
        cleared.setlist(name, kept)
    if key == "what":
        # No kind chosen: no detail of any kind either.
        cleared.setlist("violations", [])
    return cleared


def keep_chosen_groups(answers: MultiDict[str, str]) -> MultiDict[str, str]:
    """Once the kinds are chosen, details of kinds no longer chosen go."""
    allowed = {term.key for group in chosen_groups(answers) for term in group.terms}
    kept = MultiDict(answers)
    kept.setlist("violations", [x for x in answers.getlist("violations") if x in allowed])
    return kept


def hidden_answers(key: str, answers: MultiDict[str, str]) -> list[tuple[str, str]]:
    """The (name, value) pairs to carry in hidden fields on this page: every answer the page
    does not show as a control."""
    shown_fields = set(PAGE_BY_KEY[_page_key(key)].fields) if key != CHECK else set()
    carried: list[tuple[str, str]] = []
    for name in ANSWER_FIELDS:
        values: Iterable[str] = answers.getlist(name)
        if name in shown_fields:
            shown = page_values(key, name)
            if shown is None:
                continue
            values = [x for x in values if x not in shown]
        carried.extend((name, value) for value in values)
    return carried


def _page_key(key: str) -> str:
    return key if key in PAGE_BY_KEY else CHECK


def is_page(key: str) -> bool:
    return key in PAGE_BY_KEY


def page_of_field(name: str, answers: MultiDict[str, str]) -> str:
    """The page that asks for a field, to bring a person back to it with its error."""
    if name == "violations":
        chosen = set(answers.getlist("violations"))
        for group in v.VIOLATION_GROUPS:
            if chosen & {term.key for term in group.terms}:
                return ITEMS_PREFIX + group.key
        return "what"
    for page in PAGES:
        if name in page.fields:
            return page.key
    return CHECK
