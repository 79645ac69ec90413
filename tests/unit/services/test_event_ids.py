"""Event ids: what ``str(uuid.uuid4())`` gives, made without the uuid module's overhead."""

from __future__ import annotations

import uuid

from sayso.services.consent_requests import new_event_ids


def _assert_random_version_4_uuids(ids: list[str]) -> None:
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_event_ids_are_random_version_4_uuids_in_their_canonical_text_form() -> None:
    _assert_random_version_4_uuids([new_event_ids(1)[0] for _ in range(2000)])


def test_a_batch_of_event_ids_is_as_random_and_well_formed_as_single_ones() -> None:
    ids = new_event_ids(3000)
    assert len(ids) == 3000
    _assert_random_version_4_uuids(ids)
    assert new_event_ids(0) == []
