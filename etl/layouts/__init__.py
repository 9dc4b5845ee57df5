"""Letter layouts, one module per era, recognised from content (never from file names).

Order matters: the most specific markers first. A text that looks like an IMR determination
but matches no known layout goes to `unknown`, which reads what it can and warns.
"""

from __future__ import annotations

from types import ModuleType

from etl.layouts import fdl2013, fdl2014, fdl2015, unknown

LAYOUTS: tuple[ModuleType, ...] = (fdl2015, fdl2014, fdl2013)


def detect(text: str) -> ModuleType:
    """The layout module for `text`; raises NotALetter when it is no IMR determination."""
    for layout in LAYOUTS:
        if layout.detect(text):
            return layout
    unknown.require_determination(text)
    return unknown
