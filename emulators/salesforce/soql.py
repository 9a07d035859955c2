"""SOQL subset parser.

SELECT items FROM object [WHERE cond] [GROUP BY f, ...] [ORDER BY f [ASC|DESC]
[NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]. Items: fields (``Owner.Name``),
aggregates (``COUNT()``, ``COUNT(Id)``, ``COUNT_DISTINCT``, ``SUM``, ``AVG``,
``MIN``, ``MAX``, optionally aliased) and child subqueries
(``(SELECT Id FROM Tasks)``). Conditions: = != <> < <= > >=, [NOT] IN (...),
LIKE, AND / OR / NOT with parentheses; literals: strings, numbers,
true/false/null, dates, datetimes and date literals (``TODAY``,
``THIS_YEAR``, ``LAST_N_DAYS:30`` ...). As in real SOQL, AND and OR cannot be
mixed at one level without parentheses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulators.salesforce.errors import malformed_query
from emulators.salesforce.soql_dates import DATE_KEYWORDS
from emulators.salesforce.soql_tokens import tokenize, unescape

AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})


@dataclass(frozen=True)
class Literal:
    kind: str  # string | number | bool | null | date | datetime | dateliteral
    value: Any


@dataclass(frozen=True)
class Compare:
    path: str
    op: str  # = != < <= > >= IN NOT IN LIKE
    value: Literal | tuple[Literal, ...]


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR | NOT
    items: tuple[Condition, ...]


Condition = Compare | BoolOp


@dataclass(frozen=True)
class OrderItem:
    path: str
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Aggregate:
    func: str  # one of AGGREGATES
    path: str | None  # None for COUNT()
    alias: str | None

    @property
    def display(self) -> str:
        return f"{self.func}({self.path or ''})"


@dataclass(frozen=True)
class Query:
    sobject: str
    fields: tuple[str, ...]  # the plain field paths selected, in order
    count_only: bool  # SELECT COUNT() alone
    where: Condition | None
    order: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    items: tuple[SelectItem, ...] = ()  # every select item, in order
    group_by: tuple[str, ...] = ()


SelectItem = str | Aggregate | Query  # a field path, an aggregate, a child subquery


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokenize(text)
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        idx = self.pos + offset
        return self.toks[idx] if idx < len(self.toks) else None

    def keyword(self, *words: str) -> bool:
        """Consume the keyword sequence if it is next."""
        for offset, word in enumerate(words):
            tok = self.peek(offset)
            if tok is None or tok[0] != "ident" or tok[1].upper() != word:
                return False
        self.pos += len(words)
        return True

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            self.fail()

    def take(self, kind: str | None = None, text: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (kind and tok[0] != kind) or (text and tok[1] != text):
            self.fail()
        assert tok is not None
        self.pos += 1
        return tok[1]

    def fail(self) -> None:
        tok = self.peek()
        raise malformed_query(f"unexpected token: '{tok[1]}'" if tok else "unexpected token: <EOF>")

    def query(self, inner: bool = False) -> Query:
        self.expect_keyword("SELECT")
        items = [self.select_item(inner)]
        while self.peek() == ("op", ","):
            self.pos += 1
            items.append(self.select_item(inner))
        self.expect_keyword("FROM")
        sobject = self.take("ident")
        where = self.condition() if self.keyword("WHERE") else None
        group: list[str] = []
        if self.keyword("GROUP", "BY"):
            group.append(self.take("ident"))
            while self.peek() == ("op", ","):
                self.pos += 1
                group.append(self.take("ident"))
        order: list[OrderItem] = []
        if self.keyword("ORDER", "BY"):
            order.append(self.order_item())
            while self.peek() == ("op", ","):
                self.pos += 1
                order.append(self.order_item())
        limit = self.integer() if self.keyword("LIMIT") else None
        offset = self.integer() if self.keyword("OFFSET") else None
        if self.peek() is not None and not (inner and self.peek() == ("op", ")")):
            self.fail()
        fields = tuple(i for i in items if isinstance(i, str))
        count_only = items == [Aggregate("COUNT", None, None)]
        if any(isinstance(i, Aggregate) and i.path is None for i in items) and not count_only:
            raise malformed_query("COUNT() must be the only element in the SELECT list")
        return Query(
            sobject,
            fields,
            count_only,
            where,
            tuple(order),
            limit,
            offset,
            tuple(items),
            tuple(group),
        )

    def select_item(self, inner: bool) -> SelectItem:
        if self.peek() == ("op", "("):
            if inner:
                raise malformed_query("Nesting of semi join sub-selects is not supported")
            self.pos += 1
            sub = self.query(inner=True)
            self.take("op", ")")
            return sub
        name = self.take("ident")
        if name.upper() not in AGGREGATES or self.peek() != ("op", "("):
            return name
        self.pos += 1
        path = None if self.peek() == ("op", ")") else self.take("ident")
        self.take("op", ")")
        if path is None and name.upper() != "COUNT":
            self.fail()
        alias = None
        tok = self.peek()
        if tok is not None and tok[0] == "ident" and tok[1].upper() != "FROM":
            alias = self.take("ident")
        return Aggregate(name.upper(), path, alias)

    def integer(self) -> int:
        text = self.take("number")
        if not text.isdigit():
            raise malformed_query(f"unexpected token: '{text}'")
        return int(text)

    def order_item(self) -> OrderItem:
        path = self.take("ident")
        descending = False
        if self.keyword("DESC"):
            descending = True
        else:
            self.keyword("ASC")
        nulls_first = not descending
        if self.keyword("NULLS", "FIRST"):
            nulls_first = True
        elif self.keyword("NULLS", "LAST"):
            nulls_first = False
        return OrderItem(path, descending, nulls_first)

    def condition(self) -> Condition:
        first = self.unary()
        items = [first]
        joiner: str | None = None
        while True:
            tok = self.peek()
            word = tok[1].upper() if tok and tok[0] == "ident" else None
            if word not in ("AND", "OR"):
                break
            if joiner is not None and word != joiner:
                self.fail()  # SOQL needs parentheses to mix AND and OR
            joiner = word
            self.pos += 1
            items.append(self.unary())
        if joiner is None:
            return first
        return BoolOp(joiner, tuple(items))

    def unary(self) -> Condition:
        if self.keyword("NOT"):
            return BoolOp("NOT", (self.unary(),))
        if self.peek() == ("op", "("):
            self.pos += 1
            inner = self.condition()
            self.take("op", ")")
            return inner
        return self.comparison()

    def comparison(self) -> Compare:
        path = self.take("ident")
        if self.keyword("NOT", "IN"):
            return Compare(path, "NOT IN", self.literal_list())
        if self.keyword("IN"):
            return Compare(path, "IN", self.literal_list())
        if self.keyword("LIKE"):
            lit = self.literal()
            if lit.kind != "string":
                raise malformed_query("LIKE needs a string pattern")
            return Compare(path, "LIKE", lit)
        op = self.take("op")
        if op not in ("=", "!=", "<>", "<", "<=", ">", ">="):
            self.fail()
        return Compare(path, "!=" if op == "<>" else op, self.literal())

    def literal_list(self) -> tuple[Literal, ...]:
        self.take("op", "(")
        if self.keyword("SELECT"):
            raise malformed_query("semi-join sub-selects are not supported by the emulator")
        items = [self.literal()]
        while self.peek() == ("op", ","):
            self.pos += 1
            items.append(self.literal())
        self.take("op", ")")
        return tuple(items)

    def literal(self) -> Literal:
        tok = self.peek()
        if tok is None:
            self.fail()
        assert tok is not None
        kind, text = tok
        self.pos += 1
        if kind == "string":
            return Literal("string", unescape(text[1:-1]))
        if kind == "number":
            return Literal("number", float(text) if "." in text else int(text))
        if kind in ("date", "datetime"):
            return Literal(kind, text)
        if kind == "dateliteral":
            return Literal("dateliteral", text.upper())
        if kind == "ident":
            upper = text.upper()
            if upper in ("TRUE", "FALSE"):
                return Literal("bool", upper == "TRUE")
            if upper == "NULL":
                return Literal("null", None)
            if upper in DATE_KEYWORDS:
                return Literal("dateliteral", upper)
        self.pos -= 1
        self.fail()
        raise AssertionError("unreachable")


def parse(text: str) -> Query:
    return _Parser(text).query()
