"""Letter search: whole letters (case summary included) or items only, prefixes, the searched words
marked in the letter view. Counts are checked against SQL over the letter texts themselves (a
regular expression per word), independent of the postings the search reads."""

from __future__ import annotations

import html
import random
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard import queries, settings
from dashboard.connection import Database, file_identity
from dashboard.filters import Filters
from dashboard.highlight import EVIDENCE_MARK, SEARCH_MARK, TREATMENT_MARK, highlighted
from etl import dashboard_tables
from etl.load import LoadedLetter, create_schema, insert_letters
from etl.synth.generate import generate_letter
from tests.dashboard.test_app import open_app, sql_rows

EVERYTHING = Filters(include_synthetic=True)
SUMMARY_ONLY_DRUG = "Zonisamide"  # named in one letter's case summary, nowhere else


def word_in_text(word: str, prefix: bool = False) -> str:
    """SQL: the letter text holds `word` as a whole word (or a word starting with it)."""
    rest = "[a-z0-9]*" if prefix else ""
    return f"regexp_matches(lower(t.text), '(^|[^a-z0-9]){word}{rest}([^a-z0-9]|$)')"


def items_of_letters_with(con: duckdb.DuckDBPyConnection, conditions: list[str], where: str = "true") -> int:
    texts = " AND ".join(conditions)
    return con.execute(
        f"""SELECT count(*) FROM decisions d WHERE {where} AND d.doc_id IN
            (SELECT t.doc_id FROM letter_texts t WHERE {texts})"""
    ).fetchone()[0]


