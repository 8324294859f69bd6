"""Type-check a parsed rule against a fact vocabulary, and translate it to a DuckDB SQL predicate.

Types: "bool", "int", "double", "string", ("list", elem), ("map", value, keys), ("ns", prefix) for a
namespace such as `records` (only a field may be selected from it). Facts are never null: every
fact has a value for every subject (its documented default when nothing is known).

The translation reads one column per fact (`column_name`): `kind`, `records.negative_serious_3y`,
`grade[city_enterprise]`. The facts table has exactly those columns (xinyong.rules.facts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xinyong.rules.lang import Node, RuleError

NUMERIC = ("int", "double")
SCALARS = {"bool", "int", "double", "string"}


def parse_type(text: str, keys: tuple[str, ...] | None = None) -> Any:
    """ "string" → "string"; "list<string>" → ("list", "string"); "map<string,double>" →
    ("map", "double", keys)."""
    if text in SCALARS:
        return text
    if text.startswith("list<") and text.endswith(">"):
        return ("list", parse_type(text[5:-1]))
    if text.startswith("map<string,") and text.endswith(">"):
        return ("map", parse_type(text[11:-1]), tuple(keys or ()))
    raise ValueError(f"unknown fact type {text!r}")


def type_name(t: Any) -> str:
    if isinstance(t, str):
        return t
    if t[0] == "list":
        return f"list<{type_name(t[1])}>"
    if t[0] == "map":
        return f"map<string,{type_name(t[1])}>"
    return f"namespace {t[1]}"


def column_name(fact: str, key: str | None = None) -> str:
    """The facts-table column holding `fact` (and map `key`)."""
    return f"{fact}[{key}]" if key is not None else fact


@dataclass
class Checked:
    """The outcome of `check`: the typed tree, its result type and the (fact, key) pairs it reads."""

    tree: Node
    type: Any
    reads: set[tuple[str, str | None]] = field(default_factory=set)


def _err(node: Node, zh: str, en: str) -> RuleError:
    return RuleError(zh, en, node.pos)


# refuse(fact, map key or None) → (zh, en) when the read is not allowed here, else None
Refusal = Callable[[str, "str | None"], "tuple[str, str] | None"]


class _Checker:
    def __init__(self, vocabulary: dict[str, Any], refuse: Refusal | None = None) -> None:
        # vocabulary: fact key → parsed type
        self.vocab = vocabulary
        self.refuse = refuse
        self.prefixes = {k.rsplit(".", 1)[0] for k in vocabulary if "." in k}
        for k in list(self.prefixes):
            parts = k.split(".")
            self.prefixes |= {".".join(parts[:i]) for i in range(1, len(parts))}
        self.reads: set[tuple[str, str | None]] = set()
        self.depth = 0

    def read(self, node: Node, fact: str, key: str | None) -> None:
        """Record a fact read; RuleError at the read's position when `refuse` forbids it."""
        why = self.refuse(fact, key) if self.refuse is not None else None
        if why is not None:
            raise _err(node, *why)
        self.reads.add((fact, key))

    def name(self, node: Node, name: str, scope: dict[str, Any]) -> Any:
        if name in scope:
            node.fact = None
            return scope[name]
        if name in self.vocab:
            node.fact = name
            t = self.vocab[name]
            if not (isinstance(t, tuple) and t[0] == "map"):
                self.read(node, name, None)
            return t
        if name in self.prefixes:
            return ("ns", name)
        raise _err(
            node,
            f"未知事实 {name!r}（见 xinyong rule facts）",
            f"unknown fact {name!r} (see xinyong rule facts)",
        )

    def map_read(self, node: Node, base: Node, t: Any, key: str) -> Any:
        if t[2] and key not in t[2]:
            shown = ", ".join(t[2][:12])
            raise _err(
                node,
                f"{base.fact} 没有键 {key!r}（可用：{shown}）",
                f"{base.fact} has no key {key!r} (known: {shown})",
            )
        node.fact, node.key = base.fact, key
        self.read(node, base.fact or "", key)
        return t[1]

    def check(self, node: Node, scope: dict[str, Any]) -> Any:
        node.type = self._check(node, scope)
        if isinstance(node.type, tuple) and node.type[0] == "map" and node.op not in ("ident", "select"):
            raise _err(node, "映射只能按键取值", "a map can only be read by key")
        return node.type

    def _check(self, node: Node, scope: dict[str, Any]) -> Any:  # noqa: C901, PLR0911, PLR0912 - one case per node kind
        op = node.op
        if op == "lit":
            v = node.value
            return (
                "bool"
                if isinstance(v, bool)
                else "int"
                if isinstance(v, int)
                else "double"
                if isinstance(v, float)
                else "string"
            )
        if op == "ident":
            return self.name(node, node.value, scope)
        if op == "select":
            base = node.args[0]
            t = self.check(base, scope)
            if isinstance(t, tuple) and t[0] == "ns":
                return self.name(node, f"{t[1]}.{node.value}", {})
            if isinstance(t, tuple) and t[0] == "map" and base.fact:
                return self.map_read(node, base, t, node.value)
            raise _err(
                node, f"{type_name(t)} 没有字段 {node.value!r}", f"{type_name(t)} has no field {node.value!r}"
            )
        if op == "index":
            base, key = node.args
            t = self.check(base, scope)
            if isinstance(t, tuple) and t[0] == "map" and base.fact:
                if key.op != "lit" or not isinstance(key.value, str):
                    raise _err(key, "映射的键须为字符串常量", "a map key must be a string literal")
                key.type = "string"
                return self.map_read(node, base, t, key.value)
            raise _err(
                node,
                f"不能对 {type_name(t)} 使用 [ ]",
                f"cannot index {type_name(t)} (no list indexing in rules)",
            )
        if op == "list":
            if not node.args:
                raise _err(
                    node,
                    "不支持空列表常量；请用 size(x) == 0",
                    "empty list literals are not supported; use size(x) == 0",
                )
            types = [self.check(a, scope) for a in node.args]
            for a, t in zip(node.args, types, strict=True):
                if t != types[0] or t not in SCALARS:
                    raise _err(
                        a, "列表元素须为同一种简单类型", "list elements must all have the same scalar type"
                    )
            return ("list", types[0])
        if op == "not":
            self.want(node.args[0], scope, "bool")
            return "bool"
        if op == "neg":
            t = self.check(node.args[0], scope)
            if t not in NUMERIC:
                raise _err(node, f"不能对 {type_name(t)} 取负", f"cannot negate {type_name(t)}")
            return t
        if op in ("and", "or"):
            self.want(node.args[0], scope, "bool")
            self.want(node.args[1], scope, "bool")
            return "bool"
        if op == "cmp":
            a, b = (self.check(x, scope) for x in node.args)
            if node.value in ("==", "!="):
                ok = a == b or (a in NUMERIC and b in NUMERIC)
                ok = ok and not (isinstance(a, tuple) and a[0] in ("map", "ns"))
            else:
                ok = (a in NUMERIC and b in NUMERIC) or (a == b == "string")
            if not ok:
                raise _err(
                    node,
                    f"不能比较 {type_name(a)} 与 {type_name(b)}",
                    f"cannot compare {type_name(a)} with {type_name(b)}",
                )
            return "bool"
        if op == "arith":
            a, b = (self.check(x, scope) for x in node.args)
            if node.value == "+" and a == b and (a == "string" or (isinstance(a, tuple) and a[0] == "list")):
                return a
            if a == b and a in NUMERIC:
                return a
            raise _err(
                node,
                f"{type_name(a)} {node.value} {type_name(b)} 无定义（int 与 double 须先转换）",
                f"{type_name(a)} {node.value} {type_name(b)} is undefined (convert int/double explicitly)",
            )
        if op == "in":
            a, b = (self.check(x, scope) for x in node.args)
            if isinstance(b, tuple) and b[0] == "list" and b[1] == a:
                return "bool"
            raise _err(
                node,
                f"{type_name(a)} in {type_name(b)} 无定义",
                f"{type_name(a)} in {type_name(b)} is undefined",
            )
        if op == "cond":
            self.want(node.args[0], scope, "bool")
            a, b = (self.check(x, scope) for x in node.args[1:])
            if a != b:
                raise _err(
                    node,
                    f"两个分支类型不同：{type_name(a)} 与 {type_name(b)}",
                    f"branches differ: {type_name(a)} and {type_name(b)}",
                )
            return a
        if op == "call":
            return self.call(node, scope)
        raise _err(
            node, f"不支持 {op}", f"{op} is not supported"
        )  # pragma: no cover - parser never builds it

    def want(self, node: Node, scope: dict[str, Any], expected: str) -> None:
        t = self.check(node, scope)
        if t != expected:
            raise _err(
                node, f"此处应为 {expected}，实为 {type_name(t)}", f"expected {expected}, got {type_name(t)}"
            )

    def call(self, node: Node, scope: dict[str, Any]) -> Any:  # noqa: PLR0911 - one case per function
        fn, args = node.value, node.args
        if node.key == "method" and fn in ("exists", "all"):
            target, *rest = args
            t = self.check(target, scope)
            if not (isinstance(t, tuple) and t[0] == "list"):
                raise _err(node, f"{fn}() 只用于列表", f"{fn}() applies to lists only")
            if len(rest) != 2 or rest[0].op != "ident":
                raise _err(
                    node,
                    f"{fn}(变量, 条件) 的写法不对",
                    f"{fn}(var, predicate) expects a variable and a predicate",
                )
            var = rest[0].value
            if var in self.vocab or var in self.prefixes or var in scope:
                raise _err(rest[0], f"变量名 {var!r} 与事实重名", f"variable {var!r} shadows a fact")
            rest[0].type = t[1]
            self.depth += 1
            node.fact = f"_v{self.depth}"
            self.want(rest[1], {**scope, var: t[1]}, "bool")
            self.depth -= 1
            return "bool"
        if node.key == "method":
            target, *rest = args
        else:
            target, rest = None, args
        if fn == "size":
            arg = target if target is not None else (rest[0] if len(rest) == 1 else None)
            if arg is None or (target is not None and rest):
                raise _err(node, "size() 需要一个参数", "size() takes one argument")
            t = self.check(arg, scope)
            if not (isinstance(t, tuple) and t[0] == "list"):
                raise _err(node, "size() 只用于列表", "size() applies to lists only")
            return "int"
        if fn in ("startsWith", "endsWith", "contains") and target is not None:
            if len(rest) != 1:
                raise _err(node, f"{fn}() 需要一个参数", f"{fn}() takes one argument")
            self.want(target, scope, "string")
            self.want(rest[0], scope, "string")
            return "bool"
        if fn in ("int", "double") and target is None:
            if len(rest) != 1:
                raise _err(node, f"{fn}() 需要一个参数", f"{fn}() takes one argument")
            t = self.check(rest[0], scope)
            if t not in NUMERIC:
                raise _err(node, f"{fn}() 只转换数值", f"{fn}() converts numbers only")
            return fn
        raise _err(node, f"不支持的函数 {fn}()", f"function {fn}() is not supported in rules")


