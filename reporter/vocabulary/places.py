"""Country and first-level region names, localised from Babel (CLDR) and iso-codes via pycountry."""

from __future__ import annotations

import gettext
import unicodedata
from functools import lru_cache

import pycountry
from babel import Locale
from flask_babel import lazy_gettext as _l


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@lru_cache(maxsize=16)
def _subdivision_names(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-2", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def country_name(code: str, language: str) -> str:
    """The country's name in the language (CLDR), falling back to the ISO English name."""
    if not code:
        # The reporter would rather not say.
        return str(_l("Country not given"))
    name = _locale(language).territories.get(code)
    if name:
        return str(name)
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country else code


@lru_cache(maxsize=512)
def regions(country_code: str, language: str) -> tuple[tuple[str, str], ...]:
    """First-level subdivisions of a country as (ISO 3166-2 code, localised name), sorted by name."""
    translate = _subdivision_names(language).gettext
    found = pycountry.subdivisions.get(country_code=country_code) or []
    top_level = [sub for sub in found if sub.parent_code is None]
    pairs = [(str(sub.code), translate(str(sub.name))) for sub in top_level]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


def _sort_key(name: str) -> str:
    # Accent-insensitive order: "Ávila" sorts with the A's.
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def sorted_countries(codes: list[str], language: str) -> list[tuple[str, str]]:
    """Countries as (code, localised name), sorted by name for the language."""
    pairs = [(code, country_name(code, language)) for code in codes]
    return sorted(pairs, key=lambda pair: _sort_key(pair[1]))
