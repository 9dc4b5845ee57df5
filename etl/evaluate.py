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
from etl.records import CATEGORIES

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
# Finer views of the guideline lists (already counted whole above), as an outside tester reads
# them: the sections an item cites on each side, and the sources the reviewer relied on.
GUIDELINE_DETAILS = {
    "claims_sections": ("claims_guidelines", "section"),
    "reviewer_sections": ("reviewer_guidelines", "section"),
    "reviewer_sources": ("reviewer_guidelines", "source"),
}
MISSING = "(no item)"
_SHORT = {
    "Pharmaceuticals": "Pharm",
    "Diagnostic Testing": "Diag",
    "Rehabilitation": "Rehab",
    "DMEPOS": "DME",
    "Injections": "Inj",
    "Surgery": "Surg",
    "Evaluation & Management": "E&M",
    "Behavioral & Mental Health": "Behav",
    "Programs": "Prog",
    "Home Health": "Home",
    "Transportation": "Transp",
}


@dataclass
class Report:
    letters: int = 0
    right: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    mismatches: list[str] = field(default_factory=list)
    details: Counter[tuple[str, bool]] = field(default_factory=Counter)
    categories: Counter[tuple[str, str]] = field(default_factory=Counter)
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)  # (code, tp | fp | fn)
    reason_evidence: Counter[bool] = field(default_factory=Counter)  # same sentence, on a tp

    def add(self, name: str, ok: bool, where: str, expected: object, got: object) -> None:
        self.total[name] += 1
        if ok:
            self.right[name] += 1
        else:
            self.mismatches.append(f"{where} {name}: expected {expected!r}, got {got!r}")

    def detail_accuracy(self, name: str) -> float:
        total = self.details[name, True] + self.details[name, False]
        return self.details[name, True] / total if total else 1.0

    def category_scores(self) -> dict[str, tuple[float, float, int]]:
        """Per category: precision, recall and the number of true items."""
        scores = {}
        for category in CATEGORIES:
            truly = sum(n for (want, _), n in self.categories.items() if want == category)
            called = sum(n for (_, got), n in self.categories.items() if got == category)
            hits = self.categories[category, category]
            if truly or called:
                scores[category] = (hits / called if called else 0.0, hits / truly if truly else 0.0, truly)
        return scores

    def reason_scores(self) -> dict[str, tuple[float, float, int]]:
        """Per reason code and "micro" over all: precision, recall and the number of true tags."""
        codes = sorted({code for code, _ in self.reasons})
        scores = {}
        for code in [*codes, "micro"]:
            counts = {
                kind: sum(n for (c, k), n in self.reasons.items() if k == kind and code in (c, "micro"))
                for kind in ("tp", "fp", "fn")
            }
            tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
            scores[code] = (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp + fn)
        return scores

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
        lines += ["", "| guideline detail (per item) | right | total | accuracy |", "|---|---|---|---|"]
        for name in GUIDELINE_DETAILS:
            right, wrong = self.details[name, True], self.details[name, False]
            if right + wrong:
                lines.append(f"| {name} | {right} | {right + wrong} | {self.detail_accuracy(name):.2%} |")
        lines += self._render_categories()
        lines += self._render_reasons()
        if self.mismatches:
            lines += ["", f"mismatches ({len(self.mismatches)}, first {show}):"]
            lines += [f"- {m[:300]}" for m in self.mismatches[:show]]
        return "\n".join(lines)

    def _render_reasons(self) -> list[str]:
        if not self.reasons:
            return []
        lines = ["", "| reason code | true tags | precision | recall |", "|---|---|---|---|"]
        for code, (precision, recall, true) in self.reason_scores().items():
            name = "**micro (all codes)**" if code == "micro" else code
            lines.append(f"| {name} | {true} | {precision:.1%} | {recall:.1%} |")
        same, total = self.reason_evidence[True], sum(self.reason_evidence.values())
        if total:
            lines.append(f"\nevidence: the same sentence as the label for {same} of {total} codes found")
        return lines

    def _render_categories(self) -> list[str]:
        scores = self.category_scores()
        if not scores:
            return []
        lines = ["", "| category | items | precision | recall |", "|---|---|---|---|"]
        lines += [f"| {c} | {n} | {p:.1%} | {r:.1%} |" for c, (p, r, n) in scores.items()]
        called = sorted({got for _, got in self.categories} - set(scores), key=str)
        columns = [c for c in CATEGORIES if c in scores] + called
        short = {c: _SHORT.get(c, c) for c in columns}
        lines += ["", "confusion (rows: truth, columns: parser)", ""]
        lines.append("| truth \\ parser | " + " | ".join(short[c] for c in columns) + " |")
        lines.append("|---" * (len(columns) + 1) + "|")
        for want in scores:
            cells = [str(self.categories[want, got] or ".") for got in columns]
            lines.append(f"| {want} | " + " | ".join(cells) + " |")
        return lines


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
                got = dict(parse_text(document.text, str(letter_path), document.warnings))
            except NotALetter as err:
                got = {"error": str(err)}
        if "error" in got:
            report.mismatches.append(f"{letter_path.name}: {got['error']}")
        compare(truth, got, letter_path.name, report)
    return report


def compare(truth: dict, got: dict, where: str, report: Report) -> None:
    """Every field the truth states (a reason label states only items' treatments, decisions
    and reasons)."""
    for name in LETTER_FIELDS:
        if name in truth:
            report.add(name, truth[name] == got.get(name), where, truth[name], got.get(name))
    want_items, got_items = truth.get("items", []), got.get("items", [])
    report.add("items", len(want_items) == len(got_items), where, len(want_items), len(got_items))
    for index, want in enumerate(want_items):
        have = got_items[index] if index < len(got_items) else {}
        if "category" in want:
            report.categories[want["category"], have.get("category", MISSING)] += 1
        for name, (side, key) in GUIDELINE_DETAILS.items():
            if side in want:
                wanted = [c.get(key) for c in want[side]]
                found = [c.get(key) for c in have.get(side, [])] if have else None
                report.details[name, wanted == found] += 1
        if "reasons" in want:
            compare_reasons(want["reasons"], have.get("reasons", []), f"{where} item {index + 1}", report)
        for name in ITEM_FIELDS:
            if name not in want:
                continue
            report.add(
                name,
                want.get(name) == have.get(name),
                f"{where} item {index + 1}",
                want.get(name),
                have.get(name),
            )


def compare_reasons(want: list[dict], got: list[dict], where: str, report: Report) -> None:
    """Codes of one item: a true positive, a false positive or a miss each; for the codes found,
    whether the evidence is the labelled sentence."""
    wanted = {reason["code"]: reason["evidence"] for reason in want}
    found = {reason["code"]: reason["evidence"] for reason in got}
    for code in wanted.keys() | found.keys():
        kind = "tp" if code in wanted and code in found else "fn" if code in wanted else "fp"
        report.reasons[code, kind] += 1
        if kind == "tp":
            report.reason_evidence[" ".join(wanted[code].split()) == " ".join(found[code].split())] += 1
        else:
            missed = "missed" if kind == "fn" else "extra"
            report.mismatches.append(
                f"{where} reason {missed}: {code}: {(wanted.get(code) or found[code])[:160]!r}"
            )
