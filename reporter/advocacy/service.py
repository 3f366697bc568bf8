"""Which published stories a page or an export holds: the organisation's approved stories
(`casework/service.py` `published_stories`, opened with the advocacy keys), within a choice of
countries, violation types and months of approval. No Flask."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from reporter import vocabulary as v
from reporter.casework.service import PublishedStory, published_stories


@dataclass(frozen=True)
class StoryFilters:
    """What a page or an export of stories covers; an empty set or month means every value."""

    countries: frozenset[str] = frozenset()
    violations: frozenset[str] = frozenset()  # violation type keys; a story naming one is in
    first_month: str = ""  # "YYYY-MM" of approval, inclusive
    last_month: str = ""

    def admits(self, story: PublishedStory) -> bool:
        return (
            (not self.countries or story.country in self.countries)
            and (not self.violations or not self.violations.isdisjoint(story.violations))
            and (not self.first_month or story.approved_on >= self.first_month)
            and (not self.last_month or story.approved_on <= self.last_month)
        )


def violations_of_groups(groups: Iterable[str]) -> frozenset[str]:
    """The violation types of the chosen kinds of violation (the vocabulary's groups)."""
    chosen = set(groups)
    return frozenset(v.grouped_keys(group for group in v.VIOLATION_GROUPS if group.key in chosen))


@dataclass(frozen=True)
class FoundStories:
    stories: list[PublishedStory]  # within the filters, newest first
    published: int  # how many the organisation has published in all


def find_stories(
    session: Session,
    organisation_id: uuid.UUID,
    advocacy_keys: dict[int, bytes],
    filters: StoryFilters,
) -> FoundStories:
    """The organisation's published stories within the filters, newest first."""
    published = published_stories(session, organisation_id, advocacy_keys)
    return FoundStories([story for story in published if filters.admits(story)], len(published))
