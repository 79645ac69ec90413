"""Notices: what the text must say, that the hash is the version, and that people can read it."""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
import textstat
from hypothesis import given, settings
from hypothesis import strategies as st

from sayso.domain.canonical import content_hash
from sayso.domain.notice import Notice, generate_notice
from sayso.domain.policy import Policy
from tests.unit.domain.builders import (
    catalogue,
    demo_policy,
    demo_raw,
    make_policy,
    with_terms,
)


def _syllable_counter() -> ModuleType | None:
    # textstat 0.7.10+ looks words up in NLTK's cmudict, which it downloads on first use.
    try:
        return importlib.import_module("textstat.backend.counts._count_syllables")
    except ImportError:  # pragma: no cover - older textstat counts syllables with pyphen only
        return None


_COUNTER = _syllable_counter()

NON_CONSENT_BASES = (
    "legal_obligation",
    "legitimate_interest",
    "contract",
    "public_task",
    "vital_interest",
)


def reading_ease(text: str) -> float:
    """Flesch reading ease, with syllables counted by pyphen's packaged English dictionary.

    Tests reach no network, so the cmudict download textstat would attempt is replaced by
    its own fallback (pyphen hyphenation) for every word: deterministic on every machine.
    """
    if _COUNTER is None:  # pragma: no cover
        return float(textstat.flesch_reading_ease(text))
    with mock.patch.object(_COUNTER, "get_cmudict", return_value=None):
        return float(textstat.flesch_reading_ease(text))


def notice(policy: Policy | None = None, version: int = 1, org: str = "Acme Corp") -> Notice:
    return generate_notice(policy or demo_policy(), version, org, catalogue())


def parse(raw: dict[str, Any]) -> Policy:
    return make_policy(raw["purposes"], **{k: v for k, v in raw.items() if k != "purposes"})


# --- What the text says --------------------------------------------------------------------


def test_text_opens_by_naming_the_controller_as_the_account_owner() -> None:
    text = notice().text
    assert text.startswith(
        "Acme Corp, the account owner of this meeting, asks how it may use what you say"
    )


def test_text_names_controller_and_org_when_they_differ() -> None:
    text = notice(org="Acme Subsidiary").text
    assert "Acme Corp, for Acme Subsidiary, the account owner of this meeting" in text


def test_text_says_you_can_join_without_saying_yes() -> None:
    assert "You can join without saying yes to anything." in notice().text


def test_text_says_how_to_change_your_mind_and_that_it_stops_every_later_use() -> None:
    text = notice().text
    assert "You can change your mind at any time, during or after the meeting." in text
    assert "Use the meeting page or your My data page." in text
    assert "It stops every use from then on." in text


def test_text_has_exactly_one_catalogue_sentence_per_purpose_of_the_policy() -> None:
    text = notice().text
    expected = {
        "Recording": "We record your voice, your camera picture, your shared screen and your "
        "chat messages so the meeting can be played back later.",
        "Transcription": "We make a written record of what is said, from your voice and the "
        "transcript of what you say.",
        "AI features": "AI tools read the transcript of what you say and your chat messages to "
        "write summaries and answer questions about the meeting.",
        "Product improvement": "We look at the transcript of what you say to find and fix "
        "problems in our product.",
        "AI training": "We use your voice, your camera picture, the transcript of what you say "
        "and your chat messages to train our own AI models.",
        "Sharing with other companies": "We pass the transcript of what you say to the other "
        "companies named below.",
    }
    for label, sentence in expected.items():
        assert text.count(f"{label}: {sentence}\n") == 1, label
    assert text.count("This is only done to you if you say yes.") == len(expected)


def test_purposes_outside_the_policy_are_not_mentioned() -> None:
    policy = make_policy({"recording": {"modalities": ["audio"], "retention_days": 30}})
    text = notice(policy).text
    assert "Recording: We record your voice so the meeting can be played back later.\n" in text
    for name, definition in catalogue().purposes.items():
        if name != "recording":
            assert f"{definition.label}:" not in text
    assert "train" not in text


