"""`xinyong benefits`, `xinyong scenario list|check`, `xinyong benefit-use record|list|stats`,
`xinyong score-grant add|revoke|list`.

The CLI runs with the operator's rights (disclosure.OPERATOR): it sees refusal reasons, but not a person's
score (evaluation/privacy.py): `xinyong benefits` withholds a person's score-gated scenarios. Exit 0 on
success, 1 for an unknown subject, scenario or grant, 2 for malformed input or a refused change (the
message says why in Chinese and English).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from xinyong.dates import cli_day

scenario_app = typer.Typer(help="信易+ scenarios / 信易+场景", no_args_is_help=True)
use_app = typer.Typer(help="Recorded benefit uses / 优惠使用登记", no_args_is_help=True)
grant_app = typer.Typer(help="Person-score authorisations / 个人信用积分授权", no_args_is_help=True)


def _session():  # noqa: ANN202 - context manager
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope

    return session_scope(make_engine(get_settings().database_url))


def _fail(exc) -> None:  # noqa: ANN001 - IncentiveError
    typer.echo(f"{exc.field}: {exc.zh} / {exc.en}", err=True)
    raise typer.Exit(1 if exc.status == 404 or exc.field == "scenario_id" else 2)


def _dump(obj: object) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=1))


def benefits_cmd(
    subject_id: str = typer.Argument(..., help="Subject id / 主体编号"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD; default today (Beijing)"),
    scenario: list[str] = typer.Option(None, "--scenario", help="Only these scenario ids (repeatable)"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
) -> None:
    """Benefits a subject gets and those it lacks, with reasons / 主体可享受的信易+激励及原因.

    A person's scenarios that read the person's score (静海 ≥ 700, 津南 ≥ 600) are withheld, as for every
    viewer who may not read the score (the CLI operator is nobody to it: evaluation/privacy.py)."""
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.incentives import person, service
    from xinyong.incentives.errors import IncentiveError
    from xinyong.subjects.models import Subject

    day = cli_day(as_of, "--as-of")
    with _session() as s:
        subject = s.get(Subject, subject_id)
        hide = (
            subject is not None
            and subject.kind == "person"
            and not person.may_read_score(s, subject_id=subject_id, viewer=OPERATOR)[0]
        )
        try:
            out = service.benefits(
                s, subject_id=subject_id, as_of=day, scenario_ids=scenario or None, hide_personal=hide
            )
        except IncentiveError as exc:
            _fail(exc)
    if as_json:
        _dump(out)
        return
    typer.echo(f"{subject_id}  as of {day}")
    for g in out["granted"]:
        typer.echo(f"  ✔ {g['scenario']}  {g['name_zh']} — {g['benefit']['zh']}")
        for p in g.get("policies", []):
            typer.echo(f"      · {p['name_zh']}: {'；'.join(r['zh'] for r in p['reasons'])}")
    for r in out["refused"]:
        typer.echo(f"  ✘ {r['scenario']}  {r['name_zh']}")
        for why in r["reasons"]:
            typer.echo(
                f"      不满足 / failed: {why['zh']}  {json.dumps(why.get('facts', {}), ensure_ascii=False)}"
            )
        for w in r["would_qualify_if"]:
            typer.echo(f"      → {w['zh']}")
    if out.get("withheld"):
        typer.echo(
            f"  另有 {out['withheld']} 个场景依个人信用积分判断，仅本人或获授权者可见 / "
            f"{out['withheld']} scenario(s) decided by the person's score withheld"
        )


@scenario_app.command("list")
def scenario_list(as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """List the shipped scenarios / 列出场景."""
    from xinyong.incentives import service

    rows = service.scenario_list()
    if as_json:
        _dump(rows)
        return
    for r in rows:
        typer.echo(f"{r['scenario']:32} {r['district'] or 'city':7} {r['benefit']['type']:24} {r['name_zh']}")


@scenario_app.command("check")
def scenario_check(files: list[Path] = typer.Argument(..., help="Scenario YAML files")) -> None:
    """Validate scenario files (shape, benefit types, CEL rules, facts, models) / 校验场景文件."""
    from xinyong.evaluation.service import load_models
    from xinyong.incentives.scenarios import ScenarioError, load_file

    models, bad = set(load_models()), 0
    for f in files:
        try:
            scs = load_file(f, models)
            typer.echo(f"{f}: ok ({len(scs)} scenarios) / 校验通过")
        except (ScenarioError, OSError) as exc:
            bad += 1
            typer.echo(f"{f}: {exc}", err=True)
    raise typer.Exit(2 if bad else 0)


@use_app.command("record")
def use_record(
    scenario_id: str = typer.Argument(...),
    subject_id: str = typer.Argument(...),
    key: str = typer.Option(
        ..., "--key", help="Idempotency key (a retry with the same key records nothing new)"
    ),
    actor: str = typer.Option(..., "--actor", help="The granting department / 授予部门"),
    detail: str = typer.Option("{}", "--detail", help='JSON object, e.g. \'{"approval_no": "…"}\''),
    used_on: str = typer.Option(None, "--used-on", help="YYYY-MM-DD; default today"),
) -> None:
    """Record that a benefit was granted / 登记优惠使用."""
    from xinyong.incentives import service
    from xinyong.incentives.errors import IncentiveError

    try:
        data = json.loads(detail)
        assert isinstance(data, dict)
    except (ValueError, AssertionError):
        typer.echo("--detail 必须是 JSON 对象 / --detail must be a JSON object", err=True)
        raise typer.Exit(2) from None
    day = cli_day(used_on, "--used-on") if used_on else None
    with _session() as s:
        try:
            use = service.record_benefit_use(
                s,
                scenario_id=scenario_id,
                subject_id=subject_id,
                actor=actor,
                detail=data,
                idempotency_key=key,
                used_on=day,
            )
        except IncentiveError as exc:
            _fail(exc)
        _dump(service.use_dict(use))


@use_app.command("list")
def use_list(
    scenario: str = typer.Option(None, "--scenario"),
    subject: str = typer.Option(None, "--subject"),
) -> None:
    """List recorded benefit uses (JSON) / 列出优惠使用. A person's uses of a score-gated scenario are
    left out (they tell the score's range; the operator may not read it)."""
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.incentives import service

    with _session() as s:
        uses = service.list_uses(s, scenario_id=scenario, subject_id=subject, viewer=OPERATOR)
        _dump([service.use_dict(u) for u in uses])


@use_app.command("stats")
def use_stats(district: str = typer.Option(None, "--district")) -> None:
    """Launched scenarios and users served (JSON) / 场景落地数与服务对象数."""
    from xinyong.incentives import service

    with _session() as s:
        _dump(service.usage_stats(s, district=district))


@grant_app.command("add")
def grant_add(
    subject_id: str = typer.Argument(..., help="The person / 自然人主体编号"),
    grantee: str = typer.Option(..., "--grantee", help="Username allowed to read the score"),
    purpose: str = typer.Option(..., "--purpose", help="Why / 用途"),
    days: int = typer.Option(30, "--days", help="Valid for N days (1..366)"),
) -> None:
    """Record a person's paper authorisation to read their score / 登记书面授权."""
    from xinyong.accounts.service import utcnow
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.incentives import person
    from xinyong.incentives.errors import IncentiveError

    with _session() as s:
        try:
            g = person.grant_score_access(
                s,
                subject_id=subject_id,
                grantee_username=grantee,
                purpose=purpose,
                expires_at=utcnow() + dt.timedelta(days=days),
                actor=OPERATOR,
            )
        except IncentiveError as exc:
            _fail(exc)
        typer.echo(f"grant {g.id}: {grantee} until {g.expires_at.isoformat()} UTC / 授权已登记")


@grant_app.command("revoke")
def grant_revoke(grant_id: int = typer.Argument(...)) -> None:
    """Revoke a grant / 撤回授权."""
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.incentives import person
    from xinyong.incentives.errors import IncentiveError

    with _session() as s:
        try:
            g = person.revoke_grant(s, grant_id=grant_id, actor=OPERATOR)
        except IncentiveError as exc:
            _fail(exc)
        typer.echo(f"grant {g.id} revoked at {g.revoked_at.isoformat()} UTC / 授权已撤回")


@grant_app.command("list")
def grant_list(subject_id: str = typer.Argument(...)) -> None:
    """A person's grants (JSON) / 列出授权."""
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.incentives import person
    from xinyong.incentives.errors import IncentiveError

    with _session() as s:
        try:
            _dump(person.list_grants(s, subject_id=subject_id, actor=OPERATOR))
        except IncentiveError as exc:
            _fail(exc)


def register(app: typer.Typer) -> None:
    app.command("benefits")(benefits_cmd)
    app.add_typer(scenario_app, name="scenario")
    app.add_typer(use_app, name="benefit-use")
    app.add_typer(grant_app, name="score-grant")