@pytest.fixture(scope="module")
def summary_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated letters, one of which names SUMMARY_ONLY_DRUG in its case summary only."""
    letters = []
    for index in range(40):
        text, record = generate_letter(random.Random(f"search-tests:{index}"), index)
        if index == 7:
            heading = "CLINICAL CASE SUMMARY\n"
            text = text.replace(heading, f"{heading}Medications include {SUMMARY_ONLY_DRUG} 100mg.\n", 1)
            assert SUMMARY_ONLY_DRUG in text
        letters.append(LoadedLetter(record, text, synthetic=True))
    path = tmp_path_factory.mktemp("search") / "imr.duckdb"
    con = duckdb.connect(str(path))
    create_schema(con)
    insert_letters(con, letters[:20], "test", run_id=1)
    insert_letters(con, letters[20:], "test", run_id=2)  # the word list merged across two loads
    dashboard_tables.build(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def db(summary_db: Path):
    database = Database(file_identity(summary_db))
    yield database
    database.close()


def found_items(db: Database, text: str, scope: str = "letter") -> list[str]:
    found = queries.search(db.cursor(), text, scope)
    return list(queries.explorer_page(db.cursor(), EVERYTHING, found, 0, page_size=10_000)["item_id"])


def test_a_drug_named_only_in_the_case_summary_is_found_in_whole_letters(
    db: Database, summary_db: Path
) -> None:
    with duckdb.connect(str(summary_db), read_only=True) as con:
        expected = sql_rows(
            con,
            f"""SELECT d.item_id FROM decisions d JOIN letter_texts t USING (doc_id)
                WHERE {word_in_text(SUMMARY_ONLY_DRUG.lower())} ORDER BY d.item_id""",
        )
        assert con.execute(
            f"SELECT count(*) FROM items WHERE rationale ILIKE '%{SUMMARY_ONLY_DRUG}%'"
        ).fetchone() == (0,)
    assert expected and sorted(found_items(db, SUMMARY_ONLY_DRUG)) == [item for (item,) in expected]
    assert found_items(db, SUMMARY_ONLY_DRUG, scope="item") == []  # not in any treatment or rationale


def test_a_prefix_finds_the_words_it_starts(db: Database, summary_db: Path) -> None:
    for typed in ("zonisam*", "zonisam", "ZONI*"):
        found = queries.search(db.cursor(), typed)
        assert found.forms == ("zonisamide",) and found.problem is None
        assert found.words[0].completed == (not typed.endswith("*"))
        assert len(found_items(db, typed)) == len(found_items(db, SUMMARY_ONLY_DRUG))


def test_every_word_must_match_and_one_form_may_serve_two_words(db: Database, summary_db: Path) -> None:
    with duckdb.connect(str(summary_db), read_only=True) as con:
        both = items_of_letters_with(con, [word_in_text("zonisamide"), word_in_text("shoulder")])
        neither = items_of_letters_with(con, [word_in_text("zonisamide"), word_in_text("tramadolx")])
    assert len(found_items(db, "zonisamide shoulder")) == both > 0
    assert len(found_items(db, "zonisamide tramadolx")) == neither == 0
    assert len(found_items(db, "zonisamide zonis*")) == both


def test_several_words_are_narrowed_from_the_rarest_whatever_order_they_are_typed(
    db: Database, summary_db: Path
) -> None:
    with duckdb.connect(str(summary_db), read_only=True) as con:
        letters_with = {
            word: con.execute(f"SELECT count(*) FROM letter_texts t WHERE {word_in_text(word)}").fetchone()[0]
            for word in ("zonisamide", "shoulder", "review")
        }
        expected = items_of_letters_with(con, [word_in_text(word) for word in letters_with])
    found = queries.search(db.cursor(), "review shoulder zonisamide")
    assert {word.typed: word.postings for word in found.words} == letters_with  # one posting per letter
    assert 1 == letters_with["zonisamide"] < letters_with["shoulder"]
    for typed in ("review shoulder zonisamide", "zonisamide review shoulder", "shoulder zonisamide review"):
        assert len(found_items(db, typed)) == expected > 0


def test_a_prefix_too_short_or_too_broad_finds_nothing_and_says_why(db: Database, monkeypatch) -> None:
    short = queries.search(db.cursor(), "gabapentin ga*")
    assert short.problem == f"“ga*”: a prefix needs at least {settings.SEARCH_PREFIX_MIN} letters or digits."
    assert queries.explorer_count(db.cursor(), EVERYTHING, short) == 0
    monkeypatch.setattr(settings, "SEARCH_PREFIX_CAP", 2)
    broad = queries.search(db.cursor(), "rev*")  # review, reviewed, reviewer, …
    assert broad.problem and "more than 2 different words" in broad.problem
    assert queries.explorer_count(db.cursor(), EVERYTHING, broad) == 0


def test_a_short_whole_word_no_letter_holds_finds_nothing(db: Database) -> None:
    found = queries.search(db.cursor(), "qx")
    assert found.words == (queries.SearchWord("qx", ()),) and found.problem is None
    assert queries.explorer_count(db.cursor(), EVERYTHING, found) == 0


# The page, on the shared fixture database ----------------------------------------------------


@pytest.mark.usefixtures("imr_db")
@pytest.mark.parametrize(
    ("typed", "conditions"),
    [
        ("gabapentin", [word_in_text("gabapentin")]),
        ("gabapent*", [word_in_text("gabapent", prefix=True)]),
        ("gabapent", [word_in_text("gabapent", prefix=True)]),
        ("lumbar MRI", [word_in_text("lumbar"), word_in_text("mri")]),
    ],
)
def test_the_page_counts_the_items_of_every_letter_holding_the_words(reference, typed, conditions) -> None:
    at = open_app("letters", {"include_synthetic": True})
    at.text_input(key="letters_search").set_value(typed).run()
    assert not at.exception, [e.value for e in at.exception]
    total = items_of_letters_with(reference, conditions)
    assert total > 0
    assert f"**{total:,}** items match" in " ".join(m.value for m in at.markdown)
    expected_page = sql_rows(
        reference,
        f"""SELECT item_id FROM decisions WHERE doc_id IN
            (SELECT t.doc_id FROM letter_texts t WHERE {" AND ".join(conditions)})
            ORDER BY decision_date DESC NULLS LAST, doc_id, item_no LIMIT {settings.PAGE_SIZE}""",
    )
    assert [(item,) for item in at.dataframe[0].value["item_id"]] == expected_page
    if ("gabapent" in typed and "*" in typed) or typed == "gabapent":
        assert any("gabapentin" in caption.value for caption in at.caption)
    shown = at.get("html")[0].proto.body
    first_word = typed.split()[0].rstrip("*").lower()
    assert f"{SEARCH_MARK}{first_word}".lower() in shown.lower()


@pytest.mark.usefixtures("imr_db")
def test_the_page_searches_items_only_when_asked(reference) -> None:
    at = open_app("letters", {"include_synthetic": True})
    at.radio(key="letters_search_scope").set_value("item").run()
    at.text_input(key="letters_search").set_value("gabapentin").run()
    own_text = "lower(treatment || ' ' || coalesce(rationale, ''))"
    total = reference.execute(
        f"SELECT count(*) FROM items WHERE regexp_matches({own_text}, '(^|[^a-z0-9])gabapentin([^a-z0-9]|$)')"
    ).fetchone()[0]
    assert 0 < total < items_of_letters_with(reference, [word_in_text("gabapentin")])
    assert f"**{total:,}** items match" in " ".join(m.value for m in at.markdown)


@pytest.mark.usefixtures("imr_db")
def test_the_page_says_a_prefix_is_too_short() -> None:
    at = open_app("letters", {"include_synthetic": True})
    at.text_input(key="letters_search").set_value("ga*").run()
    assert any("a prefix needs at least 3" in w.value for w in at.warning)
    assert "No items match." in " ".join(m.value for m in at.markdown)


# Highlighting the searched words ----------------------------------------------------------------


def test_searched_words_are_marked_as_whole_words_in_any_case() -> None:
    text = "Gabapentin 600mg; GABAPENTIN again, not pregabapentin nor gabapentins."
    marked = highlighted(text, None, (), ("gabapentin",))
    assert marked.count(SEARCH_MARK) == 2
    assert f"{SEARCH_MARK}Gabapentin</mark>" in marked and f"{SEARCH_MARK}GABAPENTIN</mark>" in marked


def test_a_searched_word_inside_the_treatment_and_the_evidence_is_marked_as_searched() -> None:
    text = "Norco 10mg is requested. Norco is not recommended here."
    marked = highlighted(text, "Norco 10mg", ["Norco is not recommended here."], ("norco",))
    assert marked.count(SEARCH_MARK) == 2
    assert (
        f"{TREATMENT_MARK} 10mg</mark>" in marked
        and f"{EVIDENCE_MARK} is not recommended here.</mark>" in marked
    )


def test_searched_words_in_a_hostile_letter_are_marked_and_everything_escaped() -> None:
    hostile = "Norco <script>alert(1)</script> **norco** [norco](javascript:alert(2)) <img src=x>norco"
    marked = highlighted(hostile, None, (), ("norco", "script", "img"))
    assert "<script" not in marked and "<img" not in marked
    assert marked.count(SEARCH_MARK) == 7
    assert f"&lt;{SEARCH_MARK}script</mark>&gt;" in marked and f"**{SEARCH_MARK}norco</mark>**" in marked


@given(st.text(max_size=200), st.lists(st.from_regex(r"[a-z0-9]{2,8}", fullmatch=True), max_size=4))
def test_marking_searched_words_never_lets_markup_through(text: str, searched: list[str]) -> None:
    marked = highlighted(text, None, (), searched)
    plain = marked.replace(SEARCH_MARK, "").replace("</mark>", "")
    assert "<" not in plain and html.unescape(plain) == text
