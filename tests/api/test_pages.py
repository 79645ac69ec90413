"""The pages over HTTP (no browser): sessions, CSRF, cookies, headers, the decide form."""

from __future__ import annotations

import copy
import re

import httpx2

from sayso.services.demo import demo_policy
from tests.api.conftest import Api

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _join(api: Api, name: str) -> str:
    """Open a personal link; return the decide page's HTML (the client keeps the cookie)."""
    api.client.cookies.clear()
    r = api.client.get(f"/j/{api.secret(name)}")
    assert r.status_code == 200, r.text
    assert str(r.url).endswith(f"/m/{api.demo.meeting_id}")
    return r.text


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match is not None, "the page has no form token"
    return match.group(1)


def _sign_in_as_admin(api: Api) -> httpx2.Response:
    """Sign in through the form (a fresh cookie jar); the console's page comes back."""
    api.client.cookies.clear()
    token = _csrf(api.client.get("/signin").text)
    return api.client.post(
        "/signin",
        data={
            "csrf_token": token,
            "email": api.demo.admin_email,
            "password": api.demo.admin_password,
        },
    )


def _events(api: Api, name: str) -> list[dict[str, object]]:
    r = api.client.get("/api/v1/me", headers=api.as_person(name))
    events: list[dict[str, object]] = r.json()["events"]
    return events


