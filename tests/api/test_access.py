"""Invariant 1 over the whole app: walk every route with every kind of credential.

Only a participant's own credential may create, change or withdraw their consent.
The walk fails for any route without a declared access rule, and for any route
where another credential (admin, host, export, guest link, another participant,
none) changes the target participant's consent history.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import func, select

from sayso.api.runtime import Rule
from sayso.api.security import Needs
from sayso.ledger.db import unit_of_work
from sayso.ledger.models import ConsentEventRow, Meeting
from sayso.services import access
from sayso.services.access import Role
from sayso.web.pages import CSRF_COOKIE, SESSION_COOKIE, Page
from tests.api.conftest import Api

TARGET = "Guest"  # the participant whose consent nobody else may touch
WRITES = {"POST", "PUT", "PATCH", "DELETE", "GET"}  # GET too: it must never change consent


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    rule: Rule | None
    body: type[BaseModel] | None


def routes(app: FastAPI) -> Iterator[RouteInfo | str]:
    """Every route, flattened (FastAPI keeps included routers lazily)."""
    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):
            for ctx in route.effective_route_contexts():
                yield _info(ctx.path, ctx.methods, ctx.dependant)
        elif hasattr(route, "dependant"):
            yield _info(route.path, route.methods, route.dependant)  # type: ignore[attr-defined]
        else:
            yield str(getattr(route, "path", route))


def _info(path: str, methods: Any, dependant: Any) -> RouteInfo:
    rule = None
    for dep in _walk(dependant):
        if isinstance(dep.call, (Needs, Page)):
            rule = dep.call.rule
    body = None
    for param in dependant.body_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            body = annotation
    return RouteInfo(path, frozenset(methods or ()), rule, body)


def _walk(dependant: Any) -> Iterator[Any]:
    for dep in dependant.dependencies:
        yield dep
        yield from _walk(dep)


def test_every_route_declares_its_access_rule(api: Api) -> None:
    app = api.client.app
    assert isinstance(app, FastAPI)
    undeclared = []
    seen = 0
    for info in routes(app):
        if isinstance(info, str):
            if info not in app.state.public_paths:
                undeclared.append(info)
            continue
        seen += 1
        if info.rule is None and info.path not in app.state.public_paths:
            undeclared.append(info.path)
    assert seen > 30
    assert undeclared == []


@dataclass(frozen=True)
class Credential:
    name: str
    bearer: str | None = None
    cookie: str | None = None  # a session cookie for the pages
    csrf: str | None = None


def _credentials(api: Api) -> list[Credential]:
    demo = api.demo
    ctx = api.ctx
    with unit_of_work(api.engine) as session:
        meeting = session.get(Meeting, demo.meeting_id)
        admin = access.resolve(session, ctx, demo.admin_token)
        export = access.issue_token(session, ctx, admin, Role.EXPORT, purpose="ai_training")
        host_token = access.issue_token(session, ctx, admin, Role.HOST, meeting=meeting)
        sessions = {
            "admin session": access.sign_in(session, ctx, demo.admin_email, demo.admin_password),
            "host session": access.sign_in(session, ctx, demo.host_email, demo.host_password),
            "other participant's session": access.start_session(
                session, ctx, access.resolve(session, ctx, api.secret("Diane Candidate"))
            ),
        }
        csrf = {k: access.resolve(session, ctx, v).csrf_token for k, v in sessions.items()}
    return [
        Credential("no credential"),
        Credential("admin token", bearer=demo.admin_token),
        Credential("host token", bearer=host_token),
        Credential("export token", bearer=export),
        Credential("guest link", bearer=demo.guest_secret),
        Credential("other participant's link", bearer=api.secret("Diane Candidate")),
        *(Credential(k, cookie=v, csrf=csrf[k]) for k, v in sessions.items()),
    ]


def _target_events(api: Api) -> int:
    with unit_of_work(api.engine, readonly=True) as session:
        participant = dict(api.demo.join_secrets)[TARGET]
        who = access.resolve(session, api.ctx, participant).participant_id
        return int(
            session.execute(
                select(func.count()).where(ConsentEventRow.principal_id == who)
            ).scalar_one()
        )


def _target_record(api: Api) -> str:
    with unit_of_work(api.engine, readonly=True) as session:
        who = access.resolve(session, api.ctx, api.secret(TARGET)).participant_id
        return str(
            session.execute(
                select(ConsentEventRow.event_id).where(ConsentEventRow.principal_id == who).limit(1)
            ).scalar_one()
        )


def _fill(path: str, api: Api, cred: Credential, record_id: str) -> str:
    secret = cred.bearer or cred.cookie or "nothing"
    return (
        path.replace("{meeting_id}", api.demo.meeting_id)
        .replace("{record_id}", record_id)
        .replace("{purpose}", "ai_training")
        .replace("{notice_hash}", "x")
        .replace("{secret}", secret)
    )


def _body(info: RouteInfo) -> dict[str, Any] | None:
    if info.body is None:
        return None
    extra = info.body.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    assert examples, f"{info.body.__name__} needs an example (docs and this test use it)"
    example: dict[str, Any] = examples[0]
    return example


FORM = {
    "answer_ai_training": "yes",
    "answer_recording": "yes",
    "action": "withdraw",
    "purpose": "ai_training",
    "idempotency_key": "attack",
    "display_name": "Mallory",
    "email": "admin@acme.example",
    "password": "x",
    "policy": "purposes: {}",
    "off": "1",
}


def _call(api: Api, info: RouteInfo, method: str, cred: Credential, record_id: str) -> int:
    client = api.client
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {cred.bearer}"} if cred.bearer else {}
    if cred.cookie:
        client.cookies.set(SESSION_COOKIE, cred.cookie)
    client.cookies.set(CSRF_COOKIE, "attack-csrf")
    url = _fill(info.path, api, cred, record_id)
    if info.path.startswith("/api/"):
        response = client.request(method, url, json=_body(info), headers=headers)
    else:
        form = {**FORM, "csrf_token": cred.csrf or "attack-csrf"}
        data = form if method != "GET" else None
        response = client.request(method, url, data=data, headers=headers, follow_redirects=False)
    return response.status_code


def test_no_credential_but_the_participants_own_changes_their_consent(api: Api) -> None:
    app = api.client.app
    assert isinstance(app, FastAPI)
    creds = _credentials(api)
    record_id = _target_record(api)
    infos = [i for i in routes(app) if isinstance(i, RouteInfo)]
    before = _target_events(api)
    changed = []
    calls = 0
    for info in infos:
        for method in sorted(info.methods & WRITES):
            for cred in creds:
                status = _call(api, info, method, cred, record_id)
                calls += 1
                assert status < 500, f"{method} {info.path} as {cred.name} gave {status}"
                if _target_events(api) != before:
                    changed.append(f"{method} {info.path} as {cred.name}")
                    before = _target_events(api)
    assert calls > 200
    assert changed == []
    # The walk can see a change: the participant's own credential does make one.
    r = api.client.post(
        f"/api/v1/me/meetings/{api.demo.meeting_id}/decisions",
        json={"choices": [{"purpose": "recording", "answer": "yes"}], "idempotency_key": "own"},
        headers={"Authorization": f"Bearer {api.secret(TARGET)}"},
    )
    assert r.status_code == 201, r.text
    assert _target_events(api) > before


def test_staff_api_has_no_parameter_that_names_a_participant(api: Api) -> None:
    """No "on behalf of" anywhere: no staff route takes a participant or principal id."""
    app = api.client.app
    assert isinstance(app, FastAPI)
    schema = app.openapi()
    text = str(schema["paths"]) + str(schema["components"]["schemas"])
    for word in ("on_behalf", "principal_id", "participant_id", "for_participant"):
        assert word not in text, f"the API mentions {word!r}"
