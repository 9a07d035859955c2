"""A tiny evaluator for validation-rule formulas (opt-in emulator feature).

Supports what the shipped rule uses plus the usual neighbours: AND, OR, NOT,
ISPICKVAL, ISBLANK, TEXT, ISNEW, ISCHANGED, PRIORVALUE, ``=``/``<>``/``!=``,
``&&``/``||``, string literals, TRUE/FALSE/NULL and field names. Anything else
is rejected when the rule is compiled, so an unsupported rule fails loudly at
start rather than silently passing records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<str>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')|(?P<op>&&|\|\||<>|!=|=|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*))"
)


@dataclass(frozen=True)
class Context:
    record: Mapping[str, Any]
    prior: Mapping[str, Any] | None


Expr = Callable[[Context], Any]


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(f"unsupported formula syntax at: {text[pos : pos + 20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Parser:
    def __init__(self, text: str, resolve: Callable[[str], str]) -> None:
        self.toks = _tokens(text)
        self.pos = 0
        self.resolve = resolve

    def parse(self) -> Expr:
        expr = self._or()
        if self.pos != len(self.toks):
            raise ValueError(f"unexpected token {self.toks[self.pos][1]!r}")
        return expr

    def _peek(self) -> str | None:
        return self.toks[self.pos][1] if self.pos < len(self.toks) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.toks):
            raise ValueError("unexpected end of formula")
        tok = self.toks[self.pos]
        if expected is not None and tok[1] != expected:
            raise ValueError(f"expected {expected!r}, got {tok[1]!r}")
        self.pos += 1
        return tok

    def _or(self) -> Expr:
        left = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            left = (lambda a, b: lambda c: bool(a(c)) or bool(b(c)))(left, right)
        return left

    def _and(self) -> Expr:
        left = self._cmp()
        while self._peek() == "&&":
            self._take()
            right = self._cmp()
            left = (lambda a, b: lambda c: bool(a(c)) and bool(b(c)))(left, right)
        return left

    def _cmp(self) -> Expr:
        left = self._atom()
        op = self._peek()
        if op in ("=", "<>", "!="):
            self._take()
            right = self._atom()
            if op == "=":
                return lambda c: _text(left(c)) == _text(right(c))
            return lambda c: _text(left(c)) != _text(right(c))
        return left

    def _args(self) -> list[Expr]:
        self._take("(")
        args: list[Expr] = []
        if self._peek() != ")":
            args.append(self._or())
            while self._peek() == ",":
                self._take()
                args.append(self._or())
        self._take(")")
        return args

    def _field_arg(self) -> str:
        self._take("(")
        kind, name = self._take()
        if kind != "name":
            raise ValueError("expected a field name")
        self._take(")")
        return self.resolve(name)

    def _atom(self) -> Expr:
        kind, value = self._take()
        if kind == "str":
            literal = value[1:-1]
            return lambda c: literal
        if value == "(":
            inner = self._or()
            self._take(")")
            return inner
        if kind != "name":
            raise ValueError(f"unexpected token {value!r}")
        upper = value.upper()
        if upper in ("TRUE", "FALSE"):
            constant = upper == "TRUE"
            return lambda c: constant
        if upper == "NULL":
            return lambda c: None
        if self._peek() != "(":
            field = self.resolve(value)
            return lambda c: c.record.get(field)
        return self._function(upper)

    def _function(self, name: str) -> Expr:
        if name in ("ISCHANGED", "PRIORVALUE"):
            field = self._field_arg()
            if name == "PRIORVALUE":
                return lambda c: c.prior.get(field) if c.prior is not None else None
            return lambda c: c.prior is not None and c.prior.get(field) != c.record.get(field)
        args = self._args()
        if name == "AND":
            return lambda c: all(bool(a(c)) for a in args)
        if name == "OR":
            return lambda c: any(bool(a(c)) for a in args)
        if name == "NOT" and len(args) == 1:
            return lambda c: not args[0](c)
        if name == "ISBLANK" and len(args) == 1:
            return lambda c: _blank(args[0](c))
        if name == "TEXT" and len(args) == 1:
            return lambda c: _text(args[0](c))
        if name == "ISPICKVAL" and len(args) == 2:
            return lambda c: _text(args[0](c)) == _text(args[1](c))
        if name == "ISNEW" and not args:
            return lambda c: c.prior is None
        raise ValueError(f"unsupported formula function {name}")


def compile_formula(text: str, resolve: Callable[[str], str]) -> Expr:
    """Compile ``text``; ``resolve`` maps a field name to its canonical name or raises."""
    return _Parser(text, resolve).parse()
