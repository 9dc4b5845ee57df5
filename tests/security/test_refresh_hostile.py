"""The refresh takes any file system: odd names, special files, unreadable folders, zip bombs and
a killed parent neither stop a run nor hide a file; what cannot be loaded is in `rejects`."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from etl.extract import MAX_ARCHIVE_MEMBERS, MAX_BYTES
from etl.refresh import EXIT_OK, EXIT_REJECTS
from etl.synth.generate import generate_letter
from tests.conftest import ROOT
from tests.etl.test_refresh import cli, one, query, run, write_letters


def letter_text(seed: str) -> str:
    return generate_letter(random.Random(seed), 0)[0]


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    """A folder of five good letters, and where the database goes."""
    letters = tmp_path / "letters"
    write_letters(letters, 0, 5)
    return letters, tmp_path / "db" / "imr.duckdb"


def test_a_name_that_is_not_utf8_loads_and_is_stored_losslessly(sources):
    letters, db = sources
    undecodable = letters / os.fsdecode(b"bad-\xff-name.txt")
    undecodable.write_text(letter_text("undecodable"), encoding="utf-8")
    (letters / r"bad-\xff-name.txt").write_text(letter_text("backslash"), encoding="utf-8")
    code, summary = run([letters], db)
    assert code == EXIT_OK, summary
    assert one(db, "SELECT count(*) FROM letters") == 7
    stored = {row[0] for row in query(db, "SELECT path FROM files WHERE status = 'ok'")}
    assert {f"{letters}/bad-\\xff-name.txt", f"{letters}/bad-\\\\xff-name.txt"} <= stored

    code, summary = run([letters], db)
    assert code == EXIT_OK and "0 new, 0 changed, 7 unchanged" in summary

    undecodable.unlink()
    code, summary = run([letters], db)
    assert code == EXIT_OK and "1 missing" in summary
    assert query(db, "SELECT path FROM files WHERE missing_since IS NOT NULL") == [
        (f"{letters}/bad-\\xff-name.txt",)
    ]


def reasons(db: Path) -> dict[str, str]:
    return dict(query(db, "SELECT split_part(path, '/', -1), reason FROM rejects"))


def test_fifos_devices_and_sockets_are_rejected_without_hanging(sources):
    letters, db = sources
    os.mkfifo(letters / "pipe.txt")
    (letters / "to-pipe.txt").symlink_to(letters / "pipe.txt")
    (letters / "zero.txt").symlink_to("/dev/zero")
    (letters / "nowhere.txt").symlink_to(letters / "gone")
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(letters / "sock.txt"))
        refreshing = cli("--source", str(letters), "--db", str(db), "--workers", "2")
        out, err = refreshing.communicate(timeout=120)
    assert refreshing.returncode == EXIT_REJECTS, err
    assert one(db, "SELECT count(*) FROM letters") == 5
    assert reasons(db) == {
        "pipe.txt": "not a regular file: FIFO",
        "to-pipe.txt": "not a regular file: FIFO",
        "zero.txt": "not a regular file: character device",
        "sock.txt": "not a regular file: socket",
        "nowhere.txt": "unreadable: No such file or directory",
    }
    assert f"rejected: {letters / 'pipe.txt'}: not a regular file: FIFO" in out


def test_a_folder_that_cannot_be_listed_is_rejected_and_loads_once_it_can(sources, monkeypatch):
    letters, db = sources
    locked = letters / "locked"
    write_letters(locked, 10, 2)
    scandir = os.scandir

    def scandir_as_if_locked(path):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", scandir_as_if_locked)
    code, summary = run([letters], db)
    assert code == EXIT_REJECTS
    assert f"rejected: {locked}: unreadable folder: Permission denied" in summary
    assert reasons(db) == {"locked": "unreadable folder: Permission denied"}
    assert one(db, "SELECT count(*) FROM letters") == 5

    monkeypatch.setattr(os, "scandir", scandir)
    code, summary = run([letters], db)
    assert code == EXIT_OK and "2 new" in summary
    assert one(db, "SELECT count(*) FROM letters") == 7


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists a folder whatever its mode")
def test_a_folder_without_permissions_is_rejected(sources):
    letters, db = sources
    locked = letters / "locked"
    write_letters(locked, 10, 2)
    locked.chmod(0)
    try:
        code, _summary = run([letters], db)
    finally:
        locked.chmod(0o755)
    assert code == EXIT_REJECTS
    assert reasons(db) == {"locked": "unreadable folder: Permission denied"}


def zip_bomb(path: Path, letter: str) -> None:
    """A letter, and a member that says it holds 1,000 bytes but inflates to 200 MB of zeros."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("letter.txt", letter)
        with archive.open("bomb.txt", "w") as bomb:
            for _ in range(200):
                bomb.write(bytes(2**20))
        bomb_info = archive.getinfo("bomb.txt")
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, bomb_info.header_offset + 22, 1_000)  # local header: size
    central = data.rindex(b"PK\x01\x02")  # the last central-directory entry is the bomb's
    struct.pack_into("<I", data, central + 24, 1_000)
    path.write_bytes(bytes(data))


