"""Policy validation (every rejection rule, invariant 3) and what counts as a widening change."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sayso.domain.catalogue import NEVER_CONDITIONAL, Catalogue
from sayso.domain.policy import parse_policy, policy_changes, widens
from sayso.errors import PolicyRejected
from tests.unit.domain.builders import catalogue, demo_policy, demo_raw, make_policy, raw_policy

NON_CONSENT_BASES = (
    "legal_obligation",
    "legitimate_interest",
    "contract",
    "public_task",
    "vital_interest",
)
REC = {"modalities": ["audio"], "retention_days": 30}
SHARING = {
    "modalities": ["transcript"],
    "retention_days": 30,
    "recipients": [{"id": "notetaker", "name": "Notetaker Ltd"}],
}


def rejected(raw: object, cat: Catalogue | None = None) -> PolicyRejected:
    with pytest.raises(PolicyRejected) as info:
        parse_policy(raw, cat or catalogue())
    return info.value


def terms_for(purpose: str, **changes: Any) -> dict[str, Any]:
    base = dict(SHARING) if purpose == "third_party_sharing" else dict(REC)
    base.update(changes)
    return base


# --- The packaged example and the happy path ----------------------------------------------


def test_demo_policy_is_accepted_with_every_purpose_by_consent() -> None:
    policy = demo_policy()
    assert set(policy.purposes) == set(catalogue().purposes)
    assert {t.basis for t in policy.purposes.values()} == {"consent"}
    assert policy.purposes["third_party_sharing"].recipients[0].id == "notetaker"


def test_policy_defaults_to_consent_basis_and_no_condition_of_joining() -> None:
    terms = make_policy({"recording": REC}).purposes["recording"]
    assert terms.basis == "consent"
    assert terms.condition_of_joining is False
    assert terms.modalities == ("audio",)


# --- schema --------------------------------------------------------------------------------


def test_a_policy_that_is_not_a_mapping_is_rejected_as_schema() -> None:
    err = rejected(["recording"])
    assert err.rule == "schema"
    assert "mapping" in str(err)


def test_unknown_top_level_key_is_rejected_naming_the_key() -> None:
    err = rejected(raw_policy({"recording": REC}, owner="someone else"))
    assert err.rule == "schema"
    assert "owner" in str(err)


def test_unknown_key_in_purpose_terms_is_rejected_naming_the_key() -> None:
    err = rejected(raw_policy({"recording": terms_for("recording", retension_days=9)}))
    assert err.rule == "schema"
    assert "purposes.recording.retension_days" in str(err)


def test_missing_required_field_is_rejected_naming_the_field() -> None:
    raw = raw_policy({"recording": REC})
    del raw["controller"]
    err = rejected(raw)
    assert err.rule == "schema"
    assert "controller" in str(err)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("retention_days", "30"),
        ("retention_days", 30.0),
        ("retention_days", True),
        ("retention_days", 0),
        ("retention_days", -1),
        ("condition_of_joining", 0),
        ("condition_of_joining", "false"),
        ("per_modality_choice", 1),
        ("basis", "because_we_can"),
        ("modalities", []),
        ("modalities", "audio"),
    ],
)
def test_loosely_typed_or_out_of_range_terms_are_rejected_as_schema(
    field: str, value: object
) -> None:
    err = rejected(raw_policy({"recording": terms_for("recording", **{field: value})}))
    assert err.rule == "schema"
    assert f"purposes.recording.{field}" in str(err)


def test_recipient_with_an_invalid_id_is_rejected_naming_the_field() -> None:
    bad = terms_for("third_party_sharing", recipients=[{"id": "Not An Id", "name": "X"}])
    err = rejected(raw_policy({"third_party_sharing": bad}))
    assert err.rule == "schema"
    assert "purposes.third_party_sharing.recipients.0.id" in str(err)


# --- rules no schema can express ------------------------------------------------------------


def test_policy_without_purposes_is_rejected() -> None:
    err = rejected(raw_policy({}))
    assert err.rule == "no_purposes"
    assert "at least one purpose" in str(err)


def test_purpose_missing_from_the_catalogue_is_rejected_naming_it() -> None:
    err = rejected(raw_policy({"recording": REC, "marketing": REC}))
    assert err.rule == "unknown_purpose"
    assert "'marketing'" in str(err)


def test_modality_missing_from_the_catalogue_is_rejected_naming_purpose_and_modality() -> None:
    err = rejected(raw_policy({"recording": terms_for("recording", modalities=["audio", "smell"])}))
    assert err.rule == "unknown_modality"
    assert "recording" in str(err)
    assert "'smell'" in str(err)


def test_modality_listed_twice_is_rejected_naming_the_purpose() -> None:
    raw = raw_policy({"transcription": terms_for("transcription", modalities=["audio", "audio"])})
    err = rejected(raw)
    assert err.rule == "duplicate_modality"
    assert "transcription" in str(err)


@pytest.mark.parametrize("purpose", sorted(NEVER_CONDITIONAL))
def test_never_conditional_purpose_as_condition_of_joining_is_rejected(purpose: str) -> None:
    err = rejected(raw_policy({purpose: terms_for(purpose, condition_of_joining=True)}))
    assert err.rule == "no_coercion"
    assert purpose in str(err)


@pytest.mark.parametrize("basis", NON_CONSENT_BASES)
@pytest.mark.parametrize("purpose", sorted(NEVER_CONDITIONAL))
def test_never_conditional_purpose_on_a_non_consent_basis_is_rejected(
    purpose: str, basis: str
) -> None:
    err = rejected(raw_policy({purpose: terms_for(purpose, basis=basis)}))
    assert err.rule == "no_coercion"
    assert purpose in str(err)


@settings(max_examples=60, deadline=None)
@given(
    purpose=st.sampled_from(sorted(NEVER_CONDITIONAL)),
    basis=st.sampled_from(("consent", *NON_CONSENT_BASES)),
    condition=st.booleans(),
    others=st.sets(st.sampled_from(["recording", "transcription"])),
)
def test_no_policy_makes_a_never_conditional_purpose_coercive(
    purpose: str, basis: str, condition: bool, others: set[str]
) -> None:
    purposes = {p: terms_for(p) for p in sorted(others)}
    purposes[purpose] = terms_for(purpose, basis=basis, condition_of_joining=condition)
    raw = raw_policy(purposes)
    if basis == "consent" and not condition:
        assert parse_policy(raw, catalogue()).purposes[purpose].basis == "consent"
    else:
        err = rejected(raw)
        assert err.rule == "no_coercion"
        assert purpose in str(err)


@pytest.mark.parametrize("purpose", ["recording", "transcription"])
def test_recording_with_condition_of_joining_is_rejected_even_on_a_legal_basis(
    purpose: str,
) -> None:
    terms = terms_for(purpose, basis="legal_obligation", condition_of_joining=True)
    err = rejected(raw_policy({purpose: terms}))
    assert err.rule == "no_coercion"
    assert purpose in str(err)


@pytest.mark.parametrize("basis", NON_CONSENT_BASES)
@pytest.mark.parametrize("purpose", ["recording", "transcription"])
def test_recording_and_transcription_may_rest_on_a_non_consent_basis(
    purpose: str, basis: str
) -> None:
    policy = make_policy({purpose: terms_for(purpose, basis=basis)})
    assert policy.purposes[purpose].basis == basis


def test_non_consent_basis_for_a_consent_only_purpose_is_rejected_naming_it() -> None:
    # The default catalogue has no such purpose outside NEVER_CONDITIONAL: use an org's own.
    own = Catalogue.from_yaml(
        """
