"""Admins and hosts through the HTTP API: invitations, policy, restrictions, counts, tokens."""

from __future__ import annotations

import copy

from sayso.services.demo import demo_policy
from tests.api.conftest import Api


def _schedule(api: Api, headers: dict[str, str], **extra: object) -> dict[str, object]:
    body = {
        "title": "Job interview",
        "starts_at": "2030-03-01T10:00:00Z",
        "invitees": [{"name": "Ann Candidate", "email": "ann@example.org"}],
        **extra,
    }
    r = api.client.post("/api/v1/meetings", json=body, headers=headers)
    assert r.status_code == 201, r.text
    out: dict[str, object] = r.json()
    return out


def test_scheduling_gives_each_invitee_a_link_to_decide_before_the_meeting(api: Api) -> None:
    r = api.client.post(
        "/api/v1/sessions", json={"email": api.demo.host_email, "password": api.demo.host_password}
    )
    assert r.status_code == 201, r.text
    host = api.bearer(r.json()["token"])
    done = _schedule(api, host, guest_link=True)
    [invitation] = done["invitations"]  # type: ignore[misc]
    text = invitation["text"]
    assert invitation["url"] in text
    assert "You can join without saying yes to anything" in text
    assert "AI training (only if you say yes)" in text
    assert done["guest_url"]
    # The invitee's link works at once, before the meeting: they can decide in advance.
    secret = invitation["url"].rsplit("/", 1)[1]
    meeting_id = done["meeting"]["id"]  # type: ignore[index]
    r = api.client.get(f"/api/v1/me/meetings/{meeting_id}", headers=api.bearer(secret))
    assert r.status_code == 200
    assert {p["answer"] for p in r.json()["purposes"]} == {"none"}


def test_the_same_email_is_the_same_participant_across_meetings(api: Api) -> None:
    first = _schedule(api, api.admin)
    second = _schedule(api, api.admin, title="Second round")
    secret = first["invitations"][0]["url"].rsplit("/", 1)[1]  # type: ignore[index]
    r = api.client.get("/api/v1/me", headers=api.bearer(secret))
    ids = {m["id"] for m in r.json()["meetings"]}
    assert ids == {first["meeting"]["id"], second["meeting"]["id"]}  # type: ignore[index]


def test_a_host_token_is_for_its_own_meeting_only(api: Api) -> None:
    other = _schedule(api, api.admin)
    r = api.client.get(f"/api/v1/meetings/{other['meeting']['id']}", headers=api.host)  # type: ignore[index]
    assert r.status_code == 404
    r = api.client.get(f"/api/v1/meetings/{api.demo.meeting_id}", headers=api.host)
    assert r.status_code == 200
    # A meeting-scoped host token cannot schedule meetings of its own.
    r = api.client.post(
        "/api/v1/meetings",
        json={"title": "x", "starts_at": "2030-01-01T10:00:00Z"},
        headers=api.host,
    )
    assert r.status_code == 403


def test_a_policy_that_makes_a_consent_purpose_a_condition_is_rejected_by_rule(api: Api) -> None:
    doc = copy.deepcopy(demo_policy())
    assert isinstance(doc, dict)
    doc["purposes"]["ai_training"]["condition_of_joining"] = True
    r = api.client.put("/api/v1/admin/policy", json={"document": doc}, headers=api.admin)
    assert r.status_code == 422
    assert r.json()["rule"] == "no_coercion"
    assert api.client.get("/api/v1/admin/policy", headers=api.admin).json()["version"] == 1


def test_a_widening_policy_marks_earlier_yeses_for_renewal(api: Api) -> None:
    # Sheila said yes to ai_training for audio, transcript and chat under version 1.
    doc = copy.deepcopy(demo_policy())
    assert isinstance(doc, dict)
    doc["purposes"]["ai_training"]["modalities"].append("screen_share")
    r = api.client.put("/api/v1/admin/policy", json={"document": doc}, headers=api.admin)
    assert r.status_code == 200, r.text
    assert r.json()["widens"] is True
    assert r.json()["version"] == 2
    r = api.client.get(
        f"/api/v1/me/meetings/{api.demo.meeting_id}", headers=api.as_person("Sheila Interviewer")
    )
    answers = {p["purpose"]: p["answer"] for p in r.json()["purposes"]}
    assert answers["ai_training"] == "renew"
    assert answers["recording"] == "yes"  # untouched purposes keep their yes
    # The notice people now read is the new one.
    notice = api.client.get(f"/api/v1/notices/{r.json()['notice_hash']}")
    assert "screen" in notice.json()["text"]


