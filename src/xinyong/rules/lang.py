"""The rule language: a documented subset of CEL, parsed, type-checked and translated to SQL here.

Why our own parser: the reference evaluator (`common-expression-language`, import name `cel`) has no
type checker and exposes no syntax tree, but a rule must be checked at save time (every fact known,
result boolean, errors with a position) and evaluated for a million subjects at once. So this module

* parses the subset below into a small tree with 1-based (line, column) positions,
* type-checks it against a vocabulary of facts (`xinyong.rules.facts`),
* translates it into one DuckDB SQL predicate over a facts table (one column per fact read).

Every expression accepted here is also valid CEL with the same meaning; `cel` evaluates single
subjects and tests/rules checks both evaluators agree on random facts and random expressions.

The subset (docs/rules.md):
  literals      true false, integers (42, -3), doubles (1.5), strings ("…" or '…', \\" \\\\ \\n escapes)
  facts         kind, records.negative_serious_3y, grade["city_enterprise"] (map key: a string literal)
  lists         ["A", "B"], x in list, size(list), list.exists(v, …), list.all(v, …)
  operators     ! && || == != < <= > >= + - * and  cond ? a : b
  functions     size(x), x.size(), s.startsWith(t), s.endsWith(t), s.contains(t), int(d), double(i)
Not in the subset (refused with a position): null, maps literals, division and modulo, list
indexing, has(), uint/bytes literals, other functions and macros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# --------------------------------------------------------------------------- errors


class RuleError(ValueError):
    """A rule that cannot be saved or run: `.position` is (line, column), 1-based, or None;
    `.zh` / `.en` say what is wrong. str() is "第L行第C列：zh / line L col C: en"."""

    def __init__(self, zh: str, en: str, position: tuple[int, int] | None = None) -> None:
        self.zh, self.en, self.position = zh, en, position
        where_zh = f"第{position[0]}行第{position[1]}列：" if position else ""
        where_en = f"line {position[0]} col {position[1]}: " if position else ""
        super().__init__(f"{where_zh}{zh} / {where_en}{en}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "zh": self.zh,
            "en": self.en,
            "line": self.position[0] if self.position else None,
            "column": self.position[1] if self.position else None,
        }


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*)
  | (?P<double>\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)
  | (?P<uint>\d+[uU])
  | (?P<int>\d+)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[!<>+\-*/%?:.,\[\](){}])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}
RESERVED = {"null", "in", "as", "break", "const", "continue", "else", "for", "function", "if"}
RESERVED |= {"import", "let", "loop", "package", "namespace", "return", "var", "void", "while"}


@dataclass
class Token:
    kind: str  # int double string ident op eof
    text: str
    pos: tuple[int, int]
    value: Any = None


def _position(source: str, offset: int) -> tuple[int, int]:
    line = source.count("\n", 0, offset) + 1
    col = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _unescape(raw: str, pos: tuple[int, int]) -> str:
    body, out, i = raw[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt not in _ESCAPES:
                raise RuleError(f"不支持的转义 \\{nxt}", f"unsupported escape \\{nxt}", pos)
            out.append(_ESCAPES[nxt])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(source):
        m = _TOKEN.match(source, i)
        pos = _position(source, i)
        if m is None:
            raise RuleError(f"无法识别的字符 {source[i]!r}", f"unexpected character {source[i]!r}", pos)
        kind = m.lastgroup or ""
        text = m.group()
        i = m.end()
        if kind in ("ws", "comment"):
            continue
        if kind == "uint":
            raise RuleError("不支持无符号整数", "unsigned integers are not supported", pos)
        value: Any = None
        if kind == "int":
            value = int(text)
        elif kind == "double":
            value = float(text)
        elif kind == "string":
            value = _unescape(text, pos)
        tokens.append(Token(kind, text, pos, value))
    tokens.append(Token("eof", "", _position(source, len(source))))
    return tokens


# --------------------------------------------------------------------------- syntax tree


@dataclass
class Node:
    """op: lit | ident | select | index | call | list | not | neg | and | or | cmp | arith | in | cond
    | macro. `value`: literal value, name, field, operator or function name. `args`: operands."""

    op: str
    pos: tuple[int, int]
    value: Any = None
    args: list[Node] = field(default_factory=list)
    type: Any = None  # filled by the checker
    fact: str | None = None  # filled by the checker: the vocabulary key this node reads
    key: str | None = None  # map key for `index` nodes reading a map fact


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def accept(self, text: str) -> Token | None:
        if self.tok.kind == "op" and self.tok.text == text:
            return self.take()
        return None

    def expect(self, text: str) -> Token:
        t = self.accept(text)
        if t is None:
            got = self.tok.text or "结尾 end"
            raise RuleError(
                f"此处应为 {text!r}，实为 {got!r}", f"expected {text!r}, got {got!r}", self.tok.pos
            )
        return t

    def parse(self) -> Node:
        if self.tok.kind == "eof":
            raise RuleError("表达式为空", "empty expression", self.tok.pos)
        node = self.expr()
        if self.tok.kind != "eof":
            raise RuleError(f"多余的内容 {self.tok.text!r}", f"unexpected {self.tok.text!r}", self.tok.pos)
        return node

    def expr(self) -> Node:
        cond = self.or_()
        q = self.accept("?")
        if q is None:
            return cond
        yes = self.or_()
        self.expect(":")
        no = self.expr()
        return Node("cond", q.pos, "?:", [cond, yes, no])

    def or_(self) -> Node:
        node = self.and_()
        while t := self.accept("||"):
            node = Node("or", t.pos, "||", [node, self.and_()])
        return node

    def and_(self) -> Node:
        node = self.relation()
        while t := self.accept("&&"):
            node = Node("and", t.pos, "&&", [node, self.relation()])
        return node

    def relation(self) -> Node:
        node = self.addition()
        while True:
            t = self.tok
            if t.kind == "op" and t.text in ("==", "!=", "<", "<=", ">", ">="):
                self.take()
                node = Node("cmp", t.pos, t.text, [node, self.addition()])
            elif t.kind == "ident" and t.text == "in":
                self.take()
                node = Node("in", t.pos, "in", [node, self.addition()])
            else:
                return node

    def addition(self) -> Node:
        node = self.multiplication()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            t = self.take()
            node = Node("arith", t.pos, t.text, [node, self.multiplication()])
        return node

    def multiplication(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/", "%"):
            t = self.take()
            if t.text != "*":
                raise RuleError(
                    f"不支持运算符 {t.text}（规则中不用除法、取模）",
                    f"operator {t.text} is not supported (no division or modulo in rules)",
                    t.pos,
                )
            node = Node("arith", t.pos, t.text, [node, self.unary()])
        return node

    def unary(self) -> Node:
        if t := self.accept("!"):
            return Node("not", t.pos, "!", [self.unary()])
        if t := self.accept("-"):
            inner = self.unary()
            if (
                inner.op == "lit"
                and isinstance(inner.value, int | float)
                and not isinstance(inner.value, bool)
            ):
                return Node("lit", t.pos, -inner.value)
            return Node("neg", t.pos, "-", [inner])
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while True:
            if t := self.accept("."):
                name = self.take()
                if name.kind != "ident":
                    raise RuleError("“.” 之后应为名称", "expected a name after '.'", name.pos)
                if self.accept("("):
                    args = self.arguments()
                    node = Node("call", name.pos, name.text, [node, *args])
                    node.key = "method"
                else:
                    node = Node("select", t.pos, name.text, [node])
            elif t := self.accept("["):
                key = self.expr()
                self.expect("]")
                node = Node("index", t.pos, None, [node, key])
            else:
                return node

    def arguments(self) -> list[Node]:
        args: list[Node] = []
        if self.accept(")"):
            return args
        while True:
            args.append(self.expr())
            if self.accept(")"):
                return args
            self.expect(",")

    def primary(self) -> Node:
        t = self.tok
        if t.kind in ("int", "double", "string"):
            self.take()
            return Node("lit", t.pos, t.value)
        if t.kind == "ident":
            self.take()
            if t.text in ("true", "false"):
                return Node("lit", t.pos, t.text == "true")
            if t.text in RESERVED:
                raise RuleError(f"不支持 {t.text}", f"{t.text!r} is not supported in rules", t.pos)
            if self.accept("("):
                node = Node("call", t.pos, t.text, self.arguments())
                node.key = "global"
                return node
            return Node("ident", t.pos, t.text)
        if self.accept("("):
            node = self.expr()
            self.expect(")")
            return node
        if self.accept("["):
            items: list[Node] = []
            if not self.accept("]"):
                while True:
                    items.append(self.expr())
                    if self.accept("]"):
                        break
                    self.expect(",")
            return Node("list", t.pos, None, items)
        if t.kind == "op" and t.text == "{":
            raise RuleError("不支持映射字面量 {…}", "map literals {…} are not supported", t.pos)
        got = t.text or "结尾 end"
        raise RuleError(f"此处缺少表达式（遇到 {got!r}）", f"expected an expression, got {got!r}", t.pos)


def parse(source: str) -> Node:
    """Parse `source`; RuleError (with position) when it is not in the subset's grammar."""
    return _Parser(source).parse()
