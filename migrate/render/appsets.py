"""ApplicationSets expanded offline, as Argo CD's ApplicationSet controller expands them.

Generators: ``list`` (``elements``, ``elementsYaml``), ``git`` directories and files (against this
repository's tree: a git generator over another repository is a blind spot), ``matrix`` (the second
generator interpolated with each parameter set of the first; the first wins on conflicts),
``merge`` (``mergeKeys``, top-level), ``clusters`` (the clusters of the repository config; default:
the in-cluster cluster only), and a generator's ``selector`` (``matchLabels``/``matchExpressions``).
Generators that need a network or a cluster (``scmProvider``, ``pullRequest``,
``clusterDecisionResource``, ``plugin``) are named as blind spots with the file and line.

Templates: every string and map key of ``spec.template`` (with a generator's own ``template``
merged over it) is rendered per parameter set — fasttemplate's ``{{ key }}`` by default, Go templates
with sprig when ``goTemplate: true`` (``goTemplateOptions: [missingkey=error]`` honoured);
``templatePatch`` is rendered as one Go template and merged over the Application (mappings merge,
lists are replaced); ``ignoreApplicationDifferences`` only matters on a live cluster (noted).
Each generated Application gets the ApplicationSet's namespace and, unless the template sets
finalizers or ``preserveResourcesOnDeletion``, the resources finalizer.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ..inventory.applications import repo_url_key
from ..roundtrip.nodes import as_map, as_seq, is_map, key_line, node_line, text
from .gotemplate import GoTemplates, sanitize_name
from .manifests import RenderError, load_yaml
from .templating import (
    combine,
    fasttemplate,
    flatten,
    go_format,
    merge,
    parents,
    path_match,
    path_params,
    pathspec,
    plain,
    render_template,
    selected,
)

FINALIZER = "resources-finalizer.argocd.argoproj.io"
NETWORK_GENERATORS = ("scmProvider", "pullRequest", "clusterDecisionResource", "plugin")
IN_CLUSTER = {"name": "in-cluster", "server": "https://kubernetes.default.svc", "labels": {}, "annotations": {}}


@dataclass
class Expansion:
    """What an ApplicationSet generates: Application documents, the generators migrate cannot run
    offline (``blind_spots``, with file:line) and what it noted."""

    applications: list[dict] = field(default_factory=list)
    blind_spots: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


class Expander:
    """Expands the ApplicationSets of one tree (see module doc)."""

    def __init__(self, paths: Iterable[str], read: Callable[[str], str], self_urls: set[str],
                 clusters: list[Mapping] | None, templates: GoTemplates | None):
        self.paths = sorted(paths)
        self.read = read
        self.self_urls = self_urls
        self.clusters = list(clusters) if clusters else [IN_CLUSTER]
        self.templates = templates
        self.folders = sorted({posixpath.dirname(p) for p in self.paths if posixpath.dirname(p)} |
                              {parent for p in self.paths for parent in parents(p)})

    def expand(self, doc: Mapping, file: str) -> Expansion:
        out = Expansion()
        spec = as_map(doc.get("spec"))
        go = bool(spec.get("goTemplate"))
        if go and self.templates is None:
            out.error = "goTemplate needs the render extra (pip install 'migrate[render]')"
            return out
        strict = "missingkey=error" in [str(o) for o in as_seq(spec.get("goTemplateOptions"))]
        meta = as_map(doc.get("metadata"))
        namespace = text(meta.get("namespace")) or "argocd"
        if spec.get("ignoreApplicationDifferences"):
            out.notes.append(f"{file}:{key_line(spec, 'ignoreApplicationDifferences')}: ignoreApplicationDifferences "
                             "only matters on a live cluster")
        try:
            for generator in as_seq(spec.get("generators")):
                literal = self._literal_application(generator, spec, namespace, file, out)
                if literal is not None:
                    out.applications.append(literal)
                    continue
                for params, template in self._generator(generator, go, strict, file, out):
                    base = merge(plain(spec.get("template")), template) if template else plain(spec.get("template"))
                    app = self._application(base, params, go, strict, spec, namespace, file, out)
                    if app is not None:
                        out.applications.append(app)
        except RenderError as exc:
            out.error = exc.args[0]
        name = text(meta.get("name")) or "?"
        out.blind_spots = [_named(spot, f"ApplicationSet {name}") for spot in out.blind_spots]
        return out

    # -- generators ---------------------------------------------------------------------------------
    def _generator(self, generator: Any, go: bool, strict: bool, file: str,
                   out: Expansion) -> list[tuple[dict, Mapping | None]]:
        if not is_map(generator):
            return []
        kind = next((k for k in generator if k not in ("selector", "template")), None)
        own_template = plain(as_map(generator.get(kind)).get("template")) if kind else None
        own_template = own_template if is_map(own_template) and own_template else None
        if kind in NETWORK_GENERATORS:
            out.blind_spots.append(f"{file}:{key_line(generator, kind)}: the {kind} generator needs a network or a "
                                   "cluster: what it generates is not in the graph")
            return []
        spec = generator.get(kind)
        if kind == "list":
            params = self._list(spec, go)
        elif kind == "git":
            params = self._git(spec, go, strict, file, generator, out)
        elif kind == "clusters":
            params = self._clusters(spec, go)
            if not params:
                out.blind_spots.append(
                    f"{file}:{key_line(generator, kind)}: the clusters generator selects none of the clusters migrate "
                    f"knows ({', '.join(str(c.get('name')) for c in self.clusters)}): what it generates is not in the "
                    "graph; list the clusters Argo CD has, with their labels, under clusters: in .migrate/config.yaml")
        elif kind == "matrix":
            params = self._matrix(spec, go, strict, file, out)
        elif kind == "merge":
            params = self.merge(spec, go, strict, file, out)
        else:
            out.blind_spots.append(f"{file}:{node_line(generator)}: generator {kind!r} is not one migrate knows")
            return []
        if is_map(generator.get("selector")):
            params = [p for p in params if selected(generator["selector"], p)]
        return [(p, own_template) for p in params]

    def _list(self, spec: Any, go: bool) -> list[dict]:
        elements = [plain(e) for e in as_seq(as_map(spec).get("elements"))]
        raw = as_map(spec).get("elementsYaml")
        if isinstance(raw, str) and raw.strip():
            more = load_yaml(raw)
            elements += [e for e in as_seq(more) if is_map(e)]
        out = []
        for element in elements:
            if not is_map(element):
                continue
            if go:
                out.append(dict(element))
                continue
            params = {}
            for key, value in element.items():
                if key == "values" and is_map(value):
                    params.update({f"values.{k}": str(v) for k, v in value.items()})
                else:
                    params[str(key)] = value if isinstance(value, str) else json.dumps(value)
            out.append(params)
        return out

    def _git(self, spec: Any, go: bool, strict: bool, file: str, generator: Any, out: Expansion) -> list[dict]:
        spec = as_map(spec)
        url = text(spec.get("repoURL")) or ""
        if repo_url_key(url) not in self.self_urls:
            out.blind_spots.append(f"{file}:{key_line(generator, 'git')}: git generator over {url}, another repository: "
                                   "what it generates is not in the graph")
            return []
        prefix = text(spec.get("pathParamPrefix")) or ""
        values = plain(spec.get("values")) if is_map(spec.get("values")) else None
        if as_seq(spec.get("directories")):
            params = self._directories([plain(d) for d in spec["directories"] if is_map(d)], go, prefix)
        else:
            params = self._files([plain(f) for f in as_seq(spec.get("files")) if is_map(f)], go, prefix)
        for p in params:
            self._values(p, values, go, strict)
        return params

    def _directories(self, entries: list[dict], go: bool, prefix: str) -> list[dict]:
        out = []
        for folder in self.folders:
            if any(part.startswith(".") for part in folder.split("/")):
                continue
            included = any(path_match(str(e.get("path", "")), folder) for e in entries if not e.get("exclude"))
            excluded = any(path_match(str(e.get("path", "")), folder) for e in entries if e.get("exclude"))
            if included and not excluded:
                out.append(path_params(folder, None, go, prefix))
        return out

    def _files(self, entries: list[dict], go: bool, prefix: str) -> list[dict]:
        chosen: set[str] = set()
        for entry in entries:
            if not entry.get("exclude"):
                chosen |= {p for p in self.paths if pathspec(str(entry.get("path", "")), p)}
        for entry in entries:
            if entry.get("exclude"):
                chosen -= {p for p in self.paths if pathspec(str(entry.get("path", "")), p)}
        out = []
        for path in sorted(chosen):
            try:
                content = load_yaml(self.read(path))
            except Exception as exc:  # noqa: BLE001  (a user's file: name it)
                raise RenderError(f"the git files generator reads {path}, which is not YAML or JSON: "
                                  f"{str(exc).splitlines()[0]}") from None
            for item in (content if isinstance(content, list) else [content or {}]):
                if not is_map(item):
                    continue
                params = dict(item) if go else {k: go_format(v) for k, v in flatten(item).items()}
                params.update(path_params(posixpath.dirname(path) or ".", path, go, prefix))
                out.append(params)
        return out

    def _values(self, params: dict, values: Mapping | None, go: bool, strict: bool) -> None:
        if not values:
            return
        rendered = {k: self._string(str(v), params, go, strict) for k, v in values.items()}
        if go:
            params["values"] = rendered
        else:
            params.update({f"values.{k}": v for k, v in rendered.items()})

    def _clusters(self, spec: Any, go: bool) -> list[dict]:
        selector = as_map(as_map(spec).get("selector"))
        clusters = [c for c in self.clusters
                    if not selector or (c is not IN_CLUSTER and selected(selector, {}, labels=_secret_labels(c)))]
        out = []
        for cluster in clusters:
            name = str(cluster.get("name"))
            params: dict = {"name": name, "nameNormalized": sanitize_name(name), "server": str(cluster.get("server")),
                            "project": str(cluster.get("project") or "")}
            labels = _secret_labels(cluster) if cluster is not IN_CLUSTER else {}
            annotations = dict(as_map(cluster.get("annotations")))
            if go:
                params["metadata"] = {"labels": labels, "annotations": annotations}
            else:
                params.update({f"metadata.labels.{k}": str(v) for k, v in labels.items()})
                params.update({f"metadata.annotations.{k}": str(v) for k, v in annotations.items()})
            values = plain(as_map(spec).get("values"))
            if is_map(values):
                self._values(params, values, go, False)
            out.append(params)
        return out

    def _matrix(self, spec: Any, go: bool, strict: bool, file: str, out: Expansion) -> list[dict]:
        children = [g for g in as_seq(as_map(spec).get("generators")) if is_map(g)]
        if len(children) != 2:
            raise RenderError(f"a matrix generator needs exactly 2 generators ({file})")
        result = []
        for first, _ in self._generator(children[0], go, strict, file, out):
            second = self._interpolate(plain(children[1]), first, go, strict)
            for params, _ in self._generator(second, go, strict, file, out):
                result.append(merge(params, first) if go else combine(first, params))
        return result

    def merge(self, spec: Any, go: bool, strict: bool, file: str, out: Expansion) -> list[dict]:
        spec = as_map(spec)
        keys = [str(k) for k in as_seq(spec.get("mergeKeys"))]
        if not keys:
            raise RenderError(f"a merge generator needs mergeKeys ({file})")
        sets = [[p for p, _ in self._generator(g, go, strict, file, out)] for g in as_seq(spec.get("generators"))]
        if not sets:
            return []

        def by_key(params: list[dict]) -> dict[str, dict]:
            found: dict[str, dict] = {}
            for p in params:
                found.setdefault(json.dumps({k: p.get(k) for k in sorted(keys)}, sort_keys=True, default=str), p)
            return found
        base = by_key(sets[0])
        for other in map(by_key, sets[1:]):
            for key, params in base.items():
                if key in other:
                    base[key] = merge(params, other[key]) if go else {**params, **other[key]}
        return list(base.values())

    def _interpolate(self, generator: Any, params: Mapping, go: bool, strict: bool) -> Any:
        if isinstance(generator, Mapping):
            return {k: self._interpolate(v, params, go, strict) for k, v in generator.items()}
        if isinstance(generator, list):
            return [self._interpolate(v, params, go, strict) for v in generator]
        return self._string(generator, params, go, strict) if isinstance(generator, str) else generator

    # -- templates ----------------------------------------------------------------------------------
    def _string(self, value: str, params: Mapping, go: bool, strict: bool) -> str:
        if go:
            return self.templates.render(value, params, strict)
        return fasttemplate(value, params)

    def _literal_application(self, generator: Any, spec: Mapping, namespace: str, file: str,
                             out: Expansion) -> dict | None:
        """A generator migrate cannot run (a plugin, an SCM provider...) whose template names its Application
        literally makes that one Application whatever it returns (if it returns anything): it is in the
        graph, its ``{{ }}`` parameters left as written (references through them are unverified)."""
        kind = next((k for k in generator if k not in ("selector", "template")), None) if is_map(generator) else None
        if kind not in NETWORK_GENERATORS:
            return None
        own = plain(as_map(generator.get(kind)).get("template"))
        template = merge(plain(spec.get("template")), own) if is_map(own) and own else plain(spec.get("template"))
        name = as_map(as_map(template).get("metadata")).get("name")
        if not isinstance(name, str) or not name or "{{" in name:
            return None
        out.notes.append(f"{file}:{key_line(generator, kind)}: the {kind} generator needs a network or a cluster; its "
                         f"template names one Application ({name}), which is in the graph with its parameters "
                         "unresolved, assuming the generator returns something")
        app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **as_map(template)}
        meta = dict(as_map(app.get("metadata")))
        meta["namespace"] = namespace
        if not as_map(as_map(spec.get("syncPolicy"))).get("preserveResourcesOnDeletion") and "finalizers" not in meta:
            meta["finalizers"] = [FINALIZER]
        app["metadata"] = meta
        return app

    def _application(self, template: Mapping, params: dict, go: bool, strict: bool, spec: Mapping,
                     namespace: str, file: str, out: Expansion) -> dict | None:
        app = render_template(template, params, go, strict, self.templates.render_many if self.templates else None)
        patch = spec.get("templatePatch")
        if isinstance(patch, str) and patch.strip():
            if not go:
                out.notes.append(f"{file}: templatePatch needs goTemplate: true (ignored)")
            else:
                rendered = load_yaml(self.templates.render(patch, params, strict))
                if is_map(rendered):
                    project = as_map(app.get("spec")).get("project")
                    app = merge(app, rendered)
                    if project is not None:
                        app.setdefault("spec", {})["project"] = project
        app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **app}
        meta = app.setdefault("metadata", {})
        meta["namespace"] = namespace
        preserve = as_map(as_map(spec.get("syncPolicy"))).get("preserveResourcesOnDeletion")
        if not preserve and "finalizers" not in as_map(template.get("metadata")):
            meta["finalizers"] = [FINALIZER]
        return app if meta.get("name") else None


def _named(spot: str, who: str) -> str:
    """``file:line: what`` -> ``file:line: who: what``."""
    where, sep, what = spot.partition(": ")
    return f"{where}: {who}: {what}" if sep else spot


def _secret_labels(cluster: Mapping) -> dict:
    """A configured cluster's labels as its Secret has them: every cluster Secret carries
    ``argocd.argoproj.io/secret-type: cluster`` (the selector Argo CD documents for "remote clusters only")."""
    return {"argocd.argoproj.io/secret-type": "cluster", **dict(as_map(cluster.get("labels")))}