def test_text_names_retention_of_each_purpose_and_says_one_day_in_the_singular() -> None:
    raw = with_terms(demo_raw(), "recording", retention_days=1)
    text = notice(parse(raw)).text
    assert "We keep it for 1 day, then delete it." in text
    assert "We keep it for 365 days, then delete it." in text
    assert text.count("We keep it for 30 days, then delete it.") == 3


def test_text_names_each_recipient_with_its_description() -> None:
    recipients = [
        {"id": "notetaker", "name": "Notetaker Ltd", "description": "writes meeting notes"},
        {"id": "otter", "name": "Otter Inc"},
    ]
    raw = with_terms(demo_raw(), "third_party_sharing", recipients=recipients)
    text = notice(parse(raw)).text
    assert "We would give it to Notetaker Ltd (writes meeting notes).\n" in text
    assert "We would give it to Otter Inc.\n" in text


def test_recording_on_a_legal_obligation_says_a_decliner_still_joins_listen_only() -> None:
    raw = with_terms(demo_raw(), "recording", basis="legal_obligation")
    text = notice(parse(raw)).text
    assert (
        "We do this because the law requires it. If you say no, you still join, "
        "but only to listen. Then nothing of yours is kept." in text
    )
    # Only recording rests on the law; every other purpose still asks.
    assert text.count("This is only done to you if you say yes.") == 5


@pytest.mark.parametrize("basis", NON_CONSENT_BASES)
def test_every_non_consent_basis_is_explained_and_promises_listen_only(basis: str) -> None:
    policy = make_policy(
        {"transcription": {"basis": basis, "modalities": ["audio"], "retention_days": 30}}
    )
    text = notice(policy).text
    assert re.search(
        r"We do this because [^.]+\. If you say no, you still join, but only to listen\.", text
    )
    assert "This is only done to you if you say yes." not in text


def test_text_names_where_data_is_kept_and_whom_to_ask() -> None:
    text = notice().text
    assert "Your data is kept in the EU (Frankfurt)." in text
    assert "The rules of EU (GDPR) apply." in text
    assert "Write to privacy@acme.example." in text


def test_document_carries_the_text_and_each_purpose_in_policy_order() -> None:
    n = notice()
    assert n.document["text"] == n.text
    assert [p["purpose"] for p in n.document["purposes"]] == list(demo_policy().purposes)
    sharing = n.document["purposes"][-1]
    assert sharing["recipients"] == [
        {"id": "notetaker", "name": "Notetaker Ltd", "description": "writes meeting notes"}
    ]
    assert (n.policy_version, n.org_name, n.language) == (1, "Acme Corp", "en")


# --- The hash is the version ---------------------------------------------------------------


def test_hash_is_sha256_of_the_canonical_document() -> None:
    n = notice()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", n.hash)
    assert n.hash == content_hash(n.document)


def test_hash_is_stable_for_equal_input() -> None:
    assert notice(demo_policy()).hash == notice(demo_policy()).hash


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda: notice(version=2), id="policy version"),
        pytest.param(lambda: notice(org="Acme Corp Ltd"), id="org name"),
        pytest.param(
            lambda: notice(parse(with_terms(demo_raw(), "recording", retention_days=91))),
            id="retention",
        ),
        pytest.param(
            lambda: notice(parse(with_terms(demo_raw(), "ai_training", modalities=["audio"]))),
            id="modalities",
        ),
        pytest.param(
            lambda: notice(parse(with_terms(demo_raw(), "recording", basis="contract"))),
            id="basis",
        ),
        pytest.param(
            lambda: notice(parse({**demo_raw(), "controller_contact": "dpo@acme.example"})),
            id="contact",
        ),
        pytest.param(
            lambda: notice(parse({**demo_raw(), "storage_location": "the USA"})),
            id="storage location",
        ),
        pytest.param(
            lambda: notice(
                parse(
                    with_terms(
                        demo_raw(),
                        "third_party_sharing",
                        recipients=[{"id": "notetaker", "name": "Notetaker Ltd"}],
                    )
                )
            ),
            id="recipient description",
        ),
        pytest.param(
            lambda: notice(parse(with_terms(demo_raw(), "recording", per_modality_choice=False))),
            id="per-modality choice",
        ),
    ],
)
def test_hash_changes_when_anything_changes(variant: Any) -> None:
    changed: Notice = variant()
    assert changed.hash != notice().hash
    assert changed.hash == content_hash(changed.document)


