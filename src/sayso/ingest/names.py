"""Matching the display names of an archive to the meeting's participants.

Names are compared at three levels of looseness, each tried only when the stricter
one found nobody:

1. the same after Unicode NFKC, case folding and whitespace collapsing (U+00A0 too);
2. also without pronoun and role suffixes (``(she/her)``, ``(SL)``, ``(Host)``,
   ``(Guest)``), leading titles (``Dr.``), accents and curly apostrophes;
3. also without any bracketed part and any trailing organisation part
   (``Ann - Acme``, ``Ann, Shanghai``, ``Ann/Paris``, ``Ann | Acme``).

Two or more candidates at a level is ambiguity: the name stays unmatched, as does a
name with no candidate. Unmatched content is unattributed, and the gate leaves it out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

_PRONOUNS = r"(?:she|her|hers|he|him|his|they|them|theirs|ze|zir|xe|xem|it|its|any|all)"
_PRONOUN_SUFFIX = re.compile(rf"\(\s*{_PRONOUNS}(?:\s*/\s*{_PRONOUNS})*\s*\)", re.IGNORECASE)
_ROLES = (
    r"(?:(?i:host|co-?host|guest|me|moderator|presenter|panelist|interpreter|external)|[A-Z]{1,4})"
)
_ROLE_SUFFIX = re.compile(rf"\(\s*{_ROLES}\s*\)")
_TITLE = re.compile(r"^(?:dr|prof|mr|mrs|ms|mx)\.?\s+", re.IGNORECASE)
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_ORG_SEPARATOR = re.compile(r"\s+[-\u2013\u2014|@]\s+|\s*[,/]\s*")


def _collapse(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _strict(name: str) -> str:
    return _collapse(name)


def _suffixless(name: str) -> str:
    name = _ROLE_SUFFIX.sub(" ", _PRONOUN_SUFFIX.sub(" ", unicodedata.normalize("NFKC", name)))
    name = _TITLE.sub("", " ".join(name.split()))
    name = name.replace("\u2019", "'").replace("\u2018", "'")
    decomposed = unicodedata.normalize("NFKD", name)
    return _collapse("".join(c for c in decomposed if not unicodedata.combining(c)))


def _loose(name: str) -> str:
    bare = _BRACKETS.sub(" ", unicodedata.normalize("NFKC", name))
    return _suffixless(_ORG_SEPARATOR.split(bare.strip(), maxsplit=1)[0])


LEVELS: tuple[Callable[[str], str], ...] = (_strict, _suffixless, _loose)


@dataclass(frozen=True)
class NameMatch:
    """``mapping``: every archive name to a participant id or None; ``unmatched``: the Nones."""

    mapping: dict[str, str | None]
    unmatched: list[str]


def match_one(name: str, participants: Mapping[str, str]) -> str | None:
    """The one participant id whose display name is ``name``, or None (none, or several)."""
    for key in LEVELS:
        wanted = key(name)
        if not wanted:
            return None
        found = {pid for pid, display in participants.items() if key(display) == wanted}
        if len(found) == 1:
            return found.pop()
        if found:
            return None  # ambiguous: fail closed
    return None


def match_names(names: Iterable[str], participants: Mapping[str, str]) -> NameMatch:
    mapping = {name: match_one(name, participants) for name in dict.fromkeys(names)}
    return NameMatch(mapping, [name for name, pid in mapping.items() if pid is None])
