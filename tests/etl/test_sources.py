import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.sources import filesystem_path, stored_path


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        (b"plain letter.txt", "plain letter.txt"),
        ("Décision.txt".encode(), "Décision.txt"),
        (b"bad-\xff-name.txt", r"bad-\xff-name.txt"),
        (rb"bad-\xff-name.txt", r"bad-\\xff-name.txt"),
        (b"caf\xe9\\.txt", r"caf\xe9\\.txt"),
    ],
)
def test_stored_paths_escape_undecodable_bytes_and_backslashes(name, stored):
    assert stored_path(os.fsdecode(name)) == stored
    assert filesystem_path(stored) == os.fsdecode(name)


@given(st.binary())
def test_every_file_name_is_stored_as_text_and_comes_back(name):
    path = os.fsdecode(name)
    stored = stored_path(path)
    stored.encode("utf-8")  # text the database can hold: no lone surrogates
    assert filesystem_path(stored) == path  # so two names never share a stored path
