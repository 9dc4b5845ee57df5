"""The copy a refresh starts from: a reflink where the file system clones files, a byte copy
where it cannot, and any other failure reported, never hidden behind a fallback."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from etl import publish


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "imr.duckdb"
    path.write_bytes(os.urandom(3 * 2**20 + 17))
    return path


def test_the_copy_holds_the_same_bytes_whatever_the_file_system(source: Path) -> None:
    target = source.with_name("imr.duckdb.building")
    assert publish.copy(source, target) in {"reflink", "copy"}
    assert target.read_bytes() == source.read_bytes()


def clone_refused(code: int):
    def ioctl(descriptor: int, request: int, argument: int) -> None:
        assert request == publish.FICLONE
        raise OSError(code, os.strerror(code))

    return ioctl


@pytest.mark.parametrize("code", sorted(publish.NO_REFLINK))
def test_without_reflinks_the_bytes_are_copied(source: Path, monkeypatch, code: int) -> None:
    monkeypatch.setattr(publish.fcntl, "ioctl", clone_refused(code))
    target = source.with_name("copy")
    assert publish.copy(source, target) == "copy"
    assert target.read_bytes() == source.read_bytes()


def test_a_failing_disk_is_not_mistaken_for_a_missing_feature(source: Path, monkeypatch) -> None:
    monkeypatch.setattr(publish.fcntl, "ioctl", clone_refused(errno.EIO))
    copied = []
    monkeypatch.setattr(publish.shutil, "copyfile", lambda *paths: copied.append(paths))
    with pytest.raises(OSError, match="Input/output error"):
        publish.copy(source, source.with_name("copy"))
    assert copied == []


def test_a_clone_is_not_copied_again(source: Path, monkeypatch) -> None:
    def clone(descriptor: int, request: int, argument: int) -> None:  # what FICLONE leaves behind
        os.sendfile(descriptor, argument, 0, source.stat().st_size)

    monkeypatch.setattr(publish.fcntl, "ioctl", clone)
    monkeypatch.setattr(publish.shutil, "copyfile", lambda *paths: pytest.fail("copied after a clone"))
    target = source.with_name("clone")
    assert publish.copy(source, target) == "reflink"
    assert target.read_bytes() == source.read_bytes()