# --- Readability ---------------------------------------------------------------------------


def test_demo_notice_is_plain_language() -> None:
    assert reading_ease(notice().text) >= 60


def test_reading_ease_helper_tells_plain_from_dense_text() -> None:
    # Guards the measurement itself: were syllables not counted, everything would pass.
    dense = (
        "Notwithstanding contractual obligations, institutional organisations "
        "systematically operationalise comprehensive telecommunications infrastructure."
    )
    assert reading_ease(dense) < 0 < 60 <= reading_ease("You can join. Say yes or no.")


@st.composite
def valid_policies(draw: st.DrawFn) -> tuple[Policy, str]:
    cat = catalogue()
    names = draw(st.lists(st.sampled_from(sorted(cat.purposes)), min_size=1, unique=True))
    purposes: dict[str, dict[str, Any]] = {}
    for name in names:
        terms: dict[str, Any] = {
            "modalities": draw(
                st.lists(st.sampled_from(sorted(cat.modalities)), min_size=1, unique=True)
            ),
            "retention_days": draw(st.integers(1, 36500)),
        }
        if cat.purposes[name].non_consent_basis_allowed:
            terms["basis"] = draw(st.sampled_from(("consent", *NON_CONSENT_BASES)))
        if cat.purposes[name].needs_recipients:
            terms["recipients"] = draw(
                st.lists(
                    st.sampled_from(
                        [
                            {"id": "notetaker", "name": "Notetaker Ltd"},
                            {"id": "otter", "name": "Otter Inc", "description": "takes notes"},
                            {"id": "cloud", "name": "Cloud Co", "description": "stores files"},
                        ]
                    ),
                    min_size=1,
                    unique_by=lambda r: r["id"],
                )
            )
        purposes[name] = terms
    policy = make_policy(purposes)
    org = draw(st.sampled_from(["Acme Corp", "Acme Holdings International"]))
    return policy, org


@settings(max_examples=40, deadline=None)
@given(valid_policies())
def test_every_valid_policy_gives_a_plain_language_notice(case: tuple[Policy, str]) -> None:
    policy, org = case
    n = generate_notice(policy, 1, org, catalogue())
    assert reading_ease(n.text) >= 60
    assert "You can join without saying yes to anything." in n.text
    for name, terms in policy.purposes.items():
        label = catalogue().purposes[name].label
        assert n.text.count(f"\n{label}: ") == 1
        days = "1 day" if terms.retention_days == 1 else f"{terms.retention_days} days"
        assert f"We keep it for {days}, then delete it." in n.text


@settings(max_examples=40, deadline=None)
@given(valid_policies(), st.integers(1, 10_000))
def test_notice_hash_is_a_function_of_policy_version_and_org(
    case: tuple[Policy, str], version: int
) -> None:
    policy, org = case
    n = generate_notice(policy, version, org, catalogue())
    again = generate_notice(policy.model_copy(deep=True), version, org, catalogue())
    assert n.hash == again.hash == content_hash(n.document)
    assert generate_notice(policy, version + 1, org, catalogue()).hash != n.hash
    assert generate_notice(policy, version, org + " Ltd", catalogue()).hash != n.hash
