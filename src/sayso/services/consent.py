"""Consent writes: every decision is validated, appended to the history and the log in
one transaction, and answered with a signed receipt once that transaction commits."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sayso.domain.fold import fold_events, granted_window, is_live
from sayso.domain.records import (
    INDICATION_METHODS,
    ConsentEvent,
    ConsentRecord,
    EventType,
    Status,
    Window,
    record_from_document,
)
from sayso.domain.records_json import event_canonical_json, record_canonical_json
from sayso.errors import Conflict, InvalidInput, LogCorrupt, NotAllowed
from sayso.ledger import log_store
from sayso.ledger.log_store import Appended
from sayso.ledger.models import ConsentEventRow, ConsentStateRow
from sayso.services.consent_requests import BatchCache, build_event, new_event_ids
from sayso.services.consent_requests import ConsentRequest as ConsentRequest  # re-exported
from sayso.services.context import Actor, ActorKind, Context
from sayso.signing.receipts import ReceiptSigner, commitment_of, receipt_payload
from sayso.transparency import NodeKey, inclusion_proof, root_from_source

PARTICIPANT_ACTIONS = frozenset(
    {EventType.GRANT, EventType.REFUSE, EventType.PAUSE, EventType.RESUME, EventType.WITHDRAW}
)


@dataclass(frozen=True)
class Receipt:
    record_id: str
    log_index: int
    jws: str
    payload: dict[str, object]
    replayed: bool = False


@dataclass(frozen=True)
class Written:
    """What one batch wrote: its new log indexes and the checkpoint signed for it."""

    indexes: range
    checkpoint_note: str
    replays: frozenset[tuple[str, str]]
    appended: Appended | None  # None when every request was a replay

    def known_nodes(self) -> dict[NodeKey, bytes]:
        """The nodes the append touched: its leaves' proofs need no read."""
        return {} if self.appended is None else self.appended.known_nodes()

    @property
    def size(self) -> int:
        return self.indexes.stop


def record_decisions(
    session: Session, ctx: Context, actor: Actor, requests: Sequence[ConsentRequest]
) -> list[Receipt]:
    """Append the decisions (one checkpoint for the batch) and return their receipts.

    The caller's unit of work commits; show "saved" only after it has.
    """
    written = append_decisions(session, ctx, actor, requests)
    return _receipts(session, ctx, requests, written)


def append_decisions(
    session: Session, ctx: Context, actor: Actor, requests: Sequence[ConsentRequest]
) -> Written:
    """Validate the decisions and append the new ones to the history, the current state
    and the log, with one signed checkpoint for the batch; no receipts."""
    for request in requests:
        _authorise(actor, request)
    return _append_authorised(session, ctx, requests)


def record_for_many(
    session: Session, ctx: Context, batch: Sequence[tuple[Actor, ConsentRequest]]
) -> list[Receipt]:
    """Decisions of several participants in one append (one checkpoint), each request
    authorised against its own participant: the API's group commit uses this."""
    for actor, request in batch:
        _authorise(actor, request)
    requests = [r for _, r in batch]
    return _receipts(session, ctx, requests, _append_authorised(session, ctx, requests))


def _append_authorised(
    session: Session, ctx: Context, requests: Sequence[ConsentRequest]
) -> Written:
    size = log_store.lock_head(session)  # before the idempotency check: no race on keys
    now = ctx.clock()  # every event of the batch, and its checkpoint, carry this time
    replays = _replays(session, requests)
    fresh = _dedupe([r for r in requests if not replays or _key(r) not in replays])
    first = size
    appended: Appended | None = None
    if fresh:
        cache = BatchCache()
        ids = new_event_ids(len(fresh))
        events = [
            build_event(session, ctx, r, cache, size + i, ids[i], now) for i, r in enumerate(fresh)
        ]
        salts = _salts(len(events))
        texts = [event_canonical_json(e) for e in events]
        commitments = [commitment_of(s, t) for s, t in zip(salts, texts, strict=True)]
        appended = log_store.append(session, size, commitments)
        _insert_events(session, fresh, events, texts, salts, appended.first_index)
        _refresh_state(session, events)
        size, root = appended.size, appended.root
    else:
        root = root_from_source(size, log_store.DbNodeSource(session))
    note = log_store.store_checkpoint(
        session, ctx.origin, size, root, ctx.note_signer(), ctx.keyring.active_kid, now
    )
    return Written(range(first, size), note, frozenset(replays), appended)


def _salts(count: int) -> list[bytes]:
    """32 random bytes per event, from one read."""
    pool = os.urandom(32 * count)
    return [pool[i : i + 32] for i in range(0, 32 * count, 32)]


