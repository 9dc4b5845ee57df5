"""Shared fixtures of the generator tests: the labelling names and one large in-memory sample."""

from __future__ import annotations

import random
import re

import pytest

from etl.synth.generate import generate_letter
from tests.conftest import ROOT

SAMPLE_SIZE = 20_000
SAMPLE_SEED = 11


def labelled_classes() -> dict[str, set[str | None]]:
    """Category → subcategories as docs/labelling.md's classification table names them."""
    table: dict[str, set[str | None]] = {}
    text = (ROOT / "docs" / "labelling.md").read_text(encoding="utf-8")
    section = text.split("## Classification", 1)[1]
    for line in section.splitlines():
        row = re.fullmatch(r"\| ([^|]+?) \| ([^|]+?) \|", line.strip())
        if not row or row.group(1) in ("category", "---"):
            continue
        names = row.group(2).strip()
        table[row.group(1)] = {None} if names == "—" else {name.strip() for name in names.split(",")}
    return table


@pytest.fixture(scope="session")
def sample() -> list[tuple[str, dict]]:
    """20,000 letters (clean text, truth) generated in memory."""
    return [generate_letter(random.Random(f"{SAMPLE_SEED}:{i}"), i) for i in range(SAMPLE_SIZE)]
