"""A participant decides, pauses, withdraws and reads their data through the HTTP API."""

from __future__ import annotations

from sayso.signing.receipts import verify_receipt
from tests.api.conftest import Api

ME = "/api/v1/me"


def _decide(
    api: Api, who: str, choices: list[dict[str, object]], key: str = "k1"
) -> list[dict[str, object]]:
    r = api.client.post(
        f"{ME}/meetings/{api.demo.meeting_id}/decisions",
        json={"choices": choices, "idempotency_key": key},
        headers=api.as_person(who),
    )
    assert r.status_code == 201, r.text
    body: list[dict[str, object]] = r.json()
    return body


def _standing(api: Api, who: str) -> dict[str, dict[str, object]]:
    r = api.client.get(f"{ME}/meetings/{api.demo.meeting_id}", headers=api.as_person(who))
    assert r.status_code == 200, r.text
    return {p["purpose"]: p for p in r.json()["purposes"]}


def test_a_yes_and_a_no_are_recorded_with_signed_receipts(api: Api) -> None:
    receipts = _decide(
        api,
        "Guest",
        [{"purpose": "recording", "answer": "yes"}, {"purpose": "ai_training", "answer": "no"}],
    )
    assert len(receipts) == 2
    keys = {e.kid: e.public for e in api.ctx.keyring.entries}
    checked = [verify_receipt(str(r["jws"]), keys) for r in receipts]
    assert {c.record["event_type"] for c in checked} == {"grant", "refuse"}
    assert all(c.record["indication_method"] == "api" for c in checked)
    standing = _standing(api, "Guest")
    assert standing["recording"]["answer"] == "yes"
    assert standing["ai_training"]["answer"] == "no"
    assert standing["ai_features"]["answer"] == "none"  # silence is no: nothing recorded


def test_the_same_idempotency_key_replays_instead_of_appending(api: Api) -> None:
    choice = [{"purpose": "ai_features", "answer": "yes"}]
    first = _decide(api, "Guest", choice, key="same")
    again = _decide(api, "Guest", choice, key="same")
    assert again[0]["record_id"] == first[0]["record_id"]
    assert again[0]["replayed"] is True
    r = api.client.post(
        f"{ME}/meetings/{api.demo.meeting_id}/decisions",
        json={"choices": [{"purpose": "ai_features", "answer": "no"}], "idempotency_key": "same"},
        headers=api.as_person("Guest"),
    )
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"


def test_a_yes_can_be_limited_to_some_kinds_of_content(api: Api) -> None:
    _decide(
        api, "Guest", [{"purpose": "ai_training", "answer": "yes", "modalities": ["transcript"]}]
    )
    assert _standing(api, "Guest")["ai_training"]["modalities"] == ["transcript"]


def test_pause_resume_and_withdraw(api: Api) -> None:
    _decide(api, "Guest", [{"purpose": "recording", "answer": "yes"}])
    url = f"{ME}/meetings/{api.demo.meeting_id}"
    headers = api.as_person("Guest")
    assert _standing(api, "Guest")["recording"]["capturing"] is True
    r = api.client.post(f"{url}/pause", json={"idempotency_key": "p"}, headers=headers)
    assert r.status_code == 201, r.text
    assert _standing(api, "Guest")["recording"]["capturing"] is False
    r = api.client.post(f"{url}/resume", json={"idempotency_key": "r"}, headers=headers)
    assert r.status_code == 201, r.text
    assert _standing(api, "Guest")["recording"]["capturing"] is True
    r = api.client.post(
        f"{url}/withdraw", json={"purposes": ["recording"], "idempotency_key": "w"}, headers=headers
    )
    assert r.status_code == 201, r.text
    assert _standing(api, "Guest")["recording"]["answer"] == "withdrawn"
    r = api.client.post(f"{url}/withdraw", json={"idempotency_key": "w2"}, headers=headers)
    assert r.status_code == 422  # nothing left to withdraw, said plainly
    assert "nothing to withdraw" in r.json()["detail"]


