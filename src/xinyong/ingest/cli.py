"""`xinyong ingest` and `xinyong quarantine list/show/retry/accept-irregular/export/import`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from xinyong.settings import get_settings

quarantine_app = typer.Typer(help="Rejected rows / 隔离区：查看、修正、重新提交", no_args_is_help=True)
err = Console(stderr=True)
out = Console()


def _engine():  # noqa: ANN202 - sqlalchemy Engine
    from xinyong.store.db import make_engine
    from xinyong.store.migrate import upgrade

    url = get_settings().database_url
    upgrade(url)
    return make_engine(url)


def _fail(exc: Exception, as_json: bool) -> None:
    zh, en = getattr(exc, "zh", str(exc)), getattr(exc, "en", str(exc))
    if as_json:
        typer.echo(json.dumps({"error": {"zh": zh, "en": en}}, ensure_ascii=False))
    else:
        err.print(f"[red]错误[/red]：{zh}\n[red]error[/red]: {en}", markup=True, highlight=False)
    raise typer.Exit(2)


def ingest(
    path: Path = typer.Argument(..., help="CSV (UTF-8, BOM, GBK/GB18030), XLSX or JSON Lines file"),
    source: str = typer.Option(..., "--source", help="Who supplied the data (department) / 数据来源"),
    kind: str = typer.Option(None, "--kind", help="Catalogue kind id; detected from the headers if absent"),
    as_json: bool = typer.Option(False, "--json", help="Print the batch summary as JSON"),
    submitted_by: str = typer.Option(None, "--submitted-by", help="Officer or system submitting the batch"),
) -> None:
    """Import a file as one batch / 归集导入一个文件（整批提交或整批不提交）."""
    from xinyong.ingest.readers import ReaderError
    from xinyong.ingest.service import ingest_file

    engine = _engine()
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, disable=as_json, transient=False) as bar:
        task = bar.add_task(f"读取与校验 / reading {path.name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, description="写入 / writing", completed=done, total=total)

        try:
            result = ingest_file(
                engine=engine,
                path=path,
                source=source,
                kind=kind,
                submitted_by=submitted_by,
                progress=progress,
            )
        except ReaderError as exc:
            bar.stop()
            _fail(exc, as_json)
            return
    if as_json:
        typer.echo(json.dumps(result.summary()))
        return
    out.print(
        f"批次 batch {result.batch}（{result.kind}" + (f", {result.layout}" if result.layout else "") + "）："
        f"读取 read {result.read}，接收 accepted {result.accepted}，更正 corrected {result.corrected}，"
        f"重复 duplicates {result.duplicates}，隔离 rejected {result.rejected}",
        highlight=False,
    )
    if result.unknown_columns:
        out.print(
            "未识别的列（已保留在原始记录中）/ unknown columns (kept in the original row): "
            + ", ".join(result.unknown_columns),
            highlight=False,
        )
    if result.header_row and result.header_row != 1:
        out.print(
            f"表头在第 {result.header_row} 行 / header found on sheet row {result.header_row}",
            highlight=False,
        )
    for w in result.warnings:
        out.print(
            f"  ! 第 {w['row']} 行 row {w['row']} [{w['field']}] {w['zh']} / {w['en']}",
            highlight=False,
            markup=False,
        )
    if result.rejected:
        out.print(
            f"查看隔离记录 / see the rejected rows: xinyong quarantine list --batch {result.batch}",
            highlight=False,
        )


def _row_json(q) -> dict:  # noqa: ANN001 - QuarantineRow
    return {
        "id": q.id,
        "batch": q.batch_id,
        "row_number": q.row_number,
        "kind": q.kind,
        "source": q.source,
        "status": q.status,
        "raw": q.raw,
        "reasons": q.reasons,
        "resolved_batch": q.resolved_batch_id,
        "created_at": q.created_at.isoformat(),
        "resolved_at": q.resolved_at.isoformat() if q.resolved_at else None,
    }


@quarantine_app.command("list")
def quarantine_list(
    batch: int = typer.Option(None, "--batch", help="Only rows of this batch"),
    all_rows: bool = typer.Option(False, "--all", help="Include resolved rows"),
    limit: int = typer.Option(200, "--limit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List rejected rows and their reasons / 列出隔离记录及原因."""
    from xinyong.ingest.service import list_quarantine

    rows = list_quarantine(engine=_engine(), batch=batch, status=None if all_rows else "open", limit=limit)
    if as_json:
        typer.echo(json.dumps([_row_json(q) for q in rows], ensure_ascii=False))
        return
    table = Table("id", "批次 batch", "行 row", "类别 kind", "状态 status", "原因 reasons")
    for q in rows:
        table.add_row(
            str(q.id),
            str(q.batch_id),
            str(q.row_number),
            q.kind or "",
            q.status,
            "\n".join(f"{r['zh']} / {r['en']}" for r in q.reasons),
        )
    out.print(table)


