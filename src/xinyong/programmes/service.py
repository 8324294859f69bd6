"""Load and validate the district programmes."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from xinyong.programmes.schemas import District, Programme
from xinyong.settings import get_settings


@lru_cache(maxsize=4)
def load_programmes(directory: Path | None = None) -> tuple[Programme, ...]:
    directory = directory or get_settings().programmes_dir
    progs = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        try:
            progs.append(Programme.model_validate(data))
        except ValueError as exc:
            raise ValueError(f"{path.name}: {exc}") from exc
    return tuple(sorted(progs, key=lambda p: p.district.code))


def load_districts(directory: Path | None = None) -> list[District]:
    return [p.district for p in load_programmes(directory)]


def district_of(division_code: str | None, directory: Path | None = None) -> str | None:
    """Map a division code (USCC chars 3-8 / ID chars 1-6) to a known district code."""
    if not division_code:
        return None
    codes = {d.code for d in load_districts(directory)}
    return division_code if division_code in codes else None
