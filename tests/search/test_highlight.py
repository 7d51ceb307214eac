"""Issue #11 load (ADR 0012): ``highlight_html`` (every search hit's title and snippet) gives
exactly the pieces of ``algos.text.mark_terms``, escaped, for any text and words."""

from __future__ import annotations

from django.utils.html import escape
from hypothesis import given, settings
from hypothesis import strategies as st

from educloud.algos.text import mark_terms
from educloud.search.api import highlight_html

# Simplified and traditional forms, full-width and compatibility characters (normalization may
# change a text's length), HTML specials, spaces.
ALPHABET = "数學学勾股定理abcABCＡＢｆﬁ①<>&\"' 　"


def _reference(text: str, words: list[str]) -> str:
    pieces = mark_terms(text, words)
    return "".join(f"<mark>{escape(s)}</mark>" if hit else str(escape(s)) for s, hit in pieces)


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet=ALPHABET, max_size=60),
    words=st.lists(st.text(alphabet=ALPHABET, max_size=4), max_size=4),
)
def test_highlight_equals_the_marked_pieces(text: str, words: list[str]) -> None:
    assert str(highlight_html(text, words)) == _reference(text, words)


def test_overlapping_touching_and_escaped_marks() -> None:
    assert str(highlight_html("勾股定理<b>", ["勾股", "股定", "理"])) == "<mark>勾股定理</mark>&lt;b&gt;"
    assert str(highlight_html("數學與数学", ["数学"])) == "<mark>數學</mark>與<mark>数学</mark>"
    assert str(highlight_html("a&b", [])) == "a&amp;b"
    assert str(highlight_html("", ["数学"])) == ""
