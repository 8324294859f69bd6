"""Load commitment templates from catalogue/commitments/*.yaml (settings.catalogue_dir), validated.

A bad file fails loudly with its file, field and reason (Chinese and English); nothing loads."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from xinyong.commitments.schemas import Template
from xinyong.settings import get_settings


class TemplateError(ValueError):
    """A template file that does not validate, or an unknown template id."""


def _dir(directory: Path | None) -> Path:
    return Path(directory or get_settings().catalogue_dir) / "commitments"


@lru_cache(maxsize=8)
def _load(root: Path) -> dict[str, Template]:
    out: dict[str, Template] = {}
    for path in sorted(root.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            template = Template.model_validate(data)
        except yaml.YAMLError as exc:
            raise TemplateError(f"{path.name}: YAML 无法解析 / not valid YAML: {exc}") from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(file)"
            raise TemplateError(
                f"{path.name}: {where}: 承诺模板无效 / invalid template: {first['msg']}"
            ) from exc
        if template.id != path.stem:
            raise TemplateError(f"{path.name}: id: '{template.id}' 应与文件名一致 / must equal the file name")
        out[template.id] = template
    return out


def load_templates(directory: Path | None = None) -> dict[str, Template]:
    """{template id: Template} of every file, in file-name order."""
    return _load(_dir(directory).resolve())


def get_template(template_id: str, directory: Path | None = None) -> Template:
    """One template; TemplateError naming the known ids when it does not exist."""
    templates = load_templates(directory)
    if template_id not in templates:
        raise TemplateError(
            f"未知承诺模板 {template_id!r}，可选：{'、'.join(templates)} / "
            f"unknown commitment template {template_id!r}; one of {', '.join(templates)}"
        )
    return templates[template_id]


def template_digest(template: Template) -> str:
    """SHA-256 of the template's canonical JSON: which exact text a commitment was signed against."""
    return hashlib.sha256(template.model_dump_json().encode("utf-8")).hexdigest()


def templates_for(*, pilot: str | None, district_code: str | None, kind: str | None) -> list[Template]:
    """Templates a subject of this pilot, district and kind may sign."""
    return [
        t
        for t in load_templates().values()
        if (not t.pilots or pilot in t.pilots)
        and (not t.districts or district_code in t.districts)
        and (kind is None or kind in t.subject_kinds)
    ]
