"""The README's security table reports the attack lists as they are."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tests.security.attacks import SQL_ATTACKS

ROW = re.compile(r"^\| (?P<kind>[^|]+?) \| (?P<tried>\d+) \| (?P<held>\d+) \|$", re.MULTILINE)


def test_the_readme_counts_every_sql_attack_class() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Security", 1)[1].split("\n## ", 1)[0]
    rows = {match["kind"]: (int(match["tried"]), int(match["held"])) for match in ROW.finditer(section)}
    for kind, statements in SQL_ATTACKS.items():
        assert rows.get(kind) == (len(statements), len(statements)), kind
