"""yamlio on shapes the example lacks: a UTF-8 byte order mark, custom tags."""

from __future__ import annotations

from ruamel.yaml.comments import TaggedScalar

from migrate.repo.doctor import OK, doctor
from migrate.repo.tracked import Tree
from migrate.roundtrip import YamlFile, line_of, set_scalar
from tests.fixtures.minirepo import git_repo

BOM = "\ufeff"


def test_a_file_with_a_byte_order_mark_round_trips_and_keeps_it_when_its_first_line_is_edited():
    text = BOM + "replicaCount: 3\r\nenv:\r\n  EXTRA: \"1\"\r\n"
    yf = YamlFile.parse(text, "values.yaml")
    assert yf.roundtrips() and yf.first_difference() is None
    assert line_of(yf.docs[0], "env") == 2
    set_scalar(yf.docs[0], "replicaCount", 4)
    assert yf.dump() == BOM + "replicaCount: 4\r\nenv:\r\n  EXTRA: \"1\"\r\n"


def test_doctor_reports_files_with_a_byte_order_mark_as_reproduced(tmp_path):
    repo = git_repo(tmp_path / "repo", {"a.yaml": BOM + "# header\nkind: ConfigMap\n", "b.yaml": BOM + "x: 1\n"})
    assert [(c.path, c.status) for c in doctor(Tree.from_repo(repo)).files] == [("a.yaml", OK), ("b.yaml", OK)]


def test_a_file_with_a_custom_tag_can_be_edited_elsewhere():
    yf = YamlFile.parse("password: !vault |\n  $ANSIBLE_VAULT;1.1\nkey: !ref other\nreplicas: 1\n", "v.yaml")
    set_scalar(yf.docs[0], "replicas", 2)
    assert yf.dump() == "password: !vault |\n  $ANSIBLE_VAULT;1.1\nkey: !ref other\nreplicas: 2\n"


def test_replacing_a_custom_tagged_value_is_written():
    yf = YamlFile.parse("key: !ref other\nreplicas: 1\n", "v.yaml")
    yf.docs[0]["key"] = TaggedScalar("changed", tag="!ref")
    assert yf.dump() == "key: !ref changed\nreplicas: 1\n"
