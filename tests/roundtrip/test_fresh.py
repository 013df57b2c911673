"""New files in the style of existing ones, and a source's comment lines (roundtrip.fresh)."""

from __future__ import annotations

from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from migrate.roundtrip.fresh import Layout, comments_above, leading_comments, shared

# --- layout of new files ----------------------------------------------------------------------------------
FLUSH = "a:\n  b:\n  - x\n  c:\n    d: 1\n"


INDENTED = "a:\n  b:\n    - x\n"


def test_layout_is_detected_and_used_for_new_files():
    assert Layout.of(FLUSH) == Layout(2, 0) and Layout.of(INDENTED) == Layout(2, 2)
    assert Layout(2, 0).dump({"b": ["x"], "c": {"d": 1}}) == "b:\n- x\nc:\n  d: 1\n"
    assert Layout(2, 2).dump({"b": [{"n": 1, "m": 2}]}) == "b:\n  - n: 1\n    m: 2\n"
    assert Layout(2, 0).nested("k", [1]) == ["  k:", "  - 1"]
    assert Layout(2, 0).dump({"t": DoubleQuotedScalarString("0123"), "s": "1"}) == "t: \"0123\"\ns: '1'\n"


def test_comment_helpers_read_what_a_reviewer_sees():
    text = "# head\n# two\n\nkey: 1\n\n# about x\nx: 2\n"
    assert leading_comments(text) == ["# head", "# two"]
    assert comments_above(text, 7) == (["# about x"], True)
    assert comments_above(text, 4) == ([], True)
    assert shared([["# a", "# b"], ["# b"], ["# b", "# c"]]) == ["# b"]
