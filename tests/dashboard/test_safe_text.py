"""Text from letters and paths reaches Markdown-rendering elements only through markdown_literal."""

import re
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.safe_text import MARKDOWN_SPECIALS, markdown_literal
from tests.conftest import ROOT

_UNESCAPE = re.compile(r"\\(.)")


@given(st.text())
def test_every_markdown_character_is_escaped_and_nothing_else_changes(text):
    escaped = markdown_literal(text)
    unescaped_specials = re.sub(r"\\.", "", escaped)
    assert not set(unescaped_specials) & set(MARKDOWN_SPECIALS)
    assert _UNESCAPE.sub(r"\1", escaped) == " ".join(text.split())


@pytest.mark.parametrize(
    "hostile",
    [
        "![x](http://127.0.0.1:9/pixel.png)",
        "[click](https://example.invalid)",
        "<img src=x onerror=alert(1)>",
        ":red[warning] :material/home: $x^2$",
        "**bold** _it_ `code` # heading",
        "www.example.invalid",
    ],
)
def test_links_images_html_and_directives_are_shown_as_written(hostile):
    escaped = markdown_literal(hostile)
    assert re.search(r"(?<!\\)[!\[\]()<>:$*_`#.]", escaped) is None, escaped


def test_the_dashboard_listens_on_this_machine_only_by_default():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "localhost"
