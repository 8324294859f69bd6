"""`xinyong check-id`: validate USCCs and citizen IDs. `xinyong merge subjects/undo/history`: an
officer's subject merges (xinyong.subjects.merge), with the operator's rights on the database."""

from __future__ import annotations

import json

import typer

from xinyong.subjects.identifiers import check_any

merge_app = typer.Typer(
    help="Subject merges (undoable, kept in history) / 主体合并（可撤销，留痕）", no_args_is_help=True
)


def check_id(codes: list[str] = typer.Argument(..., help="USCCs or citizen ID numbers")) -> None:
    """Validate identifiers / 校验统一社会信用代码与身份证号. Exit 0 when all are valid, 1 otherwise."""
    all_valid = True
    for raw in codes:
        result = check_any(raw)
        if result.valid:
            typer.echo(f"{raw}\tvalid\t{result.kind}\t{result.value}")
        else:
            all_valid = False
            typer.echo(f"{raw}\tinvalid: {result.reason()}")
    raise typer.Exit(0 if all_valid else 1)


def _decision(d) -> dict:  # noqa: ANN001 - a SubjectMerge
    return {
        "id": d.id,
        "action": d.action,
        "kept_id": d.kept_id,
        "merged_id": d.merged_id,
        "undoes": d.undoes,
        "officer": d.officer,
        "reason": d.reason,
        "decided_at": d.decided_at.isoformat(timespec="seconds"),
        "records": d.records,
        "leaf_index": d.leaf_index,
    }


def _run(action, as_json: bool) -> None:  # noqa: ANN001 - a callable taking the session
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope
    from xinyong.subjects.merge import MergeError

    try:
        with session_scope(make_engine(get_settings().database_url)) as session:
            out = _decision(action(session))
    except MergeError as exc:
        if as_json:
            typer.echo(json.dumps({"error": {"zh": exc.zh, "en": exc.en}}, ensure_ascii=False))
        else:
            typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
    else:
        verb = "已合并 / merged" if out["action"] == "merge" else "已撤销合并 / merge undone"
        typer.echo(
            f"{verb}: decision {out['id']} — {out['merged_id']} → {out['kept_id']}, records moved {out['records']}"
        )


@merge_app.command("subjects")
def merge_subjects_cmd(
    merged_id: str = typer.Argument(..., help="the subject merged away (its records move)"),
    into: str = typer.Option(..., "--into", help="the subject kept"),
    reason: str = typer.Option(..., "--reason", help="why they are one entity / 理由"),
    officer: str = typer.Option(..., "--officer", help="the officer deciding / 经办人"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Merge two subjects found to be one / 合并同一主体. Exit 0, or 2 when refused (nothing changes)."""
    from xinyong.subjects.merge import merge_subjects

    _run(
        lambda s: merge_subjects(s, merged_id=merged_id, kept_id=into, officer=officer, reason=reason),
        as_json,
    )


@merge_app.command("undo")
def undo_merge_cmd(
    merge_id: int = typer.Argument(..., help="the merge decision to undo"),
    reason: str = typer.Option(..., "--reason", help="why the merge was wrong / 理由"),
    officer: str = typer.Option(..., "--officer", help="the officer deciding / 经办人"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Undo a merge, restoring the split / 撤销合并. Exit 0, or 2 when refused (nothing changes)."""
    from xinyong.subjects.merge import undo_merge

    _run(lambda s: undo_merge(s, merge_id=merge_id, officer=officer, reason=reason), as_json)


@merge_app.command("history")
def merge_history_cmd(
    subject_id: str = typer.Argument(..., help="a subject id"),
) -> None:
    """Every merge and undo naming the subject, oldest first (JSON lines) / 合并历史."""
    from xinyong.settings import get_settings
    from xinyong.store.db import make_engine, session_scope
    from xinyong.subjects.merge import merge_history

    with session_scope(make_engine(get_settings().database_url)) as session:
        for d in merge_history(session, subject_id):
            typer.echo(json.dumps(_decision(d), ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command("check-id")(check_id)
    app.add_typer(merge_app, name="merge")
