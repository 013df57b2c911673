"""Property-based round trip (hypothesis): random YAML documents with comments, odd indentation and
flow/block mixes are reproduced byte for byte; a random single-value edit changes exactly that value's
line. ``bench/reliability.py`` runs more cases (``--property-cases``)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.roundtrip import YamlFile
from migrate.roundtrip.lines import split_lines

CASES = int(os.environ.get("MIGRATE_PROPERTY_CASES", "60"))
KEYS = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
SCALARS = st.one_of(st.from_regex(r"[a-z][a-z0-9.-]{0,10}", fullmatch=True), st.integers(-999, 999).map(str),
                    st.sampled_from(["true", "false", '"quoted value"', "'single'", "~"]))
COMMENTS = st.one_of(st.just(""), st.from_regex(r" # [a-z ]{0,12}", fullmatch=True),
                     st.sampled_from([" # 한국어 주석", " #"]))


@st.composite
def documents(draw, depth: int = 0, indent: str = "") -> list[str]:
    """Lines of a block mapping: scalars, flow maps/lists, nested maps, block lists with either dash
    offset; comments after values and on their own lines; blank lines."""
    step = draw(st.sampled_from(["  ", "    "]))
    dash_pad = draw(st.sampled_from(["", "  "]))
    lines: list[str] = []
    for key in draw(st.lists(KEYS, min_size=1, max_size=5, unique=True)):
        kind = draw(st.sampled_from(["scalar", "flow-list", "flow-map", "map", "list"] if depth < 2 else ["scalar"]))
        if draw(st.booleans()) and draw(st.booleans()):
            lines.append(f"{indent}# {key} comment")
        if kind == "scalar":
            lines.append(f"{indent}{key}: {draw(SCALARS)}{draw(COMMENTS)}")
        elif kind == "flow-list":
            lines.append(f"{indent}{key}: [{', '.join(draw(st.lists(SCALARS, max_size=3)))}]{draw(COMMENTS)}")
        elif kind == "flow-map":
            pairs = draw(st.lists(st.tuples(KEYS, SCALARS), max_size=3, unique_by=lambda t: t[0]))
            lines.append(f"{indent}{key}: {{{', '.join(f'{k}: {v}' for k, v in pairs)}}}{draw(COMMENTS)}")
        elif kind == "map":
            lines.append(f"{indent}{key}:{draw(COMMENTS)}")
            lines += draw(documents(depth + 1, indent + step))
        else:
            lines.append(f"{indent}{key}:")
            for value in draw(st.lists(SCALARS, min_size=1, max_size=3)):
                lines.append(f"{indent}{dash_pad}- {value}{draw(COMMENTS)}")
        if draw(st.booleans()) and not draw(st.booleans()):
            lines.append("")
    return lines


def _text(lines: list[str], final_newline: bool) -> str:
    return "\n".join(lines) + ("\n" if final_newline else "")


@settings(max_examples=CASES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.booleans())
def test_random_documents_round_trip_byte_for_byte(lines, final_newline):
    text = _text(lines, final_newline)
    assert YamlFile.parse(text).dump() == text


@settings(max_examples=CASES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.booleans(), st.data())
def test_a_single_value_edit_changes_exactly_that_values_line(lines, final_newline, data):
    text = _text(lines, final_newline)
    f = YamlFile.parse(text)
    doc = f.docs[0]
    scalars = [(container, key) for container, key in _scalar_slots(doc)]
    if not scalars:
        return
    container, key = data.draw(st.sampled_from(scalars))
    line = (container.lc.key(key)[0] if isinstance(container, dict) else container.lc.item(key)[0])
    container[key] = "edited-value"
    out = f.dump()
    before, after = split_lines(text), split_lines(out)
    assert len(before) == len(after)
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert changed == [line], (text, out)
    assert "edited-value" in after[line]


def _scalar_slots(node):
    """(container, key) of every block-style scalar value in ``node`` (flow collections excluded)."""
    if isinstance(node, dict):
        if node.fa.flow_style():
            return
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                yield from _scalar_slots(value)
            elif value is not None:
                yield node, key
    elif isinstance(node, list):
        if node.fa.flow_style():
            return
        for index, value in enumerate(node):
            if isinstance(value, (dict, list)):
                yield from _scalar_slots(value)
            elif value is not None:
                yield node, index
