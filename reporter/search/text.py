"""Search text: what a case says, folded so that accents and case do not matter, and the words
of a query matched against it.

A case's search text has two parts: its free text (story, place, notes, messages), folded, and
the keys its coding and the reporter's choices use (`v:police_violence`, `c:CO`, `r:CO-ANT`…),
each between two unit separators. A word of a query matches the free text, or the label of any
of those keys in any enabled language: "policía" and "police" both find a case coded with the
perpetrator `police`, and "Medellín" the region it is in, without storing a label at all.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import force_locale

from reporter import vocabulary as v
from reporter.vocabulary import places

FORMAT = b"1"
SEPARATOR = "\x1f"
_SEPARATOR_BYTE = SEPARATOR.encode()
# Marks a word may carry that are not part of it: "Medellín," finds "Medellín".
_PUNCTUATION = ".,;:!?¡¿\"'«»“”‘’()[]{}<>"
# Letters written in more than one way in Arabic script, folded to one.
_LETTER_VARIANTS = str.maketrans({"ى": "ي", "ة": "ه", "ـ": None})


def fold(text: str) -> str:
    """The text without accents and case: "Medellín" and "MEDELLIN" both give "medellin"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.casefold().translate(_LETTER_VARIANTS).replace(SEPARATOR, " ")


def query_words(query: str) -> list[str]:
    """The folded words of a query, without surrounding punctuation and repeats."""
    words: list[str] = []
    for raw in fold(query).split():
        word = raw.strip(_PUNCTUATION)
        if word and word not in words:
            words.append(word)
    return words


def key_token(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def compose(free_texts: Iterable[str], keys: Iterable[str]) -> bytes:
    """The plaintext of a search text: its format, the folded free text, then the keys."""
    free = "\n".join(fold(text) for text in free_texts if text)
    coded = "".join(f"{SEPARATOR}{key}" for key in sorted(set(keys)))
    return FORMAT + (free + coded + SEPARATOR).encode("utf-8")


@dataclass(frozen=True)
class Term:
    """One word of a query: the bytes it is found as in free text, and the key tokens whose
    label holds it."""

    word: bytes
    keys: tuple[bytes, ...]


def _vocabulary_labels() -> Iterable[tuple[str, str]]:
    """(key token, label) of every vocabulary term a case carries, in the current locale."""
    for kind, groups in (("v", v.VIOLATION_GROUPS), ("p", v.PERPETRATOR_GROUPS)):
        for group in groups:
            for term in group.terms:
                yield key_token(kind, term.key), f"{group.label} {term.label}"
    for kind, terms in (("l", v.LOCATION_TYPES), ("pop", v.POPULATIONS)):
        for term in terms:
            yield key_token(kind, term.key), str(term.label)


@lru_cache(maxsize=8)
def _labels(languages: tuple[str, ...], countries: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Every (folded label, key token) pair in every language: a few thousand, made once."""
    pairs: set[tuple[str, str]] = set()
    for language in languages:
        with force_locale(language):
            for token, label in _vocabulary_labels():
                pairs.add((fold(label), token))
        for country in countries:
            pairs.add((fold(places.country_name(country, language)), key_token("c", country)))
            for region, name in places.regions(country, language):
                pairs.add((fold(name), key_token("r", region)))
    return tuple(sorted(pairs))


def terms_of(
    words: Sequence[str], languages: tuple[str, ...], countries: tuple[str, ...]
) -> list[Term]:
    """The terms a search looks for, one per word."""
    labels = _labels(languages, tuple(sorted(countries)))
    found = []
    for word in words:
        tokens = sorted({token for label, token in labels if word in label})
        found.append(
            Term(
                word.encode("utf-8"),
                tuple(f"{SEPARATOR}{token}{SEPARATOR}".encode() for token in tokens),
            )
        )
    return found


def readable(text: bytes) -> bool:
    """Whether a search text is of this format (one of another is read from the case itself)."""
    return text[:1] == FORMAT


def matches(text: bytes, terms: Sequence[Term]) -> bool:
    """Whether a search text holds every term: its word in the free text (never inside a key:
    "oat" does not find `v:denial_oat`), or one of its keys among the case's."""
    free = text[1 : text.find(_SEPARATOR_BYTE)]
    return all(term.word in free or any(key in text for key in term.keys) for term in terms)
