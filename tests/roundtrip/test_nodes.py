"""Reading loaded nodes: line numbers (roundtrip.nodes)."""

from __future__ import annotations

from pathlib import Path

from migrate.roundtrip import YamlFile, line_of
from migrate.roundtrip.nodes import key_line, node_line

DATA = Path(__file__).parents[1] / "data" / "yaml"


def read(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8")


def test_line_of_counts_from_the_top_of_the_file():
    yf = YamlFile.parse(read("multi-doc.yaml"))
    ingress = yf.docs[1]
    assert line_of(ingress, "spec") == 26
    assert line_of(ingress["spec"]["rules"], 0) == 29
    assert line_of(yf.docs[0]["config"]["access"]) == 12
    ingress["new"] = {}
    assert line_of(ingress, "new") is None      # added after loading: no line
    assert line_of(ingress, "missing") is None  # absent: no line either (never an exception)
    assert key_line(ingress, "missing") == node_line(ingress) == 18   # the fallback: the node's own line
