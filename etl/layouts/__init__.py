"""Letter layouts, one module per era, recognised from content (never from file names).

Order matters: the most specific markers first. A text that looks like an IMR determination
but matches no known layout goes to `unknown`, which reads what it can and warns. A recognised
layout whose own reader finds no item with a decision (a variant of its era) takes the generic
reader's items.
"""

from __future__ import annotations

from types import ModuleType

from etl.layouts import fdl2013, fdl2014, fdl2015, generic_items, unknown
from etl.layouts.base import LayoutResult

LAYOUTS: tuple[ModuleType, ...] = (fdl2015, fdl2014, fdl2013)


def detect(text: str) -> ModuleType:
    """The layout module for `text`; raises NotALetter when it is no IMR determination."""
    for layout in LAYOUTS:
        if layout.detect(text):
            return layout
    unknown.require_determination(text)
    return unknown


def read(text: str) -> tuple[str, LayoutResult]:
    """The format of `text` and what its layout reads; raises NotALetter like `detect`."""
    layout = detect(text)
    result = layout.parse(text)
    if layout is not unknown and not any(item["decision"] for item in result["items"]):
        items, warnings = generic_items.read_items(text)
        if items:
            result["items"] = items
            result["warnings"] += [
                *warnings,
                f"no {layout.FORMAT} item with a decision found: items read by generic rules",
            ]
    return layout.FORMAT, result