def _key(request: ConsentRequest) -> tuple[str, str]:
    return (request.principal_id, request.idempotency_key)


def _authorise(actor: Actor, request: ConsentRequest) -> None:
    if actor.kind is not ActorKind.PARTICIPANT or actor.subject_id != request.principal_id:
        raise NotAllowed("only the participant themselves can change their consent")
    if request.action not in PARTICIPANT_ACTIONS:
        raise NotAllowed(f"a participant cannot {request.action.value} consent")
    if not 1 <= len(request.idempotency_key) <= 128:
        raise InvalidInput("an idempotency key must be 1 to 128 characters")
    if request.indication_method not in INDICATION_METHODS:
        raise InvalidInput(
            f"indication method must be one of {', '.join(sorted(INDICATION_METHODS))}"
        )
    if not request.purposes:
        raise InvalidInput("name at least one purpose")


def _dedupe(requests: Sequence[ConsentRequest]) -> list[ConsentRequest]:
    seen: dict[tuple[str, str], ConsentRequest] = {}
    for r in requests:
        key = _key(r)
        if key in seen and seen[key].fingerprint() != r.fingerprint():
            raise Conflict("the same idempotency key was used twice for different decisions")
        seen.setdefault(key, r)
    return list(seen.values())


@dataclass(frozen=True)
class _Stored:
    """What a receipt needs of a stored event."""

    event_id: str
    log_index: int
    salt: bytes
    document: str


def _rows_by_key(
    session: Session, requests: Sequence[ConsentRequest]
) -> dict[tuple[str, str], _Stored]:
    keys = sorted({_key(r) for r in requests})
    rows = log_store.select_in(
        session,
        ConsentEventRow.__tablename__,
        ("principal_id", "idempotency_key", "event_id", "log_index", "salt", "document"),
        {"principal_id": sorted({p for p, _ in keys}), "idempotency_key": [k for _, k in keys]},
    )
    wanted = set(keys)
    return {
        (who, key): _Stored(event_id, log_index, bytes(salt), document)
        for who, key, event_id, log_index, salt, document in rows
        if (who, key) in wanted
    }


def _replays(session: Session, requests: Sequence[ConsentRequest]) -> set[tuple[str, str]]:
    """Requests whose idempotency key was already recorded: answered, never appended again."""
    keys = sorted({_key(r) for r in requests})
    rows = log_store.select_in(
        session,
        ConsentEventRow.__tablename__,
        ("principal_id", "idempotency_key", "request_hash"),
        {"principal_id": sorted({p for p, _ in keys}), "idempotency_key": [k for _, k in keys]},
    )
    wanted = set(keys)
    found = {(who, key): request_hash for who, key, request_hash in rows if (who, key) in wanted}
    for r in requests:
        stored = found.get(_key(r))
        if stored is not None and stored != r.fingerprint():
            raise Conflict("this idempotency key was already used for a different decision")
    return set(found)


_EVENT_COLUMNS = (
    "event_id",
    "log_index",
    "principal_id",
    "org_id",
    "scope",
    "event_type",
    "event_time",
    "idempotency_key",
    "request_hash",
    "document",
    "salt",
)


_TYPE_TEXT = {t: t.value for t in EventType}  # an enum's .value is a descriptor call
_STATUS_TEXT = {s: s.value for s in Status}


def _insert_events(
    session: Session,
    requests: Sequence[ConsentRequest],
    events: Sequence[ConsentEvent],
    texts: Sequence[bytes],
    salts: Sequence[bytes],
    first_index: int,
) -> None:
    hashes = _fingerprints(requests)
    rows = [
        (
            event.event_id,
            first_index + i,
            event.principal_id,
            event.org_id,
            str(event.scope),
            _TYPE_TEXT[event.event_type],
            event.event_time,
            request.idempotency_key,
            hashes[i],
            text.decode(),
            salt,
        )
        for i, (request, event, text, salt) in enumerate(
            zip(requests, events, texts, salts, strict=True)
        )
    ]
    log_store.insert_rows(session, ConsentEventRow.__tablename__, _EVENT_COLUMNS, rows)


def _fingerprints(requests: Sequence[ConsentRequest]) -> list[str]:
    """Each request's fingerprint, computed once per distinct decision in the batch (it
    leaves out who decided and the idempotency key, so a batch repeats a few)."""
    known: dict[tuple[object, ...], str] = {}
    out = []
    for r in requests:
        window = r.capture_window
        shape = (
            str(r.scope),
            r.action,
            r.purposes,
            r.modalities,
            r.recipients,
            r.indication_method,
            None if window is None else (str(window.start), str(window.end)),
        )
        if shape not in known:
            known[shape] = r.fingerprint()
        out.append(known[shape])
    return out


