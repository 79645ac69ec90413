"""``sayso receipt …``: check a receipt offline, or against the live log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sayso.cli.common import JsonOption, friendly, out, print_json, work
from sayso.errors import InvalidInput, KeyFileError
from sayso.services import logs
from sayso.settings import Settings
from sayso.signing.keys import load, public_keys_from_jwks
from sayso.signing.receipts import VerifiedReceipt, render_text, verify_receipt

app = typer.Typer(help="Signed consent receipts.", no_args_is_help=True)
MAX_RECEIPT_BYTES = 1_000_000


def _read(path: Path, what: str) -> str:
    try:
        if path.stat().st_size > MAX_RECEIPT_BYTES:
            raise InvalidInput(f"{path} is larger than 1 MB; a {what} is a few KB")
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"{path} cannot be read as UTF-8 text") from None


def _keys(keys_file: Path | None, db: str | None) -> dict[str, Ed25519PublicKey]:
    if keys_file is not None:
        try:
            return public_keys_from_jwks(json.loads(_read(keys_file, "key set")))
        except ValueError:
            raise KeyFileError(
                f"{keys_file} is not JSON; export keys with `sayso keys export`"
            ) from None
    settings = Settings() if db is None else Settings(database_url=db)
    ring = load(settings.resolved_key_file())
    return {e.kid: e.public for e in ring.entries}


@app.command("verify")
@friendly
def verify(
    file: Annotated[Path, typer.Argument(help="The receipt (a compact JWS) to check.")],
    keys: Annotated[
        Path | None,
        typer.Option(
            help="Published key set (from `sayso keys export`); default: the local key file."
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Also check against this live log (sqlite:///… or postgresql://…)."
        ),
    ] = None,
    text: Annotated[bool, typer.Option("--text", help="Also print the readable receipt.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Check the signature and the inclusion proof against the receipt's checkpoint (offline)."""
    receipt = verify_receipt(_read(file, "receipt"), _keys(keys, db))
    if db is not None:
        with work(db, readonly=True) as (session, _ctx):
            logs.check_receipt_against_log(session, receipt)
    _report(receipt, live=db is not None, text=text, as_json=as_json)


def _report(receipt: VerifiedReceipt, *, live: bool, text: bool, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "valid": True,
                "record_id": receipt.record["record_id"],
                "log_index": receipt.log_index,
                "checkpoint_size": receipt.checkpoint.size,
                "checked_against_live_log": live,
                "kid": receipt.kid,
            }
        )
        return
    where = " and consistent with the live log" if live else ""
    out.print(
        f"receipt valid: record {receipt.record['record_id']} is entry {receipt.log_index} "
        f"of the log at size {receipt.checkpoint.size}{where}"
    )
    if text:
        out.print(render_text(receipt.payload), markup=False)
