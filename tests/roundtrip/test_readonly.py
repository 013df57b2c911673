"""The read-only parser (libyaml events) builds what the round trip builds for reading: the same data, the
same lines, the same string styles; where it cannot, it hands the file to the round trip."""

from __future__ import annotations

import subprocess

import pytest
from ruamel.yaml.scalarstring import (DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString,
                                      SingleQuotedScalarString)

from migrate.errors import YamlError
from migrate.repo.tracked import Tree
from migrate.roundtrip import read_docs
from migrate.roundtrip.document import Parsed
from migrate.roundtrip.nodes import plain
from migrate.roundtrip.readonly import _RoundTrip, parse_fast

STYLED = (LiteralScalarString, FoldedScalarString, DoubleQuotedScalarString, SingleQuotedScalarString)


def shape(node, path="") -> list:
    """Every node's position and every styled string's type, in document order (what readers look at)."""
    out = []
    if isinstance(node, (dict, list)) and hasattr(node, "lc"):
        lc = node.lc
        out.append((path, lc.line, lc.col))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            where = (lc.data or {}).get(key)
            out.append((f"{path}/{key}", where[0] if where else None, where[1] if where else None))
            out += shape(value, f"{path}/{key}")
    elif isinstance(node, list):   # the documents of a file
        for i, doc in enumerate(node):
            out += shape(doc, f"#{i}")
    else:
        out.append((path, next((t.__name__ for t in STYLED if isinstance(node, t)), None)))
    return out


def assert_same_as_round_trip(text: str) -> None:
    fast, slow = parse_fast(text), Parsed.from_text(text, "f.yaml").docs
    assert plain(fast) == plain(slow)
    assert shape(fast) == shape(slow)


SAME = {
    "a manifest": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web  # the site\n  labels: {app: web}\n"
                  "spec:\n  ports:\n    - port: 80\n      targetPort: http\n",
    "several documents and framing": "# head\n---\na: 1\n--- # two\nb: [1, 2]\n...\n---\n\n---\nc: x\n",
    "YAML 1.2 scalars": "a: yes\nb: on\nc: 017\nd: 1.5\ne: -2\nf: ~\ng:\nh: True\ni: 1e3\nj: '1'\nk: \"x\"\n",
    "block scalars": "run: |\n  echo a\n  echo b\nnote: >-\n  one\n  two\nkeep: |+\n  x\n\nlast: 1\n",
    "an indentless sequence": "items:\n- a\n- b: 1\n  c: 2\n- - nested\n",
    "anchors and aliases": "base: &b\n  image: web\nuses:\n  - *b\nhost: &h a.example.com\nagain: *h\n",
    "flow collections over lines": "args: [\n  \"--a\",\n  --b\n]\nmap: {a: 1,\n  b: 2}\n",
    "a BOM and CRLF": "\ufeffa: 1\r\nb:\r\n  - x\r\n",
    "no final newline": "a: |\n  text",
    "comments only": "# nothing here\n",
    "unicode": "name: \"caf\\u00e9\"\nplain: 한국어\n",
    "content on the marker line": "--- !!map\na: 1\n--- |\n  text\n",
}


@pytest.mark.parametrize("name", sorted(SAME))
def test_the_same_data_lines_and_styles_as_the_round_trip(name):
    text = SAME[name]
    try:
        assert_same_as_round_trip(text)
    except _RoundTrip:
        assert name == "content on the marker line"    # an explicit tag: the round trip reads it


ROUND_TRIP = {
    "an explicit tag": "a: !vault x\n",
    "a merge key": "base: &b {a: 1}\nm:\n  <<: *b\n  c: 2\n",
    "an anchor defined twice": "a: &x 1\nb: &x 2\nc: *x\n",
    "a hex int": "a: 0x1f\n",
    "a timestamp": "a: 2024-01-01\n",
    "infinity": "a: .inf\n",
    "a complex key": "? [a, b]\n: 1\n",
    "a duplicate key": "a: 1\na: 2\n",
    "invalid YAML": "a: [1\n",
}


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_what_it_cannot_build_exactly_goes_to_the_round_trip(name):
    with pytest.raises(_RoundTrip):
        parse_fast(ROUND_TRIP[name])


def test_read_docs_falls_back_with_the_round_trips_data_warnings_and_errors(tmp_path):
    (tmp_path / "merge.yaml").write_text(ROUND_TRIP["a merge key"])
    (tmp_path / "twice.yaml").write_text(ROUND_TRIP["an anchor defined twice"])
    (tmp_path / "dup.yaml").write_text("a: 1\nb: 2\na: 3\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    tree = Tree.from_repo(tmp_path)
    assert plain(read_docs(tree, "merge.yaml").docs)[0]["m"] == {"a": 1, "c": 2}
    assert "defined again" in read_docs(tree, "twice.yaml").warnings[0][1]
    with pytest.raises(YamlError) as raised:
        read_docs(tree, "dup.yaml")
    assert raised.value.path == "dup.yaml" and raised.value.line == 3 and "duplicate key" in str(raised.value)


def test_a_tab_after_a_value_is_read_as_argo_cd_reads_it():
    """libyaml (like Go's YAML library) accepts a tab after a value; ruamel refuses it. Argo CD applies such a
    file, so the analysis reads it; a step that must edit it is told the round trip cannot."""
    assert plain(parse_fast("kind: Service\t\nmetadata:\t\n  name: web\n")) == [
        {"kind": "Service", "metadata": {"name": "web"}}]


def test_every_file_of_the_example_reads_the_same_both_ways(example_repo_master):
    tree = Tree.from_repo(example_repo_master)
    read = 0
    for path in tree.paths():
        if not path.endswith((".yaml", ".yml")):
            continue
        text = tree.read_text(path)
        try:
            slow = Parsed.from_text(text, path).docs
        except YamlError:
            continue                                  # a Helm template, a trap: not YAML
        try:
            fast = parse_fast(text)
        except _RoundTrip:
            continue
        assert plain(fast) == plain(slow), path
        assert shape(fast) == shape(slow), path
        read += 1
    assert read > 100