def test_my_data_lists_meetings_decisions_and_no_exports_yet(api: Api) -> None:
    r = api.client.get(ME, headers=api.as_person("Diane Candidate"))
    assert r.status_code == 200
    body = r.json()
    assert body["display_name"] == "Diane Candidate"
    assert [m["id"] for m in body["meetings"]] == [api.demo.meeting_id]
    assert [e["event_type"] for e in body["events"]] == ["grant", "refuse"]
    assert body["exports"] == []


def test_a_receipt_can_be_fetched_again_and_verified_publicly(api: Api) -> None:
    [receipt] = _decide(api, "Guest", [{"purpose": "ai_features", "answer": "yes"}])
    r = api.client.get(f"{ME}/receipts/{receipt['record_id']}", headers=api.as_person("Guest"))
    assert r.status_code == 200
    assert "Sayso consent receipt" in r.json()["text"]
    check = api.client.post("/api/v1/receipts/verify", json={"jws": r.json()["jws"]})
    assert check.status_code == 200, check.text
    assert check.json()["valid"] is True
    tampered = r.json()["jws"][:-4] + ("AAAA" if not r.json()["jws"].endswith("AAAA") else "BBBB")
    bad = api.client.post("/api/v1/receipts/verify", json={"jws": tampered})
    assert bad.status_code == 422
    assert "signature" in bad.json()["detail"]


def test_someone_elses_receipt_is_not_found(api: Api) -> None:
    [receipt] = _decide(api, "Guest", [{"purpose": "ai_features", "answer": "yes"}])
    r = api.client.get(
        f"{ME}/receipts/{receipt['record_id']}", headers=api.as_person("Diane Candidate")
    )
    assert r.status_code == 404


def test_a_guest_link_makes_a_participant_with_their_own_link(api: Api) -> None:
    r = api.client.post(
        "/api/v1/guest", json={"display_name": "Sam"}, headers=api.bearer(api.demo.guest_secret)
    )
    assert r.status_code == 201, r.text
    secret = r.json()["join_secret"]
    assert r.json()["join_url"].endswith(f"/j/{secret}")
    me = api.client.get(ME, headers=api.bearer(secret))
    assert me.json()["display_name"] == "Sam"
    assert me.json()["meetings"][0]["id"] == api.demo.meeting_id
    # The guest link itself is not a participant credential.
    assert api.client.get(ME, headers=api.bearer(api.demo.guest_secret)).status_code == 403


def test_strict_bodies_refuse_a_zero_for_a_boolean_and_unknown_fields(api: Api) -> None:
    r = api.client.post(
        "/api/v1/meetings",
        json={"title": "T", "starts_at": "2030-01-01T10:00:00Z", "guest_link": 0},
        headers=api.admin,
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "guest_link"
    r = api.client.post(
        f"{ME}/meetings/{api.demo.meeting_id}/decisions",
        json={
            "choices": [{"purpose": "recording", "answer": "yes"}],
            "idempotency_key": "x",
            "on_behalf_of": "y",
        },
        headers=api.as_person("Guest"),
    )
    assert r.status_code == 422


def test_wrong_or_missing_credentials_get_401_problem_details(api: Api) -> None:
    for headers in ({}, api.bearer("not-a-real-secret")):
        r = api.client.get(ME, headers=headers)
        assert r.status_code == 401
        body = r.json()
        assert body["status"] == 401
        assert body["type"].endswith("unauthenticated")
        assert "not-a-real-secret" not in r.text


def test_a_restricted_purpose_cannot_be_granted(api: Api) -> None:
    r = api.client.post(
        f"/api/v1/meetings/{api.demo.meeting_id}/restrictions",
        json={"purpose": "ai_training"},
        headers=api.host,
    )
    assert r.status_code == 201, r.text
    r = api.client.post(
        f"{ME}/meetings/{api.demo.meeting_id}/decisions",
        json={"choices": [{"purpose": "ai_training", "answer": "yes"}], "idempotency_key": "k"},
        headers=api.as_person("Guest"),
    )
    assert r.status_code == 422
    assert "turned off" in r.json()["detail"]
    assert _standing(api, "Guest")["ai_training"]["restricted"] is True
