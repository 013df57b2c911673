"""A chart's dependencies that are not vendored, stood in for offline (``render/standins.py``): argo-helm's
``argocd-apps`` emits from its values what the real chart would, a ``file://`` chart of the repository is
copied in, any other renders as nothing and is named; whatever else fails is reported as itself."""

from __future__ import annotations

import io
import os
import tarfile

from tests.fixtures.shapes import REPO, app, deployment, load, synced

ARGO = "https://argoproj.github.io/argo-helm"


def umbrella(dependency: str, values: str, chart: str = "bootstrap") -> dict[str, str]:
    """A chart ``chart`` depending on ``dependency`` (its YAML lines), with ``values``, and the app web."""
    return {
        f"{chart}/Chart.yaml": f"apiVersion: v2\nname: boot\nversion: 1.0.0\ndependencies:\n{dependency}",
        f"{chart}/values.yaml": values,
        "web/deploy.yaml": deployment("web", "http://api.api.svc:8080"),
    }


def item(name: str | None = None, extra: str = "", indent: str = "    ") -> str:
    """One argocd-apps Application entry (map form with ``name`` None: under its key)."""
    head = f"{indent}- name: {name}\n{indent}  " if name else f"{indent}web:\n{indent}  "
    body = (f"namespace: argocd\nproject: default\nsource:\n  repoURL: {REPO}\n  path: web\n"
            f"destination:\n  server: https://kubernetes.default.svc\n  namespace: web\n{extra}")
    return head + body.replace("\n", f"\n{indent}  ").rstrip() + "\n"


def root_objects(g, chart: str = "bootstrap") -> list[dict]:
    return [o.doc for o in g.view.renders[f"application:argocd/(chart {chart})"].objects]


def test_an_alias_with_a_version_range_still_reads_the_values_under_the_alias(tmp_path):
    """Helm applies an alias only to a dependency whose version satisfies the range: the stand-in's must."""
    inv, g = load(tmp_path, umbrella(f"  - name: argocd-apps\n    version: ~2.0.0\n    repository: {ARGO}\n"
                                     "    alias: apps\n", "apps:\n  applications:\n" + item()))
    assert "web" in synced(g) and g.is_synced("workload:web/web")


def test_a_null_or_empty_entry_is_skipped_as_argocd_apps_skips_it(tmp_path):
    """2.x turns an entry off with ``name: null`` (or leaves it empty): no Application, no failure."""
    inv, g = load(tmp_path, umbrella(f"  - name: argocd-apps\n    version: 2.0.2\n    repository: {ARGO}\n",
                                     "argocd-apps:\n  applications:\n" + item() + "    old: null\n    empty: {}\n"))
    assert [o["metadata"]["name"] for o in root_objects(g)] == ["web"]
    assert "web" in synced(g)


def test_only_the_fields_argocd_apps_knows_are_emitted_and_project_goes_through_tpl(tmp_path):
    inv, g = load(tmp_path, umbrella(f"  - name: argocd-apps\n    version: 2.0.2\n    repository: {ARGO}\n",
                                     "argocd-apps:\n  applications:\n"
                                     + item().replace("project: default", "project: '{{ .Release.Name }}'")
                                     + "      notes: not a field of an Application\n"))
    (web,) = root_objects(g)
    assert web["spec"]["project"] == "(chart bootstrap)"          # the release: the root's name
    assert "notes" not in web["spec"] and set(web["spec"]) == {"project", "source", "destination"}


def test_projects_and_item_templates_are_emitted(tmp_path):
    values = ("argocd-apps:\n  projects:\n    team:\n      namespace: argocd\n      sourceRepos: ['*']\n"
              "  itemTemplates:\n    - items:\n        - {name: web}\n      template:\n"
              "        apiVersion: argoproj.io/v1alpha1\n        kind: Application\n"
              "        metadata: {name: '{{ .name }}', namespace: argocd}\n"
              f"        spec:\n          project: team\n          source: {{repoURL: '{REPO}', path: '{{{{ .name }}}}'}}\n"
              "          destination: {server: 'https://kubernetes.default.svc', namespace: web}\n")
    inv, g = load(tmp_path, umbrella(f"  - name: argocd-apps\n    version: 2.0.2\n    repository: {ARGO}\n", values))
    kinds = {(o["kind"], o["metadata"]["name"]) for o in root_objects(g)}
    assert kinds == {("AppProject", "team"), ("Application", "web")}
    assert "web" in synced(g) and g.is_synced("workload:web/web")


def test_argocd_apps_from_a_named_repository_or_a_mirror_is_stood_in_for(tmp_path):
    for i, repository in enumerate(("'@argo'", "alias:argo", "oci://mirror.example.com/charts")):
        inv, g = load(tmp_path / str(i), umbrella(f"  - name: argocd-apps\n    version: 2.0.2\n"
                                                  f"    repository: {repository}\n",
                                                  "argocd-apps:\n  applications:\n" + item()))
        assert "web" in synced(g), repository
        assert not g.blind_spots(), repository


def test_a_v1_chart_lists_its_dependencies_in_requirements_yaml(tmp_path):
    files = umbrella("", "argocd-apps:\n  applications:\n" + item(name="web", indent="  "))
    files["bootstrap/Chart.yaml"] = "apiVersion: v1\nname: boot\nversion: 1.0.0\n"
    files["bootstrap/requirements.yaml"] = f"dependencies:\n  - name: argocd-apps\n    version: 1.6.2\n    repository: {ARGO}\n"
    inv, g = load(tmp_path, files)
    assert "web" in synced(g)