def check(
    tree: Node, vocabulary: dict[str, Any], *, refuse: Refusal | None = None, boolean: bool = True
) -> Checked:
    """Type-check `tree` (from `lang.parse`) against {fact key: parsed type}; RuleError on the first
    problem, naming its position. The result type must be bool (unless `boolean=False`). `refuse`
    (fact, key) → (zh, en) or None: a read it answers is refused at its position (personal facts)."""
    checker = _Checker(vocabulary, refuse)
    t = checker.check(tree, {})
    if boolean and t != "bool":
        raise RuleError(
            f"规则的结果须为布尔值（实为 {type_name(t)}）",
            f"a rule must be boolean (it is {type_name(t)})",
            tree.pos,
        )
    return Checked(tree=tree, type=t, reads=checker.reads)


# --------------------------------------------------------------------------- SQL


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_SQL_CMP = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def to_sql(node: Node, scope: dict[str, str] | None = None) -> str:  # noqa: C901, PLR0911, PLR0912
    """DuckDB SQL for a checked tree; facts are columns named by `column_name`."""
    scope = scope or {}
    op = node.op
    if op == "lit":
        v = node.value
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, int):
            return f"CAST({v} AS BIGINT)"
        if isinstance(v, float):
            return f"CAST({v!r} AS DOUBLE)"
        return _string(v)
    if op == "ident":
        return scope[node.value] if node.value in scope else _quote(column_name(node.fact or node.value))
    if op in ("select", "index"):
        return _quote(column_name(node.fact or "", node.key))
    if op == "list":
        return "[" + ", ".join(to_sql(a, scope) for a in node.args) + "]"
    if op == "not":
        return f"(NOT {to_sql(node.args[0], scope)})"
    if op == "neg":
        return f"(- {to_sql(node.args[0], scope)})"
    a = [to_sql(x, scope) for x in node.args] if op not in ("call",) else []
    if op == "and":
        return f"({a[0]} AND {a[1]})"
    if op == "or":
        return f"({a[0]} OR {a[1]})"
    if op == "cmp":
        return f"({a[0]} {_SQL_CMP[node.value]} {a[1]})"
    if op == "arith":
        if node.type == "string":
            return f"({a[0]} || {a[1]})"
        if isinstance(node.type, tuple):
            return f"list_concat({a[0]}, {a[1]})"
        return f"({a[0]} {node.value} {a[1]})"
    if op == "in":
        return f"list_contains({a[1]}, {a[0]})"
    if op == "cond":
        return f"(CASE WHEN {a[0]} THEN {a[1]} ELSE {a[2]} END)"
    fn, args = node.value, node.args
    if node.key == "method" and fn in ("exists", "all"):
        target, var, pred = args
        lam = node.fact or "_v"
        body = to_sql(pred, {**scope, var.value: lam})
        lst = to_sql(target, scope)
        if fn == "exists":
            return f"(len(list_filter({lst}, lambda {lam}: {body})) > 0)"
        return f"(len(list_filter({lst}, lambda {lam}: NOT ({body}))) = 0)"
    parts = [to_sql(x, scope) for x in args]
    if fn == "size":
        return f"len({parts[0]})"
    if fn in ("startsWith", "endsWith", "contains"):
        sql_fn = {"startsWith": "starts_with", "endsWith": "ends_with", "contains": "contains"}[fn]
        return f"{sql_fn}({parts[0]}, {parts[1]})"
    if fn == "int":
        return f"CAST(trunc({parts[0]}) AS BIGINT)"
    return f"CAST({parts[0]} AS DOUBLE)"
