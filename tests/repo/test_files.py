"""What the files of a repository are: Helm templates are recognised by their chart folder (repo.files)."""

from __future__ import annotations

from migrate.repo.files import is_helm_template
from migrate.repo.tracked import Tree
from migrate.roundtrip import (
    is_yaml_path,
    load,
)


def test_helm_templates_are_recognised_by_chart_folder_not_by_braces():
    tree = Tree.from_files({
        "charts/common/Chart.yaml": "name: common\n",
        "charts/common/templates/deployment.yaml": "x: {{ .Values.x }}\n",
        "charts/common/values.yaml": "a: 1\n",
        "other/templates/plain.yaml": "a: 1\n",
        "app/values.yaml": "text: '{{ get .Secrets \"password\" }}'\n",
    })
    assert is_helm_template("charts/common/templates/deployment.yaml", tree)
    assert not is_helm_template("charts/common/values.yaml", tree)
    assert not is_helm_template("other/templates/plain.yaml", tree)
    assert not is_helm_template("app/values.yaml", tree)
    assert load(tree, "app/values.yaml").docs[0]["text"] == '{{ get .Secrets "password" }}'
    assert is_yaml_path("a/B.YML") and not is_yaml_path("a/Chart.lock")