def test_counts_are_numbers_only(api: Api) -> None:
    r = api.client.get("/api/v1/admin/counts", headers=api.admin)
    assert r.status_code == 200
    [meeting] = r.json()
    assert meeting["invited"] == 4
    assert meeting["counts"]["ai_training"] == {"ConsentRefused": 2, "ConsentGiven": 1}
    for name, _secret in api.demo.join_secrets:
        assert name not in r.text
    with_ids = r.text
    assert "principal" not in with_ids


def test_restrictions_can_be_set_and_lifted_by_admin_and_host(api: Api) -> None:
    r = api.client.post(
        "/api/v1/admin/restrictions", json={"purpose": "ai_training"}, headers=api.admin
    )
    assert r.status_code == 201
    listed = api.client.get("/api/v1/admin/restrictions", headers=api.admin).json()
    assert listed == [{"purpose": "ai_training", "meeting_id": None}]
    assert (
        api.client.delete("/api/v1/admin/restrictions/ai_training", headers=api.admin).status_code
        == 204
    )
    assert (
        api.client.delete("/api/v1/admin/restrictions/ai_training", headers=api.admin).status_code
        == 404
    )
    url = f"/api/v1/meetings/{api.demo.meeting_id}/restrictions"
    assert api.client.post(url, json={"purpose": "recording"}, headers=api.host).status_code == 201
    assert api.client.get(url, headers=api.host).json() == [
        {"purpose": "recording", "meeting_id": api.demo.meeting_id}
    ]
    assert api.client.delete(f"{url}/recording", headers=api.host).status_code == 204
    # A host cannot restrict the whole org.
    r = api.client.post(
        "/api/v1/admin/restrictions", json={"purpose": "recording"}, headers=api.host
    )
    assert r.status_code == 403


def test_tokens_are_scoped_and_only_admins_issue_them(api: Api) -> None:
    r = api.client.post(
        "/api/v1/admin/tokens", json={"role": "export", "purpose": "ai_training"}, headers=api.admin
    )
    assert r.status_code == 201
    export = api.bearer(r.json()["token"])
    assert api.client.get("/api/v1/admin/counts", headers=export).status_code == 403
    r = api.client.post("/api/v1/admin/tokens", json={"role": "export"}, headers=api.admin)
    assert r.status_code == 422  # an export token names its purpose
    r = api.client.post("/api/v1/admin/tokens", json={"role": "admin"}, headers=api.host)
    assert r.status_code == 403


def test_wrong_password_and_rate_limit_on_sign_in(api: Api) -> None:
    api.ctx.settings.rate_limit_signin = "3/minute"
    api.client.app.state.runtime.settings.rate_limit_signin = "3/minute"  # type: ignore[attr-defined]
    body = {"email": api.demo.admin_email, "password": "wrong password here"}
    codes = [api.client.post("/api/v1/sessions", json=body).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    r = api.client.post("/api/v1/sessions", json=body)
    assert r.json()["type"].endswith("rate_limited")


def test_after_a_widening_policy_the_counts_show_who_must_be_asked_again(api: Api) -> None:
    doc = copy.deepcopy(demo_policy())
    assert isinstance(doc, dict)
    doc["purposes"]["ai_training"]["modalities"].append("screen_share")
    assert (
        api.client.put(
            "/api/v1/admin/policy", json={"document": doc}, headers=api.admin
        ).status_code
        == 200
    )
    [meeting] = api.client.get("/api/v1/admin/counts", headers=api.admin).json()
    assert meeting["counts"]["ai_training"] == {"ConsentRefused": 2, "NeedsRenewal": 1}
    assert meeting["counts"]["recording"]["ConsentGiven"] == 3  # untouched purposes stand
