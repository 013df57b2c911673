"""Object-level verification: each step's objects before and after (what Argo CD would apply), the
changes a playbook declares, and a failure naming the object for any other (engine.objects)."""

from __future__ import annotations

import pytest

from migrate import engine
from migrate.engine.objects import (MISSING, FieldChange, ObjectChange, ObjectRule, field_changes, object_changes,
                                    undeclared)
from migrate.errors import VerificationError
from tests.fixtures.engine import git, state
from tests.fixtures.shapes import app, load


def change(kind: str = "Deployment", name: str = "web", app: str = "web", *fields: FieldChange,
           how: str = "changed") -> ObjectChange:
    return ObjectChange(how, "apps" if kind == "Deployment" else "", kind, "web", name, app, "f.yaml", 1, fields)


# --- the diff, before and after ------------------------------------------------------------------------
def test_field_changes_name_list_items_by_their_name_and_redact_secret_data():
    before = {"spec": {"replicas": 1, "containers": [{"name": "web", "env": [{"name": "A", "value": "1"}]}]}}
    after = {"spec": {"replicas": 2, "containers": [{"name": "web", "env": [{"name": "A", "value": "2"},
                                                                            {"name": "B", "value": "x"}]}]}}
    assert [str(f) for f in field_changes(before, after)] == [
        "spec.replicas: 1 -> 2", "spec.containers.web.env.A.value: 1 -> 2",
        "spec.containers.web.env.B added ({'name': 'B', 'value': 'x'})"]
    secret = list(field_changes({"data": {"k": "b2xk"}}, {"data": {"k": "bmV3"}}, secret=True))
    assert [str(f) for f in secret] == ["data.k: <redacted> -> <redacted>"]
    assert list(field_changes({"a": 1}, {"a": True})) == [FieldChange("a", 1, True)]    # YAML 1 is not true


def test_a_rule_declares_kinds_names_fields_and_what_values_become():
    replicas, image = FieldChange("spec.replicas", 1, 2), FieldChange("spec.image", "web:1", "web:2")
    rules = [ObjectRule.of({"change": "changed", "kind": "Deployment", "fields": "spec.image", "to": "*:2"})]
    assert undeclared(change("Deployment", "web", "web", image), rules) is None
    assert undeclared(change("Deployment", "web", "web", image, replicas), rules) == (replicas,)
    assert undeclared(change("Deployment", "web", "web", FieldChange("spec.image", "web:1", "web:3")), rules)
    assert undeclared(change("Service", "web", "web", how="removed"), rules) == ()
    # each field may be declared by another rule about the object
    both = rules + [ObjectRule.of({"change": "changed", "name": ["w*"], "fields": ["spec.replicas"]})]
    assert undeclared(change("Deployment", "web", "web", image, replicas), both) is None
    assert undeclared(change("Deployment", "api", "web", image, replicas), both) == (replicas,)
    gone = [ObjectRule.of({"change": "removed", "app": ["api", "web"]})]
    assert undeclared(change("Service", how="removed"), gone) is None
    assert undeclared(change("Service", how="added"), gone) == ()
    assert FieldChange("x", MISSING, 1).__str__() == "x added (1)"


# --- a step's objects ------------------------------------------------------------------------------------
REPLICAS = """\
name: scale-web
description: Scale web.
steps:
  - name: scale
    operation: set-value
    with: {file: apps/web/deployment.yaml, key: spec.replicas, value: "${replicas}"}
"""

PARAMS = "parameters:\n  replicas: {description: How many, default: 3}\n"


