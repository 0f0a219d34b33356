"""Claims: what a card says its linked demo shows, as a checkable comparison.

A card with ``demo: NAME`` may carry ``claims:``, a list of strings
``"<operand> <op> <operand>"``: an operand is a result name the demo declares
(``META["results"]``) or a number, ``op`` one of ``<``, ``<=``, ``>``, ``>=``;
at least one side is a name.  ``accuracy_eps_0_2 < 0.1`` holds when the demo's
``accuracy_eps_0_2`` is under 0.1.

The deck layer knows no demos: ``drillbreak lint`` is given each demo's declared
result names to check the names (:func:`drillbreak.deck.lint.check_claim_names`);
a test runs the demos and :func:`holds` says whether each claim is true of the
numbers they report.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = [
    "CLAIM_PATTERN",
    "Claim",
    "holds",
    "parse_claim",
]

NAME = r"[a-z][a-z0-9_]*"
NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_OPERAND = rf"(?:{NAME}|{NUMBER})"
# The form, for the JSON schema (names are checked against the demo by lint).
CLAIM_PATTERN = rf"^\s*{_OPERAND}\s*(?:<=|>=|<|>)\s*{_OPERAND}\s*$"
_CLAIM = re.compile(rf"^\s*({_OPERAND})\s*(<=|>=|<|>)\s*({_OPERAND})\s*$")
_NAME = re.compile(rf"^{NAME}$")


@dataclass(frozen=True, slots=True)
class Claim:
    """``lhs op rhs``; each operand a result name (str) or a number (float)."""

    lhs: str | float
    op: str
    rhs: str | float

    @property
    def names(self) -> list[str]:
        """The result names the claim cites, left to right."""
        return [side for side in (self.lhs, self.rhs) if isinstance(side, str)]

    def __str__(self) -> str:
        return f"{_text(self.lhs)} {self.op} {_text(self.rhs)}"


def _text(side: str | float) -> str:
    return side if isinstance(side, str) else f"{side:g}"


def _operand(text: str) -> str | float:
    return text if _NAME.match(text) else float(text)


def parse_claim(text: str) -> Claim:
    """The claim written as ``text``; ``ValueError`` (one line, says what to write)
    when it is not one."""
    match = _CLAIM.match(text)
    if match is None:
        raise ValueError(
            f"claim {text!r} is not '<result name or number> <op> <result name or number>' "
            "with op one of <, <=, >, >= (e.g. 'accuracy_eps_0_2 < 0.1')"
        )
    claim = Claim(_operand(match[1]), match[2], _operand(match[3]))
    if not claim.names:
        raise ValueError(f"claim {text!r} compares two numbers; name a result of the demo")
    return claim


def holds(claim: Claim, values: Mapping[str, float]) -> bool:
    """Whether ``claim`` is true of a run's headline ``values`` (every name present).
    A value the run could not measure (``None`` or NaN, e.g. "never reached 95%")
    makes the claim false, never an exception."""

    def value(side: str | float) -> float | None:
        v = values[side] if isinstance(side, str) else side
        return None if v is None or v != v else v

    lhs, rhs = value(claim.lhs), value(claim.rhs)
    return lhs is not None and rhs is not None and OPS[claim.op](lhs, rhs)
