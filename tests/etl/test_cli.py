import json
import shutil
import subprocess
import sys
import zipfile

from etl.cli import main
from etl.records import LETTER_KEYS
from tests.conftest import FIXTURES, ROOT

LETTERS = FIXTURES / "letters"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_parse_prints_one_contract_line_per_letter_and_exits_0():
    done = run("parse", str(LETTERS / "fdl2013-three-items.txt"), str(LETTERS / "fdl2014-two-items.txt"))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [list(record) for record in lines] == [list(LETTER_KEYS)] * 2
    assert lines[0]["source"] == str(LETTERS / "fdl2013-three-items.txt")
    assert "parsed 2 letters" in done.stderr


def test_parse_folder_and_zip_with_rejects_exits_1_after_every_file(tmp_path):
    shutil.copy(LETTERS / "fdl2014-two-items.txt", tmp_path / "a.txt")
    shutil.copy(FIXTURES / "not-letters" / "progress-report.txt", tmp_path / "b.txt")
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as archive:
        archive.write(LETTERS / "fdl2013-three-items.txt", "inner/letter.txt")
    (tmp_path / "d.txt").write_bytes(b"\x00\xff" * 300)
    done = run("parse", str(tmp_path))
    assert done.returncode == 1
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["source"] for r in records] == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "b.txt"),
        f"{tmp_path / 'c.zip'}!inner/letter.txt",
        str(tmp_path / "d.txt"),
    ]
    assert records[1] == {"source": str(tmp_path / "b.txt"), "error": records[1]["error"]}
    assert records[1]["error"].startswith("not an IMR determination")
    assert records[2]["format"] == "fdl-2013"
    assert records[3]["error"].startswith("undecodable")


def test_windows_1252_crlf_letter(tmp_path):
    text = (LETTERS / "fdl2014-two-items.txt").read_text().replace("Associated", "Associ\u00e9ted")
    path = tmp_path / "w.txt"
    path.write_bytes(text.replace("\n", "\r\n").encode("cp1252"))
    [record] = [json.loads(line) for line in run("parse", str(path)).stdout.splitlines()]
    assert record["items"][1]["treatment"].startswith("Associ\u00e9ted surgical service")


def test_eval_reports_field_accuracy(capsys):
    assert (
        main(
            [
                "eval",
                *(str(LETTERS / f"{name}.json") for name in ("fdl2013-three-items", "fdl2014-two-items")),
            ]
        )
        == 0
    )
    report = capsys.readouterr().out
    assert "| decision | 5 | 5 | 100.00% |" in report
    assert "**all fields**" in report


def test_eval_counts_a_wrong_truth_as_a_mismatch(tmp_path, capsys):
    truth = json.loads((LETTERS / "fdl2014-two-items.json").read_text())
    truth["letter"] = str(LETTERS / "fdl2014-two-items.txt")
    truth["items"][0]["decision"] = "upheld"
    (tmp_path / "t.json").write_text(json.dumps(truth))
    main(["eval", str(tmp_path)])
    report = capsys.readouterr().out
    assert "| decision | 1 | 2 | 50.00% |" in report
    assert "expected 'upheld', got 'overturned'" in report


def test_usage_errors_exit_2(capsys):
    assert main(["eval", "no/such/path"]) == 2
    try:
        main(["synth", "--count", "1", "--out", "x", "--pdf-share", "2"])
    except SystemExit as exit_:
        assert exit_.code == 2