def test_a_join_link_sets_a_safe_session_cookie_and_safe_headers(api: Api) -> None:
    api.client.cookies.clear()
    r = api.client.get(f"/j/{api.secret('Guest')}", follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert r.headers["referrer-policy"] == "no-referrer"  # the link's secret never leaks onward
    page = api.client.get(r.headers["location"])
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert api.secret("Guest") not in page.text


def test_cookies_are_secure_when_configured(api: Api) -> None:
    api.client.app.state.runtime.settings.cookie_secure = True  # type: ignore[attr-defined]
    api.client.cookies.clear()
    r = api.client.get(f"/j/{api.secret('Guest')}", follow_redirects=False)
    assert "Secure" in r.headers["set-cookie"]


def test_the_decide_form_records_yes_and_no_and_nothing_for_unanswered(api: Api) -> None:
    html = _join(api, "Guest")
    assert 'value="yes" checked' not in html  # nothing pre-selected to yes
    token = CSRF.search(html).group(1)  # type: ignore[union-attr]
    before = len(_events(api, "Guest"))
    r = api.client.post(
        f"/m/{api.demo.meeting_id}",
        data={
            "csrf_token": token,
            "idempotency_key": "form-1",
            "answer_recording": "yes",
            "answer_ai_training": "no",
            "modalities_recording": ["audio", "video"],
        },
    )
    assert r.status_code == 200
    assert "Saved" in r.text
    events = _events(api, "Guest")[before:]
    assert [(e["event_type"], e["purposes"]) for e in events] == [
        ("grant", ["recording"]),
        ("refuse", ["ai_training"]),
    ]
    assert events[0]["modalities"] == ["audio", "video"]
    assert {e["indication_method"] for e in events} == {"web"}


def test_a_form_without_its_csrf_token_changes_nothing(api: Api) -> None:
    _join(api, "Guest")
    before = len(_events(api, "Guest"))
    r = api.client.post(
        f"/m/{api.demo.meeting_id}", data={"answer_ai_training": "yes", "csrf_token": "forged"}
    )
    assert r.status_code == 422
    assert "this form has expired" in r.text
    assert "<html" in r.text  # a page, not a traceback or JSON
    assert len(_events(api, "Guest")) == before


def test_gpc_preselects_no_for_sharing_and_is_recorded_as_the_indication(api: Api) -> None:
    api.client.cookies.clear()
    api.client.get(f"/j/{api.secret('Guest')}", follow_redirects=False)
    page = api.client.get(f"/m/{api.demo.meeting_id}", headers={"Sec-GPC": "1"})
    assert 'name="answer_third_party_sharing" value="no" checked' in page.text
    assert page.text.count(" checked") == 1
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    r = api.client.post(
        f"/m/{api.demo.meeting_id}",
        data={"csrf_token": token, "idempotency_key": "gpc", "answer_third_party_sharing": "no"},
        headers={"Sec-GPC": "1"},
    )
    assert r.status_code == 200
    last = _events(api, "Guest")[-1]
    assert last["purposes"] == ["third_party_sharing"]
    assert last["indication_method"] == "gpc"


def test_joining_without_answering_records_nothing(api: Api) -> None:
    _join(api, "Guest")
    before = len(_events(api, "Guest"))
    r = api.client.get(f"/m/{api.demo.meeting_id}/live")
    assert r.status_code == 200
    assert "You are in" in r.text
    assert len(_events(api, "Guest")) == before


def test_declining_a_legal_basis_recording_joins_listen_only(api: Api) -> None:
    doc = copy.deepcopy(demo_policy())
    assert isinstance(doc, dict)
    doc["purposes"]["recording"]["basis"] = "legal_obligation"
    assert (
        api.client.put(
            "/api/v1/admin/policy", json={"document": doc}, headers=api.admin
        ).status_code
        == 200
    )
    html = _join(api, "Guest")
    assert "Listen only" in html
    token = CSRF.search(html).group(1)  # type: ignore[union-attr]
    r = api.client.post(
        f"/m/{api.demo.meeting_id}",
        data={"csrf_token": token, "idempotency_key": "lo", "answer_recording": "no"},
    )
    assert 'id="listen-only"' in r.text
    assert "Not captured: your voice, your video" in r.text
    assert _events(api, "Guest")[-1]["event_type"] == "refuse"


def test_withdraw_takes_one_click_plus_confirm(api: Api) -> None:
    html = _join(api, "Guest")
    token = CSRF.search(html).group(1)  # type: ignore[union-attr]
    api.client.post(
        f"/m/{api.demo.meeting_id}",
        data={"csrf_token": token, "idempotency_key": "y", "answer_ai_training": "yes"},
    )
    live = api.client.get(f"/m/{api.demo.meeting_id}/live").text
    assert "confirm?action=withdraw&amp;purpose=ai_training" in live
    confirm = api.client.get(
        f"/m/{api.demo.meeting_id}/confirm", params={"action": "withdraw", "purpose": "ai_training"}
    )
    assert "Yes, withdraw" in confirm.text
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', confirm.text))
    r = api.client.post(f"/m/{api.demo.meeting_id}/act", data=form)
    assert r.status_code == 200
    assert _events(api, "Guest")[-1]["event_type"] == "withdraw"


def test_staff_sessions_cannot_open_a_participants_pages(api: Api) -> None:
    r = _sign_in_as_admin(api)
    assert r.status_code == 200
    assert "Admin console" in r.text
    assert 'name="answer_' not in r.text
    r = api.client.get(f"/m/{api.demo.meeting_id}")
    assert r.status_code == 403
    assert api.client.get("/me").status_code == 403


def test_a_rejected_policy_shows_its_error_in_place(api: Api) -> None:
    token = _csrf(_sign_in_as_admin(api).text)
    text = (
        "controller: Acme\npurposes:\n  ai_training: "
        "{modalities: [audio], retention_days: 5, condition_of_joining: true}\n"
    )
    r = api.client.post("/admin/policy", data={"csrf_token": token, "policy": text})
    assert r.status_code == 422
    assert 'id="policy-error"' in r.text
    assert "policy rejected" in r.text
    assert "condition_of_joining: true" in r.text  # what the admin typed stays in the editor
    r = api.client.post("/admin/policy", data={"csrf_token": token, "policy": "a: [1"})
    assert r.status_code == 422
    assert "not valid YAML" in r.text


def test_join_links_are_rate_limited(api: Api) -> None:
    api.client.app.state.runtime.settings.rate_limit_join = "2/minute"  # type: ignore[attr-defined]
    codes = [api.client.get("/j/not-a-link", follow_redirects=False).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def test_an_unknown_link_gets_a_page_that_says_what_to_do(api: Api) -> None:
    r = api.client.get("/j/nope")
    assert r.status_code == 401
    assert "unknown, expired or revoked" in r.text


def test_the_notice_preview_shows_the_edited_policy_without_publishing(api: Api) -> None:
    token = _csrf(_sign_in_as_admin(api).text)
    text = (
        "controller: Acme Corp\ncontroller_contact: p@acme.example\njurisdiction: EU\n"
        "storage_location: the EU\npurposes:\n"
        "  transcription: {modalities: [audio, transcript], retention_days: 7}\n"
    )
    r = api.client.post(
        "/admin/policy", data={"csrf_token": token, "policy": text, "action": "preview"}
    )
    assert r.status_code == 200
    assert 'id="notice-preview"' in r.text
    assert "We keep it for 7 days" in r.text
    policy = api.client.get("/api/v1/admin/policy", headers=api.admin).json()
    assert policy["version"] == 1  # nothing was published