@quarantine_app.command("show")
def quarantine_show(
    quarantine_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Show one rejected row as given, with every reason / 查看一条隔离记录."""
    from xinyong.ingest.readers import ReaderError
    from xinyong.ingest.service import get_quarantine

    try:
        q = get_quarantine(engine=_engine(), quarantine_id=quarantine_id)
    except ReaderError as exc:
        _fail(exc, as_json)
        return
    if as_json:
        typer.echo(json.dumps(_row_json(q), ensure_ascii=False))
        return
    out.print(
        f"隔离记录 {q.id}：批次 {q.batch_id} 第 {q.row_number} 行，{q.kind}，{q.status}", highlight=False
    )
    for k, v in q.raw.items():
        out.print(f"  {k}: {v}", highlight=False, markup=False)
    for r in q.reasons:
        out.print(f"  ✗ [{r['field']}] {r['zh']} / {r['en']}", highlight=False, markup=False)


@quarantine_app.command("retry")
def quarantine_retry(
    quarantine_id: int = typer.Argument(...),
    sets: list[str] = typer.Option(
        [], "--set", help="field=value (catalogue field name or header); repeatable"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Fix a rejected row and resubmit it / 修正后重新提交隔离记录. Exit 0 when it became a record, 1 otherwise."""
    from xinyong.ingest.readers import ReaderError
    from xinyong.ingest.service import retry_quarantined

    changes = {}
    for item in sets:
        if "=" not in item:
            _fail(
                ReaderError(f"--set 需要 字段=值 的形式：{item}", f"--set needs field=value: {item}"), as_json
            )
        key, value = item.split("=", 1)
        changes[key.strip()] = value
    try:
        result = retry_quarantined(engine=_engine(), quarantine_id=quarantine_id, changes=changes)
    except ReaderError as exc:
        _fail(exc, as_json)
        return
    if as_json:
        typer.echo(json.dumps(result.__dict__, ensure_ascii=False))
    elif result.status == "resolved":
        out.print(
            f"已入库 / accepted: record {result.record_id}（批次 batch {result.batch}"
            + ("，与已有记录重复 / duplicate of a stored record" if result.duplicate else "")
            + "）",
            highlight=False,
        )
    else:
        out.print("仍未通过校验 / still rejected:", highlight=False)
        for r in result.reasons:
            out.print(f"  ✗ [{r['field']}] {r['zh']} / {r['en']}", highlight=False, markup=False)
    raise typer.Exit(0 if result.status == "resolved" else 1)


@quarantine_app.command("accept-irregular")
def quarantine_accept_irregular(
    quarantine_id: int = typer.Argument(...),
    reason: str = typer.Option(
        ..., "--reason", help="Why the code is accepted (e.g. certificate checked) / 理由"
    ),
    officer: str = typer.Option(..., "--officer", help="The authorised officer accepting it / 经办人"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Accept a registered code failing GB 32100 as irregular / 接受不规范登记代码（记入账本）. Exit 0 or 2."""
    from xinyong.ingest.irregular import IrregularCodeError
    from xinyong.ingest.readers import ReaderError
    from xinyong.ingest.service import accept_irregular_code

    try:
        result = accept_irregular_code(
            engine=_engine(), quarantine_id=quarantine_id, officer=officer, reason=reason
        )
    except (IrregularCodeError, ReaderError) as exc:
        _fail(exc, as_json)
        return
    if as_json:
        typer.echo(json.dumps(result.__dict__, ensure_ascii=False))
    else:
        out.print(
            f"已作为不规范代码入库 / accepted as irregular: record {result.record_id}（批次 batch {result.batch}）",
            highlight=False,
        )


@quarantine_app.command("export")
def quarantine_export(
    path: Path = typer.Argument(..., help="XLSX file to write"),
    batch: int = typer.Option(None, "--batch"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Write open quarantined rows with their reasons to XLSX / 导出隔离区（含原因）到 Excel."""
    from xinyong.ingest.quarantine_xlsx import export_quarantine

    count = export_quarantine(engine=_engine(), path=path, batch=batch)
    if as_json:
        typer.echo(json.dumps({"rows": count, "path": str(path)}, ensure_ascii=False))
    else:
        out.print(f"已导出 {count} 行 / exported {count} rows → {path}", highlight=False)


@quarantine_app.command("import")
def quarantine_import(
    path: Path = typer.Argument(..., help="A corrected quarantine export (XLSX)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Resubmit the rows corrected in an exported sheet / 导入修正后的隔离区表格. Exit 0 when none stays open."""
    from xinyong.ingest.quarantine_xlsx import import_corrections
    from xinyong.ingest.readers import ReaderError

    try:
        report = import_corrections(engine=_engine(), path=path)
    except ReaderError as exc:
        _fail(exc, as_json)
        return
    if as_json:
        typer.echo(json.dumps(report.__dict__, ensure_ascii=False))
    else:
        out.print(
            f"入库 resolved {len(report.resolved)}，仍未通过 still open {len(report.still_open)}，"
            f"未修改 unchanged {len(report.unchanged)}，已处理 skipped {len(report.skipped)}",
            highlight=False,
        )
    raise typer.Exit(0 if not report.still_open else 1)


@quarantine_app.command("reject")
def quarantine_reject(
    quarantine_id: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="why the row is not fixable / 驳回原因"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Reject a row that cannot be fixed, with a reason / 驳回隔离记录（须写原因）."""
    from xinyong.ingest.readers import ReaderError
    from xinyong.ingest.service import reject_quarantined

    try:
        q = reject_quarantined(engine=_engine(), quarantine_id=quarantine_id, reason=reason)
    except ReaderError as exc:
        _fail(exc, as_json)
        return
    if as_json:
        typer.echo(json.dumps(_row_json(q), ensure_ascii=False))
    else:
        out.print(f"已驳回 / rejected: {q.id}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.add_typer(quarantine_app, name="quarantine")
