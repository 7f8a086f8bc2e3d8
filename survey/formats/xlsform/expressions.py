"""XLSForm expressions (``relevant``, ``constraint``) to survey conditions and answer checks,
and back.

We read the shapes forms use for skip logic and answer checks: comparisons of ``${question}``
with a literal, ``selected()``, ``count-selected()``, ``string-length()``, ``and``, ``or``,
``not()``; in constraints, ``.`` compared with numbers, ``string-length(.)`` and ``regex()``.
Anything else raises :class:`Unreadable`, and the caller says what it left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from survey import conditions
from survey.conditions import SYMBOLS, AllOf, AnyOf, Condition, Leaf, Not, Operator, to_json
from survey.kinds import kind_of, pattern_compiles

Question = Mapping[str, Any]


class Unreadable(ValueError):
    """An expression we cannot turn into our model."""


# -- parsing --------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<ref>\$\{\s*[^}\s]+\s*\})
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op>!=|<=|>=|=|<|>|\(|\)|,)
    | (?P<word>[A-Za-z_][\w.-]*)
    | (?P<dot>\.)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Node:
    what: str  #: ref, self, string, number, call, compare, and, or
    value: Any = None
    items: tuple[Node, ...] = ()


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise Unreadable(text)
        kind = match.lastgroup or ""
        found.append((kind, match[kind]))
        position = match.end()
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise Unreadable(value or "")
        self.at += 1
        return token

    def parse(self) -> Node:
        node = self.either()
        if self.peek() is not None:
            raise Unreadable("trailing")
        return node

    def either(self) -> Node:
        items = [self.both()]
        while self.peek() == ("word", "or"):
            self.take()
            items.append(self.both())
        return items[0] if len(items) == 1 else Node("or", items=tuple(items))

    def both(self) -> Node:
        items = [self.compare()]
        while self.peek() == ("word", "and"):
            self.take()
            items.append(self.compare())
        return items[0] if len(items) == 1 else Node("and", items=tuple(items))

    def compare(self) -> Node:
        left = self.operand()
        token = self.peek()
        if token and token[0] == "op" and token[1] in ("=", "!=", "<", "<=", ">", ">="):
            self.take()
            return Node("compare", token[1], (left, self.operand()))
        return left

    def operand(self) -> Node:
        kind, text = self.take()
        if kind == "ref":
            return Node("ref", text[2:-1].strip())
        if kind == "string":
            return Node("string", text[1:-1])
        if kind == "number":
            number = float(text)
            return Node("number", int(number) if number.is_integer() else number)
        if kind == "dot":
            return Node("self")
        if kind == "op" and text == "(":
            inner = self.either()
            self.take(")")
            return inner
        if kind == "word" and self.peek() == ("op", "("):
            self.take("(")
            arguments: list[Node] = []
            if self.peek() != ("op", ")"):
                arguments.append(self.either())
                while self.peek() == ("op", ","):
                    self.take()
                    arguments.append(self.either())
            self.take(")")
            return Node("call", text.lower(), tuple(arguments))
        raise Unreadable(text)


def parse(text: str) -> Node:
    return _Parser(text).parse()


# -- relevant -> condition ------------------------------------------------------------------------
_OPERATORS = {"=": "equals", "!=": "not_equals", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
_NEGATED = {"equals": "not_equals", "not_equals": "equals", "includes": "excludes"}
_NEGATED |= {"excludes": "includes", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le"}


def condition_of(text: str, question_named: Callable[[str], tuple[str, Question]]) -> Condition:
    """The condition a ``relevant`` expression says; ``question_named(name)`` gives the key and
    the (earlier) question a ``${name}`` refers to, or raises :class:`Unreadable`."""
    return _condition(parse(text), question_named)


def _condition(node: Node, named: Callable[[str], tuple[str, Question]]) -> Condition:
    if node.what in ("and", "or"):
        items = tuple(_condition(item, named) for item in node.items)
        return AllOf(items) if node.what == "and" else AnyOf(items)
    if node.what == "call" and node.value == "not" and len(node.items) == 1:
        return _negated(_condition(node.items[0], named))
    if node.what == "call" and node.value == "selected" and len(node.items) == 2:
        target, code = node.items
        if target.what != "ref" or code.what not in ("string", "number"):
            raise Unreadable("selected")
        key, question = named(target.value)
        kind = kind_of(question)
        if kind is None or not kind.has_options:
            raise Unreadable("selected")
        op: Operator = "includes" if kind.is_multiple(question) else "equals"
        return Leaf(key, op, str(code.value))
    if node.what == "compare":
        return _comparison(node, named)
    raise Unreadable(node.what)


def _negated(condition: Condition) -> Condition:
    if isinstance(condition, Leaf) and condition.op == "answered":
        return Leaf(condition.question, "answered", not condition.value)
    if isinstance(condition, Leaf) and condition.op in ("equals", "includes", "excludes"):
        return Leaf(condition.question, _NEGATED[condition.op], condition.value)  # type: ignore[arg-type]
    if isinstance(condition, Not):
        return condition.item
    return Not(condition)


def _comparison(node: Node, named: Callable[[str], tuple[str, Question]]) -> Condition:
    symbol = str(node.value)
    left, right = node.items
    if left.what in ("string", "number"):
        left, right, symbol = right, left, _FLIPPED[symbol]
    if right.what not in ("string", "number"):
        raise Unreadable("comparison")
    if left.what == "call" and left.value in ("count-selected", "string-length"):
        if len(left.items) != 1 or left.items[0].what != "ref":
            raise Unreadable(str(left.value))
        key, _question = named(left.items[0].value)
        return _answered(key, symbol, right.value)
    if left.what != "ref":
        raise Unreadable("comparison")
    key, question = named(left.value)
    kind = kind_of(question)
    if kind is None:
        raise Unreadable("kind")
    value = right.value
    if value == "" and symbol in ("=", "!="):
        return Leaf(key, "answered", symbol == "!=")
    op = _OPERATORS[symbol]
    if kind.is_numeric:
        number = _number(value)
        if number is None or op not in kind.operators(question):
            raise Unreadable("number")
        return Leaf(key, op, number)  # type: ignore[arg-type]
    if kind.has_options and op in ("equals", "not_equals"):
        if kind.is_multiple(question):
            op = "includes" if op == "equals" else "excludes"
        return Leaf(key, op, str(value))  # type: ignore[arg-type]
    raise Unreadable("comparison")


def _answered(key: str, symbol: str, value: Any) -> Leaf:
    """``count-selected(${q}) > 0`` and the like: whether ``q`` has an answer."""
    number = _number(value)
    if number is None:
        raise Unreadable("count")
    if (symbol, number) in ((">", 0), (">=", 1), ("!=", 0)):
        return Leaf(key, "answered", True)
    if (symbol, number) in (("=", 0), ("<", 1), ("<=", 0)):
        return Leaf(key, "answered", False)
    raise Unreadable("count")


def _number(value: Any) -> int | float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


# -- constraint -> answer checks ------------------------------------------------------------------
def checks_of(text: str, question: Question) -> tuple[dict[str, Any], bool]:
    """The settings a ``constraint`` gives ``question`` (``min``/``max`` on numbers,
    ``max_length`` and ``pattern`` on text), and whether every part of it was read."""
    try:
        node = parse(text)
    except Unreadable:
        return {}, False
    parts = node.items if node.what == "and" else (node,)
    found: dict[str, Any] = {}
    whole = True
    for part in parts:
        try:
            name, value = _check(part, question)
        except Unreadable:
            whole = False
            continue
        if name in found:
            whole = False
            continue
        found[name] = value
    return found, whole


def _check(node: Node, question: Question) -> tuple[str, Any]:
    kind = kind_of(question)
    numeric = bool(kind and kind.is_numeric and question.get("kind") == "number")
    text = bool(kind and kind.is_text)
    if node.what == "call" and node.value == "regex" and text and len(node.items) == 2:
        target, pattern = node.items
        if target.what == "self" and pattern.what == "string" and pattern_compiles(pattern.value):
            return "pattern", pattern.value
        raise Unreadable("regex")
    if node.what != "compare":
        raise Unreadable(node.what)
    symbol = str(node.value)
    left, right = node.items
    if left.what == "number":
        left, right, symbol = right, left, _FLIPPED[symbol]
    if right.what != "number":
        raise Unreadable("compare")
    bound = right.value
    whole_numbers = bool(question.get("integer"))
    if left.what == "self" and numeric:
        if symbol in (">=", ">"):
            return "min", bound + 1 if symbol == ">" and whole_numbers else bound
        if symbol in ("<=", "<"):
            return "max", bound - 1 if symbol == "<" and whole_numbers else bound
    is_length = left.what == "call" and left.value == "string-length" and len(left.items) == 1
    if is_length and text and left.items[0].what == "self" and isinstance(bound, int):
        limit = {"<=": bound, "<": bound - 1}.get(symbol, 0)
        if limit >= 1:
            return "max_length", limit
    raise Unreadable("compare")


# -- writing --------------------------------------------------------------------------------------
def quoted(value: Any) -> str:
    text = str(value)
    return f'"{text}"' if "'" in text else f"'{text}'"


def expression_of(data: Mapping[str, Any]) -> str:
    """The ``relevant`` expression for a ``show_if`` object (read back by :func:`condition_of`)."""
    return _expression(conditions.parse(data))


def _expression(condition: Condition) -> str:
    if isinstance(condition, AllOf | AnyOf):
        joiner = " and " if isinstance(condition, AllOf) else " or "
        return joiner.join(f"({_expression(item)})" for item in condition.items)
    if isinstance(condition, Not):
        return f"not({_expression(condition.item)})"
    ref = f"${{{condition.question}}}"
    value = condition.value
    if condition.op == "answered":
        return f"{ref} != ''" if value else f"{ref} = ''"
    if condition.op == "includes":
        return f"selected({ref}, {quoted(value)})"
    if condition.op == "excludes":
        return f"not(selected({ref}, {quoted(value)}))"
    literal = quoted(value) if isinstance(value, str) else _plain_number(value)
    return f"{ref} {SYMBOLS[condition.op]} {literal}"


def _plain_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


__all__ = ["Unreadable", "checks_of", "condition_of", "expression_of", "quoted", "to_json"]
