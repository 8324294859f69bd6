"""A lower domain never imports a higher one (docs/architecture.md, which holds the order).

Every module under src/xinyong is parsed with `ast`; every import of another xinyong domain — at the top
of the file, inside a function, under TYPE_CHECKING, or `importlib.import_module` / `__import__` with a
literal name — must go to a lower layer. Registries (lists of module names imported by a variable) are
how a higher domain plugs into a lower one, and are not imports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "xinyong"
ORDER_DOC = ROOT / "docs" / "architecture.md"

# Imports that break the order today: (importing module, imported module) → why it is still there. The test
# fails on any import not listed here and on an entry that no longer occurs (remove it once it is fixed).
ALLOWED: dict[tuple[str, str], str] = {
    # records ↔ ledger: the record service appends every write to the ledger in the same transaction,
    # while the ledger reads records back to audit them. Fix: a ledger "append" primitive below records.
    ("xinyong.records.service", "xinyong.ledger.service"): "record writes append a ledger leaf",
    # records' and subjects' own HTTP and CLI surfaces use the web shell (accounts.deps, console templating)
    # and the disclosure policy, which know subjects and records: the knot at the bottom of the order.
    ("xinyong.records.cli", "xinyong.disclosure.policy"): "the CLI shows records through the policy",
    (
        "xinyong.records.cli",
        "xinyong.accounts.deps",
    ): "`xinyong record history` writes the access log (accounts.deps.log_access)",
    ("xinyong.subjects.api", "xinyong.accounts.deps"): "route authentication (web shell)",
    ("xinyong.subjects.api", "xinyong.disclosure.policy"): "the API presents subjects through the policy",
    ("xinyong.subjects.pages", "xinyong.accounts.deps"): "route authentication (web shell)",
    ("xinyong.subjects.pages", "xinyong.console.templating"): "console templates (web shell)",
    ("xinyong.subjects.pages", "xinyong.disclosure.policy"): "the pages present subjects through the policy",
    ("xinyong.subjects.merge", "xinyong.ledger.service"): "a merge is logged in the transparency log",
    ("xinyong.accounts.pages", "xinyong.console.templating"): "console templates (web shell)",
    # the policy reads record status (status.models) in its SQL filter, but status sits above it: its API
    # checks viewers through the policy and accounts, its service appends to the ledger. Fix: the status
    # tables in a lower place (they import only store).
    ("xinyong.disclosure.policy", "xinyong.status.models"): "the visibility filter reads status events",
    # demo's `xinyong demo` serves the console after building: it reuses the root CLI's `serve`.
    ("xinyong.demo.cli", "xinyong.cli"): "`xinyong demo` ends by serving, like `xinyong serve`",
}


def load_order(text: str | None = None) -> tuple[dict[str, int], set[str]]:
    """({domain: layer index}, roots) from the ```yaml block of docs/architecture.md."""
    text = ORDER_DOC.read_text(encoding="utf-8") if text is None else text
    [block] = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    data = yaml.safe_load(block)
    rank: dict[str, int] = {}
    for i, layer in enumerate(data["layers"]):
        for domain in layer:
            assert domain not in rank, f"{domain} is in two layers"
            rank[domain] = i
    return rank, set(data["roots"])


def domain_of(module: str) -> str:
    """`xinyong.lists.service` → `lists`; `xinyong.clock` → `clock`."""
    return module.split(".")[1]


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every absolute xinyong import anywhere in the tree."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "xinyong":  # from xinyong import clock
                found += [(node.lineno, f"xinyong.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"line {node.lineno}: relative import; use absolute xinyong.… imports")
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) in ("importlib.import_module", "import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return sorted((line, m) for line, m in found if m.startswith("xinyong."))


def violations(module: str, source: str, rank: dict[str, int], roots: set[str]) -> list[tuple[int, str]]:
    """(line, imported module) of each import by `module` that does not go to a lower layer."""
    own = domain_of(module)
    if own in roots:
        return []
    out = []
    for line, target in imported_modules(ast.parse(source)):
        other = domain_of(target)
        if other == own or other == "__version__":
            continue
        if other in roots or other not in rank or rank[other] >= rank[own]:
            out.append((line, target))
    return out


def package_modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) > 1:  # xinyong/__init__.py is the package itself
            out[".".join(parts)] = path
    return out


def test_every_domain_has_a_place_in_the_order():
    rank, roots = load_order()
    domains = {p.name for p in PACKAGE.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    domains |= {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert domains - set(rank) - roots == set(), "give each new domain a layer in docs/architecture.md"
    assert (set(rank) | roots) - domains == set(), "the order names a domain that does not exist"


def test_no_lower_domain_imports_a_higher_one():
    rank, roots = load_order()
    found = {}
    for module, path in package_modules().items():
        for line, target in violations(module, path.read_text(encoding="utf-8"), rank, roots):
            found.setdefault((module, target), f"{path.relative_to(ROOT)}:{line}")
    new = {k: v for k, v in found.items() if k not in ALLOWED}
    assert new == {}, (
        "these imports go from a lower domain to a peer or a higher one (docs/architecture.md): "
        "move the dependency behind a registry of module names"
    )
    stale = set(ALLOWED) - set(found)
    assert stale == set(), "fixed: remove these entries from ALLOWED"


# The checker itself can fail: fake modules with the imports it must catch and those it must let through.
FAKE_ORDER = """
```yaml
layers:
  - [kernel]
  - [low]
  - [mid, peer]
  - [high]
roots: [app]
```
"""


def test_the_checker_catches_every_form_of_upward_import():
    rank, roots = load_order(FAKE_ORDER)
    source = (
        "import importlib\n"
        "import xinyong.high.service\n"  # 2: top level
        "from xinyong.high.models import Thing\n"  # 3
        "from xinyong import high\n"  # 4: the package
        "def f():\n"
        "    from xinyong.high.service import g\n"  # 6: inside a function
        "    return importlib.import_module('xinyong.high.sections')\n"  # 7: literal dynamic import
        "from xinyong.peer import x\n"  # 8: a peer
        "from xinyong.app import create_app\n"  # 9: a composition root
        "from xinyong.nowhere import y\n"  # 10: a domain without a layer
    )
    assert [line for line, _ in violations("xinyong.mid.service", source, rank, roots)] == [
        2, 3, 4, 6, 7, 8, 9, 10,
    ]  # fmt: skip


def test_the_checker_lets_downward_imports_registries_and_roots_through():
    rank, roots = load_order(FAKE_ORDER)
    source = (
        "import importlib\n"
        "from xinyong.low.models import A\n"
        "from xinyong import kernel\n"
        "from xinyong.mid.other import B\n"  # own domain
        "import sqlalchemy\n"
        "SECTIONS = ['xinyong.high.sections']\n"  # a registry: names, not imports
        "def blocks():\n"
        "    return [importlib.import_module(n) for n in SECTIONS]\n"
    )
    assert violations("xinyong.mid.service", source, rank, roots) == []
    assert violations("xinyong.app", "import xinyong.high.pages\n", rank, roots) == []  # roots compose


def test_the_real_order_rejects_a_lower_domain_importing_lists():
    """The violation this test was written for: public importing lists.service must fail again."""
    rank, roots = load_order()
    source = "def f():\n    from xinyong.lists.service import card_lists\n"
    assert violations("xinyong.public.service", source, rank, roots) == [(2, "xinyong.lists.service")]
