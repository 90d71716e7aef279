"""Compound targets (``webserv* and G@os:Debian or E@db\\d``) and nodegroup expansion.

A compound expression is a whitespace-separated list of words: ``and``, ``or``, ``not``,
``(``, ``)`` and targets. A target is ``<letter>@pattern`` (``G`` grain, ``P`` grain PCRE,
``I`` pillar, ``J`` pillar PCRE, ``L`` list, ``S`` IP/subnet, ``E`` minion-id PCRE,
``N`` nodegroup; ``G``/``P``/``I``/``J`` accept a one-character delimiter before the ``@``:
``G|@os|Debian``) or a bare minion-id glob. Precedence is Salt's (Python's): ``not`` binds
tightest, then ``and``, then ``or``; a ``not`` that directly follows a target or ``)`` means
``and not``. Parentheses must be separate words, as in Salt.

Differences from Salt, all in cases where Salt silently matched nothing or mis-grouped:
malformed expressions raise :class:`SaltInvocationError` instead of matching nothing,
``not not X`` is ``X``, a nodegroup always counts as one parenthesised operand, unknown and
circular nodegroups are errors, and a bare word glued to a parenthesis (``(web*``) is an
error instead of a glob that can never match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from saline.errors import SaltInvocationError

OPERATORS = ("and", "or", "not", "(", ")")

# Target letter -> matcher type. N is expanded in place; R (range) needs a range server.
ENGINES = {
    "G": "grain",
    "P": "grain_pcre",
    "I": "pillar",
    "J": "pillar_pcre",
    "L": "list",
    "S": "ipcidr",
    "E": "pcre",
    "R": "range",
    "N": "nodegroup",
}

_WORD_RE = re.compile(r"^(?:(?P<engine>[GPIJLSERN])(?P<delimiter>(?<=[GPIJ]).)?@)?(?P<pattern>.+)$", re.S)
_ENGINE_PREFIX_RE = re.compile(r"^[A-Z]@")
_REGEX_CHARS = ("(", "[", "{", "\\", "?", "}", "]", ")")

# Evaluates one target: (matcher type, pattern, delimiter or None) -> bool
Evaluator = Callable[[str, str, "str | None"], bool]


def parse_word(word: str) -> tuple[str | None, str | None, str]:
    """``(engine letter, delimiter, pattern)`` of one compound word; engine None for a bare glob."""
    found = _WORD_RE.match(word)
    if not found:
        return None, None, word
    return found.group("engine"), found.group("delimiter"), found.group("pattern")


# ---- nodegroups ---------------------------------------------------------------------------------


def normalize_nodegroups(nodegroups: Any) -> dict[str, Any]:
    """``nodegroups`` as a mapping; Salt also accepts a list of one-key mappings (``- group1: ...``)."""
    if not nodegroups:
        return {}
    if isinstance(nodegroups, Mapping):
        return dict(nodegroups)
    if isinstance(nodegroups, list):
        merged: dict[str, Any] = {}
        for item in nodegroups:
            if not isinstance(item, Mapping):
                raise SaltInvocationError(f"Invalid nodegroups entry {item!r}: expected 'name: definition'")
            merged.update(item)
        return merged
    raise SaltInvocationError("The 'nodegroups' option must be a mapping of group names to targets")


def _definition_words(name: str, definition: Any) -> list[str]:
    if isinstance(definition, str):
        return definition.split()
    if isinstance(definition, list | tuple):
        return [str(word) for word in definition]
    raise SaltInvocationError(
        f"Nodegroup '{name}' must be a compound target string or a list, not {type(definition).__name__}"
    )


def _is_plain_id_list(words: Sequence[str]) -> bool:
    return not any(
        w in OPERATORS or "*" in w or _ENGINE_PREFIX_RE.match(w) for w in words
    )


def expand_nodegroup(name: str, nodegroups: Any, _stack: tuple[str, ...] = ()) -> list[str]:
    """The compound words nodegroup ``name`` stands for, nested ``N@`` groups expanded.

    A definition that is only minion ids (no operators, globs or ``X@`` targets) becomes one
    ``L@id1,id2`` word (``E@`` when the ids contain regex characters), like Salt. Nested groups
    are wrapped in parentheses. Unknown groups, cycles and empty definitions raise.
    """
    groups = normalize_nodegroups(nodegroups)
    if name in _stack:
        chain = " -> ".join((*_stack, name))
        raise SaltInvocationError(f"Circular nodegroup reference: {chain}")
    if name not in groups:
        raise SaltInvocationError(f"Unknown nodegroup '{name}' (not defined in the 'nodegroups' option)")
    words = _definition_words(name, groups[name])
    if not words:
        raise SaltInvocationError(f"Nodegroup '{name}' is empty")
    if _is_plain_id_list(words):
        letter = "E" if any(ch in w for w in words for ch in _REGEX_CHARS) else "L"
        return [f"{letter}@{','.join(words)}"]
    expanded: list[str] = []
    for word in words:
        if word.startswith("N@") and len(word) > 2:
            expanded += ["(", *expand_nodegroup(word[2:], groups, (*_stack, name)), ")"]
        else:
            expanded.append(word)
    return expanded


def nodegroup_to_compound(name: str, nodegroups: Any) -> str:
    """A nodegroup as one compound expression string (what a master publishes for ``-N``)."""
    return " ".join(expand_nodegroup(name, nodegroups))


# ---- compound evaluation ------------------------------------------------------------------------


def _tokens(tgt: str | Sequence[Any], nodegroups: Any, evaluate: Evaluator) -> list[Any]:
    """Operators as strings and every target evaluated to a bool, with Salt's implicit ``and``."""
    words: list[str] = tgt.split() if isinstance(tgt, str) else [str(w) for w in tgt]
    out: list[Any] = []
    while words:
        word = words.pop(0)
        if word in OPERATORS:
            if word == "not" and out and out[-1] not in ("and", "or", "(", "not"):
                out.append("and")  # `a not b` means `a and not b`
            out.append(word)
            continue
        engine, delimiter, pattern = parse_word(word)
        if engine == "N":
            words = ["(", *expand_nodegroup(pattern, nodegroups), ")", *words]
            continue
        if engine is None:
            if word.startswith("(") or word.endswith(")"):
                raise SaltInvocationError(
                    f"Invalid compound target word '{word}': parentheses must be separated from "
                    "targets by spaces, e.g. '( web* or db* )'"
                )
            out.append(evaluate("glob", word, None))
        else:
            out.append(evaluate(ENGINES[engine], pattern, delimiter))
    return out


