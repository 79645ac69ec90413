"""``sayso policy …`` and ``sayso notice …``: the org's ceiling and what people are told."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from sayso.cli.common import DB_DEFAULT, DbOption, JsonOption, friendly, out, print_json, work
from sayso.errors import InvalidInput, PolicyRejected
from sayso.services import directory, policies

app = typer.Typer(
    help="The org's policy: which purposes exist, on which basis.", no_args_is_help=True
)
notice_app = typer.Typer(
    help="The plain-language notices generated from policies.", no_args_is_help=True
)

OrgOption = Annotated[str, typer.Option("--org", help="Org name or id.")]
VersionOption = Annotated[
    int | None, typer.Option("--version", help="Policy version (default: latest).")
]
MAX_POLICY_BYTES = 1_000_000


def read_policy_file(path: Path) -> object:
    """Read a YAML or JSON policy file; say what is wrong with it in a sentence."""
    try:
        if path.stat().st_size > MAX_POLICY_BYTES:
            raise InvalidInput(f"{path} is larger than 1 MB; a policy file is a few KB")
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path} cannot be read as UTF-8 text ({type(exc).__name__})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PolicyRejected("syntax", f"{path} is not valid YAML or JSON{where}") from None


@app.command("apply")
@friendly
def apply(
    file: Annotated[Path, typer.Argument(help="Policy file (YAML or JSON).")],
    org: OrgOption,
    db: DbOption = DB_DEFAULT,
    as_json: JsonOption = False,
) -> None:
    """Validate a policy file and publish it as the org's next version."""
    raw = read_policy_file(file)
    with work(db) as (session, ctx):
        published = policies.apply_policy(session, ctx, directory.find_org(session, org), raw)
    data = {
        "version": published.version,
        "notice_hash": published.notice_hash,
        "unchanged": published.unchanged,
        "changes": [str(c) for c in published.changes],
        "needs_renewal": published.widens,
    }
    if as_json:
        print_json(data)
        return
    if published.unchanged:
        out.print(f"policy unchanged: still version {published.version}")
        return
    out.print(f"published policy version {published.version} (notice {published.notice_hash})")
    for change in published.changes:
        out.print(f"  - {change}")
    if published.widens:
        out.print(
            "This version asks for more: participants will be asked again before it covers them."
        )


def _policy_json(published: policies.PublishedPolicy) -> dict[str, Any]:
    return {
        "version": published.version,
        "notice_hash": published.notice_hash,
        "policy": published.policy.document(),
    }


@app.command("show")
@friendly
def show(
    org: OrgOption,
    version: VersionOption = None,
    db: DbOption = DB_DEFAULT,
    as_json: JsonOption = False,
) -> None:
    """Show a policy version (default: the latest)."""
    with work(db, readonly=True) as (session, _ctx):
        org_row = directory.find_org(session, org)
        published = (
            policies.current_policy(session, org_row.id)
            if version is None
            else policies.policy_version(session, org_row.id, version)
        )
    data = _policy_json(published)
    if as_json:
        print_json(data)
    else:
        out.print(f"policy version {published.version} (notice {published.notice_hash})")
        out.print(yaml.safe_dump(data["policy"], sort_keys=False, allow_unicode=True).rstrip())


@app.command("diff")
@friendly
def diff(
    org: OrgOption,
    old: Annotated[int | None, typer.Argument(help="Older version (default: latest - 1).")] = None,
    new: Annotated[int | None, typer.Argument(help="Newer version (default: latest).")] = None,
    db: DbOption = DB_DEFAULT,
    as_json: JsonOption = False,
) -> None:
    """Show what changed between two policy versions, and whether people must be asked again."""
    with work(db, readonly=True) as (session, _ctx):
        org_row = directory.find_org(session, org)
        latest = policies.current_policy(session, org_row.id).version
        new_v = new if new is not None else latest
        old_v = old if old is not None else new_v - 1
        changes = policies.diff_versions(session, org_row.id, old_v, new_v)
    data = {
        "old": old_v,
        "new": new_v,
        "changes": [
            {"purpose": c.purpose, "change": c.text, "widening": c.widening} for c in changes
        ],
        "needs_renewal": any(c.widening for c in changes),
    }
    if as_json:
        print_json(data)
        return
    out.print(f"policy {old_v} -> {new_v}: {len(changes) or 'no'} change(s)")
    for c in changes:
        mark = "+" if c.widening else "-"
        out.print(f"  {mark} {c}")
    if data["needs_renewal"]:
        out.print("Consents given under the older version do not stretch: people are asked again.")


@notice_app.command("show")
@friendly
def notice_show(
    org: OrgOption,
    version: VersionOption = None,
    db: DbOption = DB_DEFAULT,
    as_json: JsonOption = False,
) -> None:
    """Print the notice people see before they decide (text, or the JSON form)."""
    with work(db, readonly=True) as (session, _ctx):
        org_row = directory.find_org(session, org)
        published = (
            policies.current_policy(session, org_row.id)
            if version is None
            else policies.policy_version(session, org_row.id, version)
        )
        notice = policies.get_notice(session, published.notice_hash)
    if as_json:
        print_json({"hash": notice.hash, "document": notice.document})
    else:
        out.print(f"Notice {notice.hash} (policy version {notice.policy_version})\n")
        out.print(notice.text.rstrip(), markup=False)
