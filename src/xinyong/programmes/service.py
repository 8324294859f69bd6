"""Load and validate the district programmes (programmes/*.yaml).

A malformed file stops the load with an error naming the file, the path inside it and the reason
in Chinese and English, e.g.
`120101_heping.yaml: pilot.roster[0].count: 应为整数 / Input should be a valid integer`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from xinyong.programmes.schemas import District, Programme
from xinyong.settings import get_settings


class ProgrammeError(ValueError):
    """A programme file that cannot be used; the message names file, path and reason."""


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _explain(name: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        lines.append(f"{name}: {_path(err['loc'])}: 字段无效 / {err['msg']}")
    return "\n".join(lines)


def load_file(path: Path) -> Programme:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProgrammeError(f"{path.name}: YAML 语法错误 / YAML syntax error: {exc}") from exc
    if not isinstance(data, dict):
        raise ProgrammeError(f"{path.name}: 文件应为映射 / the file must be a mapping")
    try:
        programme = Programme.model_validate(data)
    except ValidationError as exc:
        raise ProgrammeError(_explain(path.name, exc)) from exc
    if not path.stem.startswith(programme.district.code):
        raise ProgrammeError(
            f"{path.name}: 文件名应以区划代码 {programme.district.code} 开头 / "
            f"file name must start with the division code {programme.district.code}"
        )
    return programme


def _resolve(directory: Path | None) -> Path:
    # district_of runs once per ingested subject: read the env var, not the whole Settings, each time.
    return _resolved(str(directory) if directory else os.environ.get("XINYONG_PROGRAMMES_DIR", ""))


@lru_cache(maxsize=32)
def _resolved(directory: str) -> Path:
    return Path(directory or get_settings().programmes_dir).resolve()


def load_programmes(directory: Path | None = None) -> tuple[Programme, ...]:
    """All programmes, sorted by district code (cached per directory; default XINYONG_PROGRAMMES_DIR)."""
    return _load(_resolve(directory))


@lru_cache(maxsize=8)
def _load(directory: Path) -> tuple[Programme, ...]:
    progs = [load_file(path) for path in sorted(directory.glob("*.yaml"))]
    codes = [p.district.code for p in progs]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise ProgrammeError(f"区划代码重复 / duplicate district codes: {dupes}")
    pilots = [p.pilot.id for p in progs]
    if len(pilots) != len(set(pilots)):
        raise ProgrammeError("试点编号重复 / duplicate pilot ids")
    return tuple(sorted(progs, key=lambda p: p.district.code))


def load_districts(directory: Path | None = None) -> list[District]:
    return [p.district for p in load_programmes(directory)]


def programme_of(district_code: str, directory: Path | None = None) -> Programme | None:
    return next((p for p in load_programmes(directory) if p.district.code == district_code), None)


def district_of(division_code: str | None, directory: Path | None = None) -> str | None:
    """Map a division code (USCC chars 3-8 / ID chars 1-6) to a known district code; former codes
    of a district (a citizen ID issued under 宝坻县 120224) map to the district they became."""
    if not division_code:
        return None
    return _division_map(_resolve(directory)).get(division_code)


@lru_cache(maxsize=8)
def _division_map(directory: Path) -> dict[str, str]:
    """Current and former division codes → district code (120224 宝坻县 → 120115 宝坻区)."""
    mapping: dict[str, str] = {}
    programmes = _load(directory)
    for p in programmes:
        for former in p.district.former_codes:
            mapping.setdefault(former.code, p.district.code)
    for p in programmes:
        mapping[p.district.code] = p.district.code
    return mapping
