"""Field-level accuracy of the parser against labelled fixtures.

A truth file is a contract record (without source/doc_id/warnings) plus "letter", the path of
its letter relative to the truth file; a `truth.jsonl` from `etl synth` names each letter by
`source`, relative to its own folder. Every compared field counts once per letter or item, so
a missed item costs all of its fields.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from etl.extract import iter_documents
from etl.parse import NotALetter, parse_text

LETTER_FIELDS = (
    "format",
    "case_number",
    "date_of_injury",
    "date_assigned",
    "decision_date",
    "ur_denial_date",
    "application_received",
    "priority",
    "patient_age",
    "patient_gender",
    "reviewer_states",
    "reviewer_specialties",
)
ITEM_FIELDS = (
    "treatment",
    "original_request",
    "decision",
    "category",
    "subcategory",
    "reviewer_guidelines",
    "claims_guidelines",
    "rationale",
)


@dataclass
class Report:
    letters: int = 0
    right: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    mismatches: list[str] = field(default_factory=list)

    def add(self, name: str, ok: bool, where: str, expected: object, got: object) -> None:
        self.total[name] += 1
        if ok:
            self.right[name] += 1
        else:
            self.mismatches.append(f"{where} {name}: expected {expected!r}, got {got!r}")

    def accuracy(self, name: str | None = None) -> float:
        if name is None:
            total = sum(self.total.values())
            return sum(self.right.values()) / total if total else 1.0
        return self.right[name] / self.total[name] if self.total[name] else 1.0

    def render(self, show: int = 20) -> str:
        lines = [f"letters: {self.letters}", "", "| field | right | total | accuracy |", "|---|---|---|---|"]
        for name in (*LETTER_FIELDS, "items", *ITEM_FIELDS):
            if self.total[name]:
                lines.append(
                    f"| {name} | {self.right[name]} | {self.total[name]} | {self.accuracy(name):.2%} |"
                )
        lines.append(
            f"| **all fields** | {sum(self.right.values())} | {sum(self.total.values())} "
            f"| {self.accuracy():.2%} |"
        )
        if self.mismatches:
            lines += ["", f"mismatches ({len(self.mismatches)}, first {show}):"]
            lines += [f"- {m[:300]}" for m in self.mismatches[:show]]
        return "\n".join(lines)


def truth_cases(path: Path) -> Iterator[tuple[Path, dict]]:
    """(letter path, truth record) pairs from a truth file, a truth.jsonl, or a folder of them."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.suffix == ".json" or child.name == "truth.jsonl":
                yield from truth_cases(child)
    elif path.name.endswith(".jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                yield path.parent / record["source"], record
    else:
        record = json.loads(path.read_text(encoding="utf-8"))
        if "letter" in record:
            yield (path.parent / record["letter"]).resolve(), record


def evaluate(paths: list[Path]) -> Report:
    report = Report()
    for letter_path, truth in (case for path in paths for case in truth_cases(path)):
        report.letters += 1
        document = next(iter_documents([str(letter_path)]))
        got: dict = {"error": document.error}
        if document.text is not None:
            try:
                got = dict(parse_text(document.text, str(letter_path)))
            except NotALetter as err:
                got = {"error": str(err)}
        if "error" in got:
            report.mismatches.append(f"{letter_path.name}: {got['error']}")
        compare(truth, got, letter_path.name, report)
    return report


def compare(truth: dict, got: dict, where: str, report: Report) -> None:
    for name in LETTER_FIELDS:
        report.add(name, truth.get(name) == got.get(name), where, truth.get(name), got.get(name))
    want_items, got_items = truth.get("items", []), got.get("items", [])
    report.add("items", len(want_items) == len(got_items), where, len(want_items), len(got_items))
    for index, want in enumerate(want_items):
        have = got_items[index] if index < len(got_items) else {}
        for name in ITEM_FIELDS:
            report.add(
                name,
                want.get(name) == have.get(name),
                f"{where} item {index + 1}",
                want.get(name),
                have.get(name),
            )