purposes:
  analytics: {label: Analytics, sentence: "We count {modalities}."}
modalities:
  audio: {label: Audio, plain: "your voice"}
"""
    )
    err = rejected(raw_policy({"analytics": terms_for("analytics", basis="contract")}), own)
    assert err.rule == "basis_not_allowed"
    assert "analytics" in str(err)
    assert "contract" in str(err)


def test_sharing_without_recipients_is_rejected_naming_the_purpose() -> None:
    raw = raw_policy({"third_party_sharing": terms_for("third_party_sharing", recipients=[])})
    err = rejected(raw)
    assert err.rule == "recipients_required"
    assert "third_party_sharing" in str(err)


def test_recipients_on_a_purpose_that_shares_nothing_are_rejected_naming_it() -> None:
    terms = terms_for("ai_features", recipients=[{"id": "notetaker", "name": "Notetaker Ltd"}])
    err = rejected(raw_policy({"ai_features": terms}))
    assert err.rule == "recipients_not_allowed"
    assert "ai_features" in str(err)


def test_recipient_listed_twice_is_rejected_naming_the_purpose() -> None:
    twice = [{"id": "notetaker", "name": "Notetaker Ltd"}, {"id": "notetaker", "name": "Other"}]
    raw = raw_policy({"third_party_sharing": terms_for("third_party_sharing", recipients=twice)})
    err = rejected(raw)
    assert err.rule == "duplicate_recipient"
    assert "third_party_sharing" in str(err)


# --- policy_changes / widens --------------------------------------------------------------


def _demo_with(purpose: str, **changes: Any) -> dict[str, Any]:
    raw = demo_raw()
    raw["purposes"][purpose].update(changes)
    return raw


def _parse(raw: dict[str, Any]) -> Any:
    return parse_policy(raw, catalogue())


def test_identical_policies_have_no_changes_and_do_not_widen() -> None:
    assert policy_changes(demo_policy(), demo_policy()) == []
    assert not widens(demo_policy(), demo_policy())


def test_first_policy_counts_every_purpose_as_added() -> None:
    changes = policy_changes(None, demo_policy())
    assert [c.purpose for c in changes] == list(demo_policy().purposes)
    assert all(c.widening and c.text == "purpose added" for c in changes)


def test_adding_a_purpose_widens() -> None:
    old = make_policy({"recording": REC})
    new = make_policy({"recording": REC, "ai_training": REC})
    assert widens(old, new)
    assert [str(c) for c in policy_changes(old, new)] == ["ai_training: purpose added"]


def test_removing_a_purpose_does_not_widen() -> None:
    old = make_policy({"recording": REC, "ai_training": REC})
    new = make_policy({"recording": REC})
    assert not widens(old, new)
    assert [str(c) for c in policy_changes(old, new)] == ["ai_training: purpose removed"]


def test_adding_a_modality_widens_and_removing_one_does_not() -> None:
    narrow = make_policy({"ai_training": terms_for("ai_training", modalities=["audio"])})
    wide = make_policy({"ai_training": terms_for("ai_training", modalities=["audio", "video"])})
    assert widens(narrow, wide)
    assert [str(c) for c in policy_changes(narrow, wide)] == ["ai_training: modality video added"]
    assert not widens(wide, narrow)
    assert [c.widening for c in policy_changes(wide, narrow)] == [False]


def test_adding_a_recipient_widens_and_removing_one_does_not() -> None:
    one = _parse(demo_raw())
    two_recipients = [
        {"id": "notetaker", "name": "Notetaker Ltd"},
        {"id": "otter", "name": "Otter Inc"},
    ]
    two = _parse(_demo_with("third_party_sharing", recipients=two_recipients))
    assert widens(one, two)
    assert [str(c) for c in policy_changes(one, two)] == [
        "third_party_sharing: recipient otter added"
    ]
    assert not widens(two, one)


def test_longer_retention_widens_and_shorter_does_not() -> None:
    base = _parse(demo_raw())
    longer = _parse(_demo_with("recording", retention_days=91))
    shorter = _parse(_demo_with("recording", retention_days=89))
    assert widens(base, longer)
    assert [str(c) for c in policy_changes(base, longer)] == ["recording: retention 90 -> 91 days"]
    assert not widens(base, shorter)
    assert [c.widening for c in policy_changes(base, shorter)] == [False]


@pytest.mark.parametrize(
    ("before", "after"), [("consent", "legal_obligation"), ("contract", "consent")]
)
def test_a_changed_legal_basis_widens(before: str, after: str) -> None:
    old = _parse(_demo_with("recording", basis=before))
    new = _parse(_demo_with("recording", basis=after))
    assert widens(old, new)
    assert [str(c) for c in policy_changes(old, new)] == [
        f"recording: legal basis {before} -> {after}"
    ]


@st.composite
def narrowings(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A valid policy document and one that asks strictly less or the same."""
    wide: dict[str, Any] = demo_raw()
    narrow: dict[str, Any] = demo_raw()
    kept = draw(st.sets(st.sampled_from(sorted(wide["purposes"])), min_size=1))
    for name in list(narrow["purposes"]):
        if name not in kept:
            del narrow["purposes"][name]
            continue
        terms = narrow["purposes"][name]
        terms["modalities"] = draw(
            st.lists(st.sampled_from(terms["modalities"]), min_size=1, unique=True)
        )
        terms["retention_days"] = draw(st.integers(1, terms["retention_days"]))
    return wide, narrow


@settings(max_examples=60, deadline=None)
@given(narrowings())
def test_narrowing_never_widens_and_undoing_it_does(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    wide, narrow = _parse(pair[0]), _parse(pair[1])
    assert not widens(wide, narrow)
    assert widens(narrow, wide) == (wide != narrow)
