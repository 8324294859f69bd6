"""`xinyong rule check|save|eval|history|facts` (docs/cli.md).

Exit codes: 0 success; 1 unknown rule or subject; 2 a refused rule or malformed input (the message
gives the position and says why in Chinese and English).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
import yaml

from xinyong.dates import cli_day

rule_app = typer.Typer(help="Rules as data (CEL) / 规则", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(rule_app, name="rule")


def _session():  # noqa: ANN202 - context manager
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope

    return session_scope(make_engine(get_settings().database_url))


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"错误 error: {message}", err=True)
    return typer.Exit(code)


def read_rule_file(path: Path) -> list[dict[str, Any]]:
    """Rules in a file: a .yaml/.yml file with `id` + `expression` (or `rules:` a list of them), or
    any other file whose whole text is one expression (id = the file name's stem)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() not in (".yaml", ".yml"):
        return [{"id": path.stem, "expression": text}]
    data = yaml.safe_load(text)
    items = data.get("rules") if isinstance(data, dict) and "rules" in data else [data]
    if not isinstance(items, list) or not all(isinstance(i, dict) and "expression" in i for i in items):
        raise ValueError(
            f"{path}: 应为含 id 与 expression 的映射，或 rules: 列表 / expected a mapping with id and "
            "expression, or a `rules:` list of them"
        )
    return items


@rule_app.command("check")
def rule_check(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="rule file (.yaml or a bare .cel)"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable result"),
) -> None:
    """Check rules: compile, every fact known, boolean result / 检查规则."""
    from xinyong.rules.service import RuleError, check_expression

    try:
        items = read_rule_file(file)
    except (ValueError, yaml.YAMLError) as exc:
        raise _fail(str(exc)) from exc
    results, bad = [], 0
    for item in items:
        rid = str(item.get("id", file.stem))
        try:
            rule = check_expression(
                str(item["expression"]), vocabulary=str(item.get("vocabulary", "subject"))
            )
            results.append({"id": rid, "ok": True, "facts": rule.reads})
        except RuleError as exc:
            bad += 1
            results.append({"id": rid, "ok": False, "error": exc.as_dict()})
    if as_json:
        typer.echo(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        for r in results:
            if r["ok"]:
                typer.echo(f"通过 ok  {r['id']}  reads: {', '.join(r['facts'])}")
            else:
                e = r["error"]
                typer.echo(
                    f"拒绝 refused  {r['id']}  line {e['line']} col {e['column']}: {e['zh']} / {e['en']}"
                )
    if bad:
        raise typer.Exit(2)


@rule_app.command("save")
def rule_save(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="rule file (.yaml or a bare .cel)"),
    actor: str = typer.Option("cli", "--actor", help="who saves it"),
    reason: str = typer.Option(..., "--reason", help="why (basis, decision number) / 理由"),
) -> None:
    """Save rules as new versions (unchanged ones are kept) / 保存规则版本."""
    from xinyong.rules.service import RuleError, save_rule

    try:
        items = read_rule_file(file)
        with _session() as session:
            for item in items:
                row = save_rule(
                    session,
                    rule_id=str(item.get("id", file.stem)),
                    expression=str(item["expression"]),
                    vocabulary=str(item.get("vocabulary", "subject")),
                    actor=actor,
                    reason=reason,
                )
                typer.echo(f"已保存 saved {row.rule_id} v{row.version}")
    except (RuleError, ValueError, yaml.YAMLError) as exc:
        raise _fail(str(exc)) from exc


@rule_app.command("eval")
def rule_eval(
    rule: str = typer.Argument(..., help="a saved rule id, or a rule file"),
    subject: str = typer.Option(..., "--subject", help="subject id"),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
    version: int = typer.Option(None, "--version", help="a saved rule's version (default newest)"),
    as_json: bool = typer.Option(False, "--json", help="result plus the facts read, as JSON"),
) -> None:
    """Evaluate a rule for one subject as of a date / 对主体求值."""
    from xinyong.rules.service import RuleError, SubjectNotFound, evaluate

    day = cli_day(as_of, "--as-of")
    path = Path(rule)
    try:
        with _session() as session:
            if path.is_file():
                item = read_rule_file(path)[0]
                decision = evaluate(
                    session, expression=str(item["expression"]), subject_id=subject, as_of=day
                )
            else:
                decision = evaluate(session, rule_id=rule, version=version, subject_id=subject, as_of=day)
    except SubjectNotFound as exc:
        raise _fail(str(exc), 1) from exc
    except RuleError as exc:
        raise _fail(str(exc), 1 if "no such rule" in exc.en else 2) from exc
    if as_json:
        typer.echo(json.dumps(decision.as_dict(), ensure_ascii=False, indent=1))
        return
    verdict = "是 true" if decision.result else "否 false"
    typer.echo(f"{subject}  {rule}  as of {day}: {verdict}")
    for k, v in decision.facts.items():
        typer.echo(f"  {k} = {v!r}")


@rule_app.command("history")
def rule_history_cmd(
    rule_id: str = typer.Argument(..., help="rule id"),
    as_json: bool = typer.Option(False, "--json", help="as JSON"),
) -> None:
    """Every version of a rule / 规则版本历史."""
    from xinyong.rules.service import rule_history

    with _session() as session:
        rows = [
            {
                "version": r.version,
                "expression": r.expression,
                "facts": r.facts,
                "actor": r.actor,
                "reason": r.reason,
                "saved_at": r.saved_at.isoformat(),
                "sha256": r.sha256,
            }
            for r in rule_history(session, rule_id)
        ]
    if not rows:
        raise _fail(f"规则不存在：{rule_id} / no such rule: {rule_id}", 1)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        typer.echo(f"v{r['version']}  {r['saved_at']}  {r['actor']}: {r['reason']}\n    {r['expression']}")


@rule_app.command("facts")
def rule_facts(as_json: bool = typer.Option(False, "--json", help="as JSON")) -> None:
    """The fact vocabulary rules may read / 事实词汇表."""
    from xinyong.rules.facts import vocabulary

    vocab = vocabulary()
    rows = [
        {
            "fact": k,
            "type": s.type,
            "zh": s.zh,
            "en": s.en,
            "default": s.default,
            "keys": s.keys,
            "source": s.source,
            # personal (a person's score): only rules acting for the person may read it (docs/rules.md)
            "personal": s.personal,
            "personal_keys": list(s.personal_keys),
        }
        for k, s in vocab.items()
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1, default=list))
        return
    for r in rows:
        keys = f"  keys: {', '.join(r['keys'])}" if r["keys"] else ""
        mine = r["personal_keys"] if not r["personal"] else ["*"]
        personal = (
            f"  个人，仅本人规则 personal (for_person only): {', '.join(mine)}"
            if r["personal"] or mine
            else ""
        )
        typer.echo(f"{r['fact']}  {r['type']}  {r['zh']} / {r['en']}{keys}{personal}")
