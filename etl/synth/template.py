"""Tiny template language of the data files: "[a|b]" picks an alternative, "{slot}" fills in.

Slot values may themselves contain slots ("{side} shoulder"), so filling repeats until none is
left. A slot value may be a callable, drawn afresh at each use (another diagnosis each time).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping

Slot = str | Callable[[], str]

_ALTERNATIVES = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")
_MAX_DEPTH = 4


def fill(text: str, rng: random.Random, slots: Mapping[str, Slot]) -> str:
    """Return `text` with alternatives chosen and slots filled."""
    for _ in range(_MAX_DEPTH):
        if "[" in text:
            text = _ALTERNATIVES.sub(lambda match: rng.choice(match.group(1).split("|")), text)
        if "{" not in text:
            return text
        text = _SLOT.sub(lambda match: _value(slots, match.group(1)), text)
    raise ValueError(f"template slots nest too deep: {text!r}")


def _value(slots: Mapping[str, Slot], name: str) -> str:
    value = slots[name]
    return value() if callable(value) else value


def slot_names(text: str) -> set[str]:
    return set(_SLOT.findall(text))
