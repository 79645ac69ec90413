"""Display names to participants: loose enough for suffixes, never a guess."""

from __future__ import annotations

import pytest

from sayso.ingest.names import match_names, match_one

PEOPLE = {
    "p1": "Ashlee Kupor",
    "p2": "Dora Demszky",
    "p3": "Melissa Ko",
    "p4": "Heather Wolfe",
    "p5": "Adrian Torres",
    "p6": "Sam Lee",
    "p7": "Sam Lee",
    "p8": "Jo Park (Acme)",
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ashlee Kupor (SL)", "p1"),
        ("ashlee  kupor", "p1"),
        ("Dora\u00a0Demszky", "p2"),
        ("Dr. Melissa Ko", "p3"),
        ("Heather Wolfe (she/her)", "p4"),
        ("Heather Wolfe (Host)", "p4"),
        ("Adrián Torres (Fab Lab León)", "p5"),
        ("Adrian Torres - Fab Lab", "p5"),
        ("Jo Park, Acme", "p8"),
        ("Jo Park (Guest)", "p8"),
        ("Sam Lee", None),  # two participants: ambiguous
        ("Sam Lee (he/him)", None),
        ("Ashlee", None),  # first name only: not confident
        ("Unknown", None),
        ("", None),
    ],
)
def test_match_one(name: str, expected: str | None) -> None:
    assert match_one(name, PEOPLE) == expected


def test_match_names_lists_the_unmatched_once() -> None:
    result = match_names(["Sam Lee", "Dora Demszky", "Sam Lee", "Zed"], PEOPLE)
    assert result.mapping == {"Sam Lee": None, "Dora Demszky": "p2", "Zed": None}
    assert result.unmatched == ["Sam Lee", "Zed"]


def test_a_stricter_level_wins_over_a_looser_one() -> None:
    people = {"a": "Ann Lee (Acme)", "b": "Ann Lee"}
    assert match_one("Ann Lee (Acme)", people) == "a"
    assert match_one("Ann Lee", people) == "b"