def events_for(session: Session, pairs: set[tuple[str, str]]) -> list[ConsentEvent]:
    """Every event of the given (participant, scope) pairs, in log order."""
    if not pairs:
        return []
    rows = log_store.select_in(
        session,
        ConsentEventRow.__tablename__,
        ("principal_id", "scope", "document", "log_index"),
        {"principal_id": sorted({p for p, _ in pairs}), "scope": sorted({s for _, s in pairs})},
    )
    return [
        ConsentEvent.from_document(json.loads(doc), idx)
        for who, scope, doc, idx in sorted(rows, key=lambda row: int(row[3]))
        if (who, scope) in pairs
    ]


def _refresh_state(session: Session, events: Sequence[ConsentEvent]) -> None:
    """Bring the current-state rows of the (participant, scope) pairs the new events touch
    up to date. Records that ended never change again, so the fold continues from the
    pairs' live records as stored (with the capture windows their grants gave) instead of
    replaying their whole history: a write's cost grows with the live records it may
    change, not with the history (the domain's property tests hold the two ways equal).
    The new events are used as built (an event equals what its stored document reads
    back as, also tested)."""
    pairs = {(e.principal_id, str(e.scope)) for e in events}
    if not pairs:
        return
    held = _live_records(session, pairs)
    records = fold_events(events, live=held, granted=_grant_windows(session, held))
    log_store.executemany_driver(
        session,
        "DELETE FROM consent_state WHERE record_id = {} AND purpose = {}",
        [(r.record_id, r.purpose) for r in held],
    )
    rows = [_state_row(r) for r in records]
    log_store.insert_rows(session, ConsentStateRow.__tablename__, _STATE_COLUMNS, rows)


def _live_records(session: Session, pairs: set[tuple[str, str]]) -> list[ConsentRecord]:
    """The stored records of these (participant, scope) pairs that are still live."""
    rows = log_store.select_in(
        session,
        ConsentStateRow.__tablename__,
        ("principal_id", "scope", "document"),
        {
            "principal_id": sorted({p for p, _ in pairs}),
            "scope": sorted({s for _, s in pairs}),
            "status": [Status.GIVEN.value],
        },
    )
    found = (
        record_from_document(json.loads(doc)) for who, scope, doc in rows if (who, scope) in pairs
    )
    return [r for r in found if is_live(r)]


def _grant_windows(session: Session, records: Sequence[ConsentRecord]) -> dict[str, Window]:
    """The capture window each record's grant gave (a record's id is its grant's event id):
    a resume never reaches beyond it, and the stored record may no longer show it whole."""
    if not records:
        return {}
    ids = sorted({r.record_id for r in records})
    rows = log_store.select_in(
        session, ConsentEventRow.__tablename__, ("event_id", "document"), {"event_id": ids}
    )
    windows = {
        event_id: granted_window(ConsentEvent.from_document(json.loads(doc)))
        for event_id, doc in rows
    }
    missing = [i for i in ids if i not in windows]
    if missing:
        raise LogCorrupt(
            "a current-state record has no grant event in the history; run `sayso log verify`"
        )
    return windows


_STATE_COLUMNS = (
    "record_id",
    "purpose",
    "principal_id",
    "scope",
    "status",
    "log_index",
    "document",
)


def _state_row(record: ConsentRecord) -> tuple[object, ...]:
    return (
        record.record_id,
        record.purpose,
        record.principal_id,
        str(record.scope),
        _STATUS_TEXT[record.status],
        record.log_index,
        record_canonical_json(record).decode(),
    )


def _receipts(
    session: Session, ctx: Context, requests: Sequence[ConsentRequest], written: Written
) -> list[Receipt]:
    rows = _rows_by_key(session, requests)
    signer = ReceiptSigner(ctx.keyring)
    source = log_store.DbNodeSource(session, written.known_nodes())  # new leaves: no query
    size, note = written.size, written.checkpoint_note
    out = []
    for request in requests:
        row = rows[_key(request)]
        proof = inclusion_proof(row.log_index, size, source)
        record = json.loads(row.document)
        payload = receipt_payload(record, row.salt, row.log_index, proof, note, ctx.clock())
        token = signer.sign(payload, row.document)  # the stored document is canonical JSON
        replayed = _key(request) in written.replays
        out.append(Receipt(row.event_id, row.log_index, token, payload, replayed))
    return out