def _playbook(repo, text: str, params: str = PARAMS) -> None:
    (repo / ".migrate" / "playbooks" / "scale-web.yaml").write_text(text.replace("steps:", params + "steps:"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "playbook")


def test_an_unintended_object_change_fails_the_step_naming_the_object(repo):
    _playbook(repo, REPLICAS)
    before = state(repo)
    with pytest.raises(VerificationError) as raised:
        engine.run(repo, "scale-web")
    error = raised.value
    assert error.check == "object-changes"
    assert (error.path, error.line) == ("apps/web/deployment.yaml", 1)
    assert "the step changed Deployment web/web (application web)" in str(error)
    assert "spec.replicas: 2 -> 3" in str(error)
    assert "{change: changed, kind: Deployment, fields: spec}" in str(error)     # what to declare
    assert state(repo) == before


def test_a_declared_change_passes_and_the_report_lists_it(repo):
    _playbook(repo, REPLICAS + "    objects: [{change: changed, kind: Deployment, name: web, fields: spec.replicas}]\n")
    result = engine.run(repo, "scale-web")
    assert result.plan.error is None and [step for step, _ in result.commits] == ["scale"]
    step = result.plan.steps[0]
    assert [str(c) for c in step.objects] == ["~ Deployment web/web (application web): spec.replicas: 2 -> 3"]
    assert "object-changes" in step.passed and "kubernetes-schema" in step.passed


def test_a_changed_object_that_breaks_the_kubernetes_schema_fails_the_step(repo):
    # a quoted number: YAML-valid, and what Argo CD would fail to apply
    _playbook(repo, REPLICAS + "    objects: [{change: changed, kind: Deployment, fields: spec.replicas}]\n",
              "parameters:\n  replicas: {description: How many, default: '3'}\n")
    before = state(repo)
    with pytest.raises(VerificationError) as raised:
        engine.run(repo, "scale-web")
    error = raised.value
    assert error.check == "kubernetes-schema" and state(repo) == before
    assert "Deployment web/web: spec.replicas: '3' is not of type 'integer'" in str(error)
    assert (error.path, error.line) == ("apps/web/deployment.yaml", 7)


DOCS = [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
     "spec": {"selector": {"matchLabels": {"a": "b"}},
              "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": "two"}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": "http"}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i"}, "spec": {"rules": "x"}},
    {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
]


@pytest.mark.parametrize("version", ["1.31", "1.37", "9.99"])
@pytest.mark.parametrize("index", range(len(DOCS)))
def test_schemas_read_once_judge_as_the_library_does(index, version):
    """The validators kept per kind (engine.objects._validate) give the library's own verdict and message."""
    import kubernetes_validate
    from migrate.engine.objects import _validate

    def verdict(call):
        try:
            call()
        except Exception as exc:  # noqa: BLE001
            return type(exc).__name__, getattr(exc, "message", str(exc)), list(getattr(exc, "path", []))
        return None

    ours = verdict(lambda: _validate(kubernetes_validate, DOCS[index], version))
    assert ours == verdict(lambda: kubernetes_validate.validate(DOCS[index], version, strict=False))
    if index in (1, 2, 3) and version != "9.99":
        assert ours and ours[0] == "ValidationError"


def test_an_object_two_applications_render_is_compared_within_one_of_them(tmp_path):
    """Two Applications render ConfigMap shop/cfg (a collision the graph names); a step that moves one's copy
    leaves the other's as it was: the diff is that copy's move, not the other's content as a change
    (found on christianh814/gitops-examples, where a plain and a generated Application both make it)."""
    def files(a_namespace: str) -> dict[str, str]:
        cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: {ns}\ndata:\n  x: '{x}'\n"
        return {"root.yaml": app("root", "argocd", "apps"), "apps/a.yaml": app("a", a_namespace, "a"),
                "apps/b.yaml": app("b", "shop", "b"), "a/cm.yaml": cm.format(ns=a_namespace, x=1),
                "b/cm.yaml": cm.format(ns="shop", x=2)}
    _, before = load(tmp_path / "before", files("shop"))
    _, after = load(tmp_path / "after", files("test"))
    assert sorted((c.change, c.namespace, c.name) for c in object_changes(before.view, after.view)) == [
        ("added", "test", "cfg"), ("changed", "argocd", "a")]
