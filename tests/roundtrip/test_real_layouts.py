"""Layouts found in real repositories that re-emission used to change: each one reproduces byte for byte,
and an edit elsewhere in the file leaves it exactly as it was (roundtrip.lines.keep_trailing_whitespace)."""

from __future__ import annotations

import pytest

from migrate.roundtrip import YamlFile, set_scalar

CASES = {
    "trailing spaces after values": "a: 1 \nb:\n  c: x   \nedit: old\n",
    "blank lines of spaces": "a: 1\n  \nb: 2\n    \n  # a comment after spaces\nedit: old\n",
    "aligned flow mappings": "mounts:\n  - { name: data,    mountPath: /data }\n  - { name: tiles,  mountPath: /t }\n"
                             "edit: old\n",
    "multi-line flow sequence": "args: [\n  \"--a\",\n  \"--b\"\n]\nedit: old\n",
    "flow sequence with a trailing comma": "flow: !Find [\n  a.b,\n  [slug, \"x\"],\n]\nedit: old\n",
    "multi-line plain scalar": "description: one two\n  three four\n  five\nedit: old\n",
    "value on the next line": "hostname:\n  argocd.example.com\nedit: old\n",
    "aliases indented under their key": "hosts:\n  - host: &host a.example.com\ntls:\n  - hosts:\n      - *host\n"
                                        "edit: old\n",
    "a literal block last, without final newline": "edit: old\nrun: |\n  echo a\n  echo b",
    "unicode escapes": "a: \"it\\u2019s\"\nedit: old\n",
    "template-like flow keys": "hosts:\n  - {{ .hostname }}\nedit: old\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_layouts_reproduce_and_survive_an_edit_elsewhere(name):
    text = CASES[name]
    yf = YamlFile.parse(text)
    assert yf.roundtrips(), yf.first_difference()
    doc = yf.docs[0]
    set_scalar(doc, "edit", "new")
    assert yf.dump() == text.replace("edit: old", "edit: new")


def test_a_whitespace_only_difference_is_shown_with_visible_whitespace():
    from migrate.repo.diffs import whitespace_changes
    from migrate.roundtrip.document import _show

    assert whitespace_changes({"a.yaml": "x: 1  \ny: 2\n"}, {"a.yaml": "x: 1\ny: 3\n"}) == ["a.yaml:1: x:·1·· -> x:·1"]
    assert _show("a:\tb", "a: b") == "a:→b"