def test_a_chart_in_a_top_level_charts_folder_can_be_the_root(tmp_path):
    """``charts/`` holds subcharts only under a chart; a repository's own ``charts/bootstrap`` is a chart."""
    inv, g = load(tmp_path, umbrella(f"  - name: argocd-apps\n    version: 2.0.2\n    repository: {ARGO}\n",
                                     "argocd-apps:\n  applications:\n" + item(), chart="charts/bootstrap"))
    assert "web" in synced(g)
    assert root_objects(g, "charts/bootstrap")


def test_an_archive_of_a_longer_name_does_not_vendor_a_dependency(tmp_path):
    """``argo-cd-image-updater-0.9.0.tgz`` is not ``argo-cd``: argo-cd is missing, rendered without it."""
    files = umbrella(f"  - name: argo-cd\n    version: 7.5.2\n    repository: {ARGO}\n"
                     f"  - name: argo-cd-image-updater\n    version: 0.9.0\n    repository: {ARGO}\n", "")
    files["bootstrap/templates/app.yaml"] = app("web", "web", "web")
    folder = tmp_path / "repo" / "bootstrap" / "charts"
    folder.mkdir(parents=True)
    with tarfile.open(folder / "argo-cd-image-updater-0.9.0.tgz", "w:gz") as archive:
        data = b"apiVersion: v2\nname: argo-cd-image-updater\nversion: 0.9.0\n"
        info = tarfile.TarInfo("argo-cd-image-updater/Chart.yaml")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    inv, g = load(tmp_path, files)
    render = g.view.renders["application:argocd/(chart bootstrap)"]
    assert render.rendered, render.error
    assert render.unrendered == [f"dependency argo-cd ({ARGO}) is not vendored under charts/: rendered without it"]
    assert "web" in synced(g)


def test_a_file_dependency_of_this_repository_is_rendered_and_read(tmp_path):
    """``helm dependency build`` packages a ``file://`` chart into ``charts/``: rendered, and its files are
    inputs of the render (a change there re-renders)."""
    files = umbrella("  - name: apps\n    version: 1.0.0\n    repository: file://../shared/apps\n", "")
    files["shared/apps/Chart.yaml"] = "apiVersion: v2\nname: apps\nversion: 1.0.0\n"
    files["shared/apps/templates/web.yaml"] = app("web", "web", "web")
    files["bootstrap/templates/.keep.yaml"] = "# hand-installed: it depends on a chart that emits Applications\n"
    files["root.yaml"] = app("root", "argocd", "bootstrap")
    inv, g = load(tmp_path, files)
    render = g.view.renders["application:argocd/root"]
    assert render.complete, (render.error, render.unrendered)
    assert "web" in synced(g)
    assert "shared/apps/templates/web.yaml" in render.inputs


def test_a_link_out_of_the_chart_is_followed_in_the_copy(tmp_path):
    repo = tmp_path / "repo"
    (repo / "bootstrap" / "templates").mkdir(parents=True)
    os.symlink("../../shared/web-app.yaml", repo / "bootstrap" / "templates" / "web.yaml")
    files = umbrella("  - name: redis\n    version: 19.0.0\n    repository: https://charts.bitnami.com/bitnami\n", "")
    files["shared/web-app.yaml"] = app("web", "web", "web")
    files["root.yaml"] = app("root", "argocd", "bootstrap")
    inv, g = load(tmp_path, files)
    render = g.view.renders["application:argocd/root"]
    assert render.rendered, render.error
    assert "web" in synced(g)


def test_an_error_of_the_charts_own_templates_is_reported_as_itself(tmp_path):
    """A ``required`` value left unset is the chart's own failure, not the missing dependency's."""
    files = umbrella("  - name: redis\n    version: 19.0.0\n    repository: https://charts.bitnami.com/bitnami\n", "")
    files["bootstrap/templates/cm.yaml"] = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n"
                                            "data:\n  image: {{ required \"set image.tag\" .Values.image }}\n")
    files["root.yaml"] = app("root", "argocd", "bootstrap")
    inv, g = load(tmp_path, files)
    render = g.view.renders["application:argocd/root"]
    assert not render.rendered and "set image.tag" in render.error
    assert "not vendored" not in render.error


def test_a_missing_dependencys_namespace_override_is_unverified_not_dangling(tmp_path):
    """kube-prometheus-stack style: the parent's values put a missing dependency in another namespace;
    what it would make there (a Service) is unseen, so a call into that namespace cannot be checked."""
    files = umbrella("  - name: kube-state-metrics\n    version: 5.0.0\n"
                     "    repository: https://prometheus-community.github.io/helm-charts\n",
                     "kube-state-metrics:\n  namespaceOverride: metrics\n")
    files["bootstrap/templates/web.yaml"] = app("web", "web", "web")
    files["web/deploy.yaml"] = deployment("web", "http://kube-state-metrics.metrics.svc:8080")
    files["root.yaml"] = app("root", "argocd", "bootstrap")
    inv, g = load(tmp_path, files)
    calls = [r for r in g.references(["dangling", "unverified"]) if r.source == "workload:web/web"]
    assert [(r.kind, r.target) for r in calls] == [("unverified", "service:metrics/kube-state-metrics")]
