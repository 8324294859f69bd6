"""Load the catalogue (信用信息目录) and map file headers onto it.

`load_catalogue()` reads `catalogue/` (settings.catalogue_dir), validates every file with Pydantic and
caches the result. Errors name the file and the path inside it, e.g.
`kinds/penalty.yaml: fields[3].type: Input should be 'string', 'date', …`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from xinyong.catalogue.headers import normalise_header, stated_unit, without_unit
from xinyong.catalogue.schemas import Catalogue, FieldSpec, KindSpec, LayoutSpec, SubjectFieldsFile
from xinyong.settings import get_settings


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message names the file and the path inside it."""


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def _read(path: Path, root: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.relative_to(root)}: invalid YAML: {exc}") from exc


def _validate(model: type, data: Any, path: Path, root: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        msgs = "; ".join(f"{_loc(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise CatalogueError(f"{path.relative_to(root)}: {msgs}") from exc


def _with_subject_fields(data: Any, shared: tuple[FieldSpec, ...]) -> Any:
    """Append the shared subject fields a kind does not redefine (the kind's own definition wins)."""
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        return data
    own = {f.get("name") for f in data["fields"] if isinstance(f, dict)}
    extra = [f.model_dump() for f in shared if f.name not in own]
    return {**data, "fields": [*data["fields"], *extra]}


@lru_cache(maxsize=8)
def load_catalogue(directory: Path | None = None) -> Catalogue:
    root = Path(directory or get_settings().catalogue_dir)
    shared_path = root / "subject_fields.yaml"
    shared: tuple[FieldSpec, ...] = ()
    if shared_path.exists():
        shared = _validate(SubjectFieldsFile, _read(shared_path, root), shared_path, root).fields
    kinds: dict[str, KindSpec] = {}
    for path in sorted((root / "kinds").glob("*.yaml")):
        spec: KindSpec = _validate(KindSpec, _with_subject_fields(_read(path, root), shared), path, root)
        if spec.id != path.stem:
            raise CatalogueError(f"{path.relative_to(root)}: id: '{spec.id}' must equal the file name")
        _check_aliases(spec, path.relative_to(root))
        kinds[spec.id] = spec
    if not kinds:
        raise CatalogueError(f"{root}: no kinds found under kinds/*.yaml")
    layouts: dict[str, LayoutSpec] = {}
    for path in sorted((root / "layouts").glob("*.yaml")):
        layout: LayoutSpec = _validate(LayoutSpec, _read(path, root), path, root)
        rel = path.relative_to(root)
        if layout.kind not in kinds:
            raise CatalogueError(f"{rel}: kind: unknown kind '{layout.kind}'")
        names = {f.name for f in kinds[layout.kind].fields}
        for header, target in layout.columns.items():
            if target not in names:
                raise CatalogueError(f"{rel}: columns.{header}: unknown field '{target}' of {layout.kind}")
        layouts[layout.id] = layout
    return Catalogue(kinds=kinds, layouts=layouts)


def _check_aliases(spec: KindSpec, rel: Path) -> None:
    seen: dict[str, str] = {}
    for i, f in enumerate(spec.fields):
        for header in (f.name, f.label_zh, *f.aliases):
            key = normalise_header(header)
            if seen.get(key, f.name) != f.name:
                raise CatalogueError(
                    f"{rel}: fields[{i}].aliases: header '{header}' already names field '{seen[key]}'"
                )
            seen[key] = f.name


@lru_cache(maxsize=64)
def header_index(kind: str, directory: Path | None = None) -> dict[str, str]:
    """normalised header → field name, for one kind."""
    spec = load_catalogue(directory).kinds[kind]
    out: dict[str, str] = {}
    for f in spec.fields:
        for header in (f.name, f.label_zh, *f.aliases):
            out[normalise_header(header)] = f.name
    return out


@dataclass
class ColumnMapping:
    """How a file's columns map onto one kind."""

    kind: str
    layout: str | None
    columns: dict[str, str]  # header as in the file → field name
    unknown: list[str] = field(default_factory=list)  # headers matching no field (kept in `original`)
    duplicate_targets: list[str] = field(default_factory=list)  # headers shadowed by an earlier one


def map_columns(
    headers: list[str], kind: str, layout: LayoutSpec | None = None, directory: Path | None = None
) -> ColumnMapping:
    index = header_index(kind, directory)
    overrides = {normalise_header(h): f for h, f in (layout.columns.items() if layout else ())}
    mapping = ColumnMapping(kind=kind, layout=layout.id if layout else None, columns={})
    used: set[str] = set()
    for header in headers:
        key = normalise_header(header)
        target = overrides.get(key) or index.get(key) or _amount_with_unit(header, index, kind, directory)
        if target is None:
            mapping.unknown.append(header)
        elif target in used:
            # Two columns for one field (e.g. both 处罚类别 and CF_CFLB): the first wins, the other is
            # reported and kept in `original` so nothing is silently lost.
            mapping.duplicate_targets.append(header)
        else:
            used.add(target)
            mapping.columns[header] = target
    return mapping


def _amount_with_unit(header: str, index: dict[str, str], kind: str, directory: Path | None) -> str | None:
    """A money field named with a unit its catalogue spelling does not carry: `罚款金额(元)`,
    `罚没金额（元）` → the field `罚款金额` / `罚没金额` names, when that field has a unit (`unit_zh`)."""
    base = without_unit(header)
    target = index.get(base) if base else None
    if target is None:
        return None
    spec = load_catalogue(directory).kinds[kind].field(target)
    return target if spec.type == "decimal" and spec.unit_zh else None


def header_unit(header: str, spec: FieldSpec) -> str | None:
    """The money unit a column's values are in: the unit its header states (`（元）`, `（万元）`);
    for a field code or the English field name (`CF_NR_FK`, `fine_amount`) the catalogue's unit
    (`unit_zh`, the standard's); None for a Chinese header that states no unit (`罚款金额`):
    元 or 万元 cannot be told, and the value is not guessed."""
    unit = stated_unit(header)
    if unit:
        return unit
    return spec.unit_zh if normalise_header(header).isascii() else None


def header_units(spec: KindSpec, mapping: ColumnMapping) -> dict[str, tuple[str, str | None]]:
    """{field: (header, unit the header gives it in)} for the money fields (decimal with `unit_zh`)
    whose header does not give them in the catalogue's unit: the values are converted (元 ↔ 万元),
    or, unit None, rejected with reason `amount_unit` (docs/ingest.md, "Amounts")."""
    out: dict[str, tuple[str, str | None]] = {}
    for header, name in mapping.columns.items():
        f = spec.field(name)
        if f.type == "decimal" and f.unit_zh:
            unit = header_unit(header, f)
            if unit != f.unit_zh:
                out[name] = (header, unit)
    return out


def detect_layout(headers: list[str], directory: Path | None = None) -> LayoutSpec | None:
    """The layout with most signature headers present (at least its min_match); ties go to the
    larger share of the signature."""
    keys = {normalise_header(h) for h in headers}
    best: tuple[tuple[int, float], LayoutSpec] | None = None
    for layout in load_catalogue(directory).layouts.values():
        hits = sum(1 for s in layout.signature if normalise_header(s) in keys)
        if hits >= layout.min_match:
            score = (hits, hits / len(layout.signature))
            if best is None or score > best[0]:
                best = (score, layout)
    return best[1] if best else None


def detect_kind(headers: list[str], directory: Path | None = None) -> tuple[str | None, LayoutSpec | None]:
    """The layout's kind when a known layout matches; otherwise the kind whose own (non-subject)
    fields match most headers and whose required fields are all present."""
    layout = detect_layout(headers, directory)
    if layout:
        return layout.kind, layout
    cat = load_catalogue(directory)
    best: tuple[int, str] | None = None
    for kind, spec in cat.kinds.items():
        mapped = set(map_columns(headers, kind, None, directory).columns.values())
        own = mapped - spec.subject_field_names
        required = {f.name for f in spec.fields if f.required}
        if not own or not required <= mapped:
            continue
        if best is None or len(own) > best[0]:
            best = (len(own), kind)
    return (best[1] if best else None), None
