"""Shared paths. The real letters live in ../shared (never copied into the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
REAL_LETTERS = SHARED / "real-letters"
SEED = SHARED / "seed" / "000_bba14da3171408a6.txt"

needs_shared = pytest.mark.skipif(
    not REAL_LETTERS.is_dir(), reason="../shared/real-letters is not beside the repository"
)

# The dashboard's fixture database, shared by the dashboard and the security tests.
from tests.fixture_db import fixture_db, imr_db, reference  # noqa: E402, F401
