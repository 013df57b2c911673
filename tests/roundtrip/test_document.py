"""Round trips of whole files: framing, styles, edits that change exactly their lines, errors (roundtrip.document)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from migrate.errors import YamlError
from migrate.repo.files import is_helm_template
from migrate.repo.tracked import Tree
from migrate.roundtrip import (
    YamlFile,
    is_yaml_path,
    load,
    set_scalar,
)

DATA = Path(__file__).parents[1] / "data" / "yaml"


FILES = sorted(p.name for p in DATA.glob("*.yaml"))


PATCH_ONLY = {"complex-key.yaml"}  # re-emission writes `? [a, b]\n: 1` as `[a, b]: 1`


def read(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8")


def changed(before: str, after: str) -> list[tuple[str, str]]:
    """The (old, new) line pairs that differ; '' where a line was added or removed."""
    pairs = []
    matcher = difflib.SequenceMatcher(None, before.splitlines(True), after.splitlines(True), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            old, new = before.splitlines(True)[i1:i2], after.splitlines(True)[j1:j2]
            pairs += [(o, n) for o, n in zip(old + [""] * len(new), new + [""] * len(old)) if o or n]
    return pairs


def edited(text: str, edit) -> str:
    yf = YamlFile.parse(text, path="x.yaml")
    edit(yf.docs)
    return yf.dump()


# --- the example repository -------------------------------------------------------------------------
def example_yaml(tree: Tree) -> list[str]:
    return [p for p in tree.paths() if is_yaml_path(p) and not is_helm_template(p, tree)]


# --- round trips --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", FILES)
def test_unedited_dump_is_byte_identical(name):
    yf = YamlFile.parse(read(name), path=name)
    assert yf.docs is not None  # touch the documents: dump must still be exact
    assert yf.dump() == read(name)


@pytest.mark.parametrize("name", FILES)
def test_re_emission_reproduces_the_tricky_files(name):
    yf = YamlFile.parse(read(name), path=name)
    assert yf.roundtrips() is (name not in PATCH_ONLY), yf.first_difference()


def test_first_difference_names_the_line():
    yf = YamlFile.parse(read("complex-key.yaml"))
    assert yf.first_difference() == (2, "? [a, b]", "[a, b]: 1")
    assert YamlFile.parse(read("four-space.yaml")).first_difference() is None


def test_crlf_file_round_trips_and_keeps_crlf_on_edit():
    text = "a: 1  # one\r\nlist:\r\n  - x\r\n  - y\r\n"
    yf = YamlFile.parse(text)
    assert yf.roundtrips()
    yf.docs[0]["a"] = 2
    assert yf.dump() == text.replace("a: 1", "a: 2")


def test_a_file_whose_lines_end_in_tabs_is_read_as_argo_cd_reads_it_and_edited_keeping_them():
    # argoproj/argocd-example-apps has such a file: Go's YAML reads it, ruamel and libyaml stop at the tab
    text = "apiVersion: v1\t\nkind: ConfigMap\t \nmetadata:\n  name: x\ndata:\n  a: '1'\t\n"
    yf = YamlFile.parse(text)
    assert yf.docs[0]["kind"] == "ConfigMap" and yf.docs[0]["data"]["a"] == "1"
    yf.docs[0]["metadata"]["name"] = "y"
    assert yf.dump() == text.replace("name: x", "name: y")     # the other lines keep their tabs
    with pytest.raises(YamlError):
        YamlFile.parse("a: 1\n\tb: 2\n")                      # a tab that indents is still an error


def test_missing_final_newline_stays_missing_after_edit():
    out = edited(read("no-final-newline.yaml"), lambda d: d[0]["resources"].append("traefik/argocd.yaml"))
    assert out == read("no-final-newline.yaml") + "\n  - traefik/argocd.yaml"


def test_documents_keep_their_framing():
    yf = YamlFile.parse(read("multi-doc.yaml"))
    assert [d["kind"] if d else d for d in yf.docs] == ["KongPlugin", "Ingress", None, None, "ConfigMap"]
    assert yf.docs[4]["metadata"] == {"name": "trailing", "labels": {"app": "x"}}


def test_empty_and_comment_only_files():
    assert YamlFile.parse("").docs == []
    yf = YamlFile.parse("# only a comment\n")
    assert yf.docs == [None] and yf.roundtrips() and yf.dump() == "# only a comment\n"


# --- edits change only their lines ------------------------------------------------------------------
@pytest.mark.parametrize("name, path, value, line", [
    ("four-space.yaml", ("common", "image", "tag"), "deadbeef", '        tag: "deadbeef"\n'),
    ("korean-comments.yaml", ("common", "image", "tag"), "deadbeef",
     '    tag: "deadbeef"   # 자동 업데이트 — 손으로 고치지 마세요\n'),
    ("flow-and-quotes.yaml", ("image", "pullPolicy"), "Always", "  pullPolicy: 'Always'\n"),
    ("mixed-sequences.yaml", ("helmCharts", 0, "releaseName"), "lumie-backend",
     "    releaseName: lumie-backend\n"),
    ("odd-spacing.yaml", ("other",), "changed", 'other:    "changed"  # comment far away\n'),  # comment column kept
    ("odd-spacing.yaml", ("nested", "deeper", "x"), 2, "        x: 2\n"),
])
def test_editing_one_value_changes_exactly_that_line(name, path, value, line):
    def edit(docs):
        node = docs[0]
        for step in path[:-1]:
            node = node[step]
        set_scalar(node, path[-1], value)

    out = edited(read(name), edit)
    assert [new for _, new in changed(read(name), out)] == [line]


def test_edit_in_second_document_changes_one_line():
    out = edited(read("multi-doc.yaml"), lambda d: set_scalar(d[1]["spec"], "ingressClassName", "traefik"))
    assert changed(read("multi-doc.yaml"), out) == [("  ingressClassName: kong\n", "  ingressClassName: traefik\n")]


def test_odd_lines_outside_the_edit_stay_byte_identical():
    text = read("odd-spacing.yaml")
    out = edited(text, lambda d: d[0].__setitem__("end", False))
    assert changed(text, out) == [("end: true\n", "end: false\n")]
    assert "trailing: spaces    \n" in out and "seq: [ a , b ]\n" in out


def test_new_nodes_follow_the_style_of_their_neighbours():
    text = read("four-space.yaml")
    out = edited(text, lambda d: d[0]["common"]["env"].append({"name": "NEW", "value": "x"}))
    assert [new for _, new in changed(text, out)] == ["        -   name: NEW\n", "            value: x\n"]
    text = read("mixed-sequences.yaml")
    out = edited(text, lambda d: d[0]["containers"][0].insert(1, "env", [{"name": "A", "value": "1"}]))
    assert [new for _, new in changed(text, out)] == ["  env:\n", "    - name: A\n", "      value: '1'\n"]


def test_removing_and_adding_documents():
    text = read("multi-doc.yaml")
    yf = YamlFile.parse(text)
    del yf.docs[0]
    out = yf.dump()
    assert out.startswith("--- # the ingress\n") and "KongPlugin" not in out
    yf = YamlFile.parse("a: 1\n")
    yf.docs.append({"b": 2})
    assert yf.dump() == "a: 1\n---\nb: 2\n"


# --- errors, helpers -------------------------------------------------------------------------------
def test_bad_yaml_reports_file_and_line():
    with pytest.raises(YamlError) as err:
        YamlFile.parse("---\na: 1\n---\nb: [1, 2\nc: 3\n", path="bad.yaml")
    assert err.value.path == "bad.yaml" and err.value.line == 5


def test_duplicate_keys_are_an_error_with_a_short_message():
    with pytest.raises(YamlError) as err:
        YamlFile.parse("a: 1\nb: 2\na: 3\n", path="dup.yaml")
    assert (err.value.line, str(err.value)) == (3, 'dup.yaml:3: found duplicate key "a"')


def test_load_caches_parses_but_hands_out_independent_documents():
    tree = Tree.from_files({"a.yaml": "a: 1\n"})
    first, second = load(tree, "a.yaml"), load(tree, "a.yaml")
    assert first._parsed is second._parsed
    first.docs[0]["a"] = 2
    assert second.docs[0]["a"] == 1 and load(tree, "a.yaml").dump() == "a: 1\n"
    with pytest.raises(YamlError):
        load(Tree.from_files({"b.yaml": "a: [\n"}), "b.yaml")


def test_load_refuses_non_utf8(tmp_path):
    (tmp_path / "latin.yaml").write_bytes("a: caf\xe9\n".encode("latin-1"))
    tree = Tree(tmp_path, ["latin.yaml"])
    with pytest.raises(YamlError, match="not UTF-8"):
        load(tree, "latin.yaml")


def test_every_example_file_round_trips_by_re_emission(example_repo_master):
    tree = Tree.from_repo(example_repo_master)
    paths = example_yaml(tree)
    assert len(paths) > 50
    failing = {}
    for path in paths:
        try:
            if not load(tree, path).roundtrips():
                failing[path] = load(tree, path).first_difference()
        except YamlError as exc:
            failing[path] = str(exc)
    assert list(failing) == ["docs/runbooks/kong-timeouts.yaml"]  # the example's half-written runbook (a trap)
    paths.remove("docs/runbooks/kong-timeouts.yaml")
    for path in paths:
        yf = load(tree, path)
        assert yf.docs is not None and yf.dump() == tree.read_text(path)


def test_example_image_tag_bump_changes_one_line(example_repo_master):
    tree = Tree.from_repo(example_repo_master)
    path = "applications/lumie/backend/exam-svc/common-values.yaml"
    yf = load(tree, path)
    image = yf.docs[0]["common"]["image"]
    old_tag = image["tag"]
    set_scalar(image, "tag", "00000000")
    diff = changed(tree.read_text(path), yf.dump())
    assert len(diff) == 1 and f'tag: "{old_tag}"' in diff[0][0]
    assert diff[0][1] == diff[0][0].replace(old_tag, "00000000")