def damaged_zip(path: Path, letter: str) -> None:
    """A letter, and a member whose compressed data is damaged (zlib, not zipfile, reports it)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("letter.txt", letter)
        archive.writestr("damaged.txt", letter + " (a copy)")
        damaged = archive.getinfo("damaged.txt")
    data = bytearray(path.read_bytes())
    data[damaged.header_offset + 30 + len("damaged.txt")] = 0xFF  # the first deflate block's header
    path.write_bytes(bytes(data))


def test_zips_are_read_within_their_archive_caps(sources):
    letters, db = sources
    with zipfile.ZipFile(letters / "many.zip", "w") as archive:
        archive.writestr("letter.txt", letter_text("many"))
        for n in range(MAX_ARCHIVE_MEMBERS + 1):
            archive.writestr(f"note-{n:05d}.txt", "a note")
    with zipfile.ZipFile(letters / "large.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("letter.txt", letter_text("large"))
        for n in range(5):
            archive.writestr(f"blank-{n}.txt", b" " * MAX_BYTES)
    zip_bomb(letters / "bomb.zip", letter_text("bomb"))
    damaged_zip(letters / "damaged.zip", letter_text("damaged"))
    code, _summary = run([letters], db)
    assert code == EXIT_REJECTS
    assert one(db, "SELECT count(*) FROM letters") == 5 + 4
    found = dict(
        query(db, "SELECT split_part(path, '/', -1), reason FROM rejects WHERE path NOT LIKE '%!note-%'")
    )
    assert found == {
        "large.zip!blank-0.txt": "empty file",
        "large.zip!blank-1.txt": "empty file",
        "large.zip!blank-2.txt": "empty file",
        "large.zip!blank-3.txt": "not read: past the archive's limit of 200 MB uncompressed",
        "large.zip!blank-4.txt": "not read: past the archive's limit of 200 MB uncompressed",
        "bomb.zip!bomb.txt": "unreadable zip member: Bad CRC-32 for file 'bomb.txt'",
        "damaged.zip!damaged.txt": "unreadable zip member: Error -3 while decompressing data: "
        "invalid block type",
    }
    notes = query(
        db, "SELECT reason, count(*) FROM rejects WHERE path LIKE '%!note-%' GROUP BY ALL ORDER BY 2"
    )
    assert notes == [
        ("not read: past the archive's limit of 10,000 letters, as are the 1 members after it", 1),
        ("not an IMR determination: too little text", MAX_ARCHIVE_MEMBERS - 1),
    ]


def children(pid: int) -> dict[int, str]:
    """The live child processes of `pid`, with their command lines (read from /proc)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            _, _, fields = stat.read_text().rpartition(")")
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        state, ppid = fields.split()[:2]
        if int(ppid) == pid and state != "Z":
            found[int(stat.parent.name)] = cmdline
    return found


def alive(pid: int, cmdline: str) -> bool:
    """Whether the process still runs (and is the same process, not a new one with its pid)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        return (
            state != "Z"
            and Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            == cmdline
        )
    except OSError:
        return False


def wait_for(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes through /proc")
def test_workers_of_a_killed_refresh_exit_with_it(sources):
    letters, db = sources
    write_letters(letters / "batch", 10, 300)
    for copy in range(4):  # copies parse like new files: enough work to be killed mid-run
        shutil.copytree(letters / "batch", letters / f"copy-{copy}")
    refreshing = cli("--source", str(letters), "--db", str(db), "--workers", "2")
    spawned: dict[int, str] = {}

    def workers() -> dict[int, str]:
        found = children(refreshing.pid)
        return found if sum("spawn_main" in cmdline for cmdline in found.values()) == 2 else {}

    try:
        spawned = wait_for(workers, 60)
        assert spawned and refreshing.poll() is None, "the refresh ended before it could be killed"
        refreshing.send_signal(signal.SIGKILL)
        refreshing.wait(timeout=10)
        gone = wait_for(lambda: not any(alive(pid, cmdline) for pid, cmdline in spawned.items()), 5)
        assert gone, f"still running 5 s after the refresh was killed: {spawned}"
    finally:  # should the test fail: end what it started (the workers hold the output pipes)
        refreshing.kill()
        for pid, cmdline in spawned.items():
            if alive(pid, cmdline):
                os.kill(pid, signal.SIGKILL)
        refreshing.communicate(timeout=30)


def python(code: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, text=True, **popen)


def test_a_worker_whose_parent_died_before_it_started_ends_at_once():
    started = python("import os, time\nfrom etl import workers\nworkers._die_with_parent(-1)\ntime.sleep(60)")
    assert started.wait(timeout=30) == 1


def test_without_the_kernels_help_a_worker_still_ends_with_its_parent():
    worker = (
        "import os, time\nfrom etl import workers\n"
        "workers._killed_with_parent = lambda: False\n"
        "workers._die_with_parent(os.getppid())\nprint('watching', flush=True)\ntime.sleep(60)"
    )
    parent = python(
        f"import subprocess, sys\nworker = subprocess.Popen([sys.executable, '-c', {worker!r}])\n"
        "print(worker.pid, flush=True)\nworker.wait()",
        stdout=subprocess.PIPE,
    )
    pid = int(parent.stdout.readline())
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    try:
        assert parent.stdout.readline().strip() == "watching"
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert wait_for(lambda: not alive(pid, cmdline), 5), "the worker outlived its parent"
    finally:
        if alive(pid, cmdline):
            os.kill(pid, signal.SIGKILL)
        parent.stdout.close()