class _Parser:
    """Recursive descent over evaluated tokens: or_expr := and_expr ('or' and_expr)* ..."""

    def __init__(self, tokens: list[Any], shown: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.shown = shown

    def fail(self, why: str) -> SaltInvocationError:
        return SaltInvocationError(f"Invalid compound target '{self.shown}': {why}")

    def peek(self) -> Any:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Any:
        token = self.peek()
        self.pos += 1
        return token

    def parse(self) -> bool:
        if not self.tokens:
            raise self.fail("the expression is empty")
        value = self.or_expr()
        if self.pos != len(self.tokens):
            token = self.peek()
            if isinstance(token, bool):
                raise self.fail("two targets without 'and'/'or' between them")
            raise self.fail(f"unexpected '{token}'")
        return value

    def or_expr(self) -> bool:
        value = self.and_expr()
        while self.peek() == "or":
            self.take()
            right = self.and_expr()
            value = value or right
        return value

    def and_expr(self) -> bool:
        value = self.not_expr()
        while self.peek() == "and":
            self.take()
            right = self.not_expr()
            value = value and right
        return value

    def not_expr(self) -> bool:
        if self.peek() == "not":
            self.take()
            return not self.not_expr()
        return self.atom()

    def atom(self) -> bool:
        token = self.take()
        if isinstance(token, bool):
            return token
        if token == "(":
            value = self.or_expr()
            closing = self.take()
            if closing == ")":
                return value
            if isinstance(closing, bool):
                raise self.fail("two targets without 'and'/'or' between them")
            if closing is None:
                raise self.fail("unbalanced parentheses")
            raise self.fail(f"unexpected '{closing}'")
        if token is None:
            raise self.fail("it ends with an operator")
        raise self.fail(f"'{token}' where a target was expected")


def compound_match(tgt: str | Sequence[Any], nodegroups: Any, evaluate: Evaluator) -> bool:
    """Evaluate compound target ``tgt``; ``evaluate`` runs the individual matchers."""
    if not isinstance(tgt, str | list | tuple):
        raise SaltInvocationError(f"A compound target must be a string, not {type(tgt).__name__}")
    shown = tgt if isinstance(tgt, str) else " ".join(str(w) for w in tgt)
    return _Parser(_tokens(tgt, nodegroups, evaluate), shown).parse()
