"""The repository as Argo CD sees it: its roots, the Applications each one deploys, what each renders to.

``ArgoView.build(inventory)``:

1. expands every ApplicationSet of the repository offline (``appsets``); each generated
   Application is a first-class Application record (``generated_by``);
2. renders every Application (``sources``; in parallel, through the render cache): the
   Application and ApplicationSet objects a render holds are what that Application deploys — a
   kustomization listing Application files, a directory of them, a Helm chart whose templates
   emit one per value entry all come out the same way. A rendered Application that no file
   holds (a chart's) becomes a generated Application and is rendered in turn;
3. finds the roots: the repository's Applications and ApplicationSets that no other one deploys
   (deploying itself is allowed: a self-managed root), whose source is this repository, and that
   deploy Applications (an App-of-Apps, or an ApplicationSet) — or, in a repository where no
   Application deploys another, every one of them (each is applied by hand); or those the
   repository config names (``roots:``). An Application nothing deploys in a repository of
   App-of-Apps is not synced (a forgotten one, or one applied by hand: the config can say so);
   Applications whose source is another repository are external;
4. what is synced: the roots and everything they deploy, recursively.

Without the render extra (or with rendering off) Applications are not rendered; what each deploys
is then read from the source model (the Application files its kustomizations and directories
list), and the reason is said once (``off``).
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..errors import MigrateError
from ..inventory import Inventory
from ..inventory.applications import (appset_repo_urls, is_application, read_application, repo_url_key,
                                      self_repo_urls)
from ..inventory.kustomizations import chart_home_of
from ..inventory.records import Application
from ..progress import counting
from ..roundtrip.nodes import as_map, is_map, text
from .appsets import Expander
from .cache import shared_cache
from .gotemplate import GoTemplates
from .helm_server import shared_server
from .hand_installed import hand_installed_charts
from .manifests import OfflineError, RenderError
from .sources import AppRender, Settings, SourceRenderer, cache_key
from .tools import Tools
from .workspace import Workspace

APPSET = "ApplicationSet"


@dataclass(frozen=True)
class Child:
    """An Application (or ApplicationSet) another one deploys, and where it is written."""

    id: str
    file: str
    line: int
    template: str | None = None      # the chart template that made it (a Helm render)


@dataclass
class ArgoView:
    """See module doc. ``apps``: every Application (file-based and generated) by id."""

    apps: dict[str, Application] = field(default_factory=dict)
    appsets: dict[str, object] = field(default_factory=dict)
    renders: dict[str, AppRender] = field(default_factory=dict)
    children: dict[str, list[Child]] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)          # id -> why it is a root
    external: dict[str, str] = field(default_factory=dict)       # id -> its other repository
    unreached: dict[str, str] = field(default_factory=dict)      # id -> why it is no root
    synced: set[str] = field(default_factory=set)
    blind_spots: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    off: str = ""                                                # why nothing was rendered

    @property
    def rendering(self) -> bool:
        return not self.off

    def generated(self) -> list[Application]:
        return [a for a in self.apps.values() if a.generated_by]

    def parents(self, child: str) -> list[str]:
        return [p for p, kids in self.children.items() if any(k.id == child for k in kids)]

    # -- building ------------------------------------------------------------------------------------
    @classmethod
    def build(cls, inv: Inventory, tools: Tools | None = None) -> "ArgoView":
        tools = tools or Tools.detect()
        config = inv.config
        off = "" if config.render_enabled else "rendering is off (render.enabled: false in .migrate/config.yaml)"
        off = off or tools.reason
        return _Builder(inv, tools, off).run()


_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")   # an ApplicationSet parameter left in a generated source

class _Builder:
    def __init__(self, inv: Inventory, tools: Tools, off: str) -> None:
        self.inv, self.tools, self.view = inv, tools, ArgoView(off=off)
        config = inv.config
        self.settings = Settings(config.build_options, config.kube_version, config.api_versions)
        self.workspace = Workspace(inv.tree, _unvendored(inv), _versioned_homes(inv))
        self.templates = GoTemplates(tools) if not off else None
        self.renderer = SourceRenderer(inv, self.settings, tools, self.workspace)
        self.cache = shared_cache()
        self.by_name: dict[tuple[str, str], list[Application]] = {}
        self.bootstrap: dict[str, str] = {}    # id of a hand-installed chart's Application -> its folder

    def run(self) -> ArgoView:
        view = self.view
        for app in self.inv.applications:
            self._add(app)
        queue = [*view.apps]
        for appset in self.inv.application_sets:
            view.appsets[appset.id] = appset
            queue += self._expand(appset.id, self.inv.docs(appset.file)[appset.doc], appset.file, appset.line)
        while queue:
            queue = self._render(queue)
        used = {p for a in self.view.apps.values() for p in a.source_paths}
        for app in hand_installed_charts(self.inv, used):    # after the first pass: what Applications deploy
            self._add(app)
            self.bootstrap[app.id] = app.sources[0].path
            queue.append(app.id)
        while queue:
            queue = self._render(queue)
        self._roots()
        self._synced()
        return view

    def _add(self, app: Application) -> None:
        self.view.apps.setdefault(app.id, app)
        self.by_name.setdefault((app.namespace, app.name), []).append(app)

    # -- ApplicationSets --------------------------------------------------------------------------------
    def _expand(self, appset_id: str, doc, file: str, line: int) -> list[str]:
        view = self.view
        tree = self.inv.tree
        expander = Expander(tree.paths(), tree.read_text, self.inv.self_urls, list(self.inv.config.clusters),
                            self.templates)
        expansion = expander.expand(doc, file)
        view.blind_spots += expansion.blind_spots
        view.notes += expansion.notes
        if expansion.error:
            view.blind_spots.append(f"{file}:{line}: ApplicationSet {appset_id.partition(':')[2]} could not be "
                                    f"expanded: {expansion.error}")
        kids = view.children.setdefault(appset_id, [])
        added = []
        for generated in expansion.applications:
            app = self._record(generated, file, line, appset_id)
            if app is not None:
                earlier = view.apps.get(app.id)
                if earlier is not None and (earlier.file, earlier.generated_by) != (file, appset_id):
                    app.same_name_as = earlier.file      # one Application per name: two makers, a collision
                kids.append(Child(app.id, file, line))
                if app.id not in view.apps:
                    self._add(app)
                    added.append(app.id)
        return added

    def _record(self, doc, file: str, line: int, by: str) -> Application | None:
        try:
            app = read_application(doc, file, 0, self.inv.self_urls)
        except MigrateError as exc:
            self.view.blind_spots.append(f"{file}:{line}: a generated Application is not valid: {exc.args[0]}")
            return None
        app.generated_by = by
        app.line = app.line if app.line > 1 else line
        return app

    # -- rendering ----------------------------------------------------------------------------------
    def _render(self, ids: list[str]) -> list[str]:
        """Render ``ids``; the ids of Applications found for the first time in their renders."""
        if self.view.off:
            for app_id in ids:
                self.view.renders[app_id] = AppRender(app_id, error=self.view.off)
                self.view.children[app_id] = self._source_children(self.view.apps[app_id])
            return []
        if not (self.renderer.server or self.tools.helm_binary) and "--enable-helm" in self.settings.build_options:
            self.renderer.server = shared_server(self.tools)
        keyed = {app_id: self._key(app_id) for app_id in ids}
        # what this process located already (a step's after-state: all but what it changed) needs no thread pool
        renders = {app_id: found for app_id in ids if (found := self.cache.remembered(keyed[app_id][1], app_id))}
        rest = [app_id for app_id in ids if app_id not in renders]
        self.renderer.prebuild(self.view.apps[i] for i in rest if not self.cache.known(keyed[i][1], i))
        with ThreadPoolExecutor(max_workers=max(1, min(len(rest), (os.cpu_count() or 2) * 2))) as pool, \
                counting("rendering Applications", len(rest)) as advance:
            renders.update(zip(rest, pool.map(lambda i: (self._render_one(i, *keyed[i]), advance())[0], rest)))
        found: list[str] = []
        for app_id in ids:
            self.view.renders[app_id] = renders[app_id]
            found += self._children(app_id, renders[app_id])
        return found

    def _key(self, app_id: str) -> tuple[frozenset[str], str]:
        inputs = self.renderer.inputs(self.view.apps[app_id])
        return inputs, cache_key(self.settings, self.tools, self.view.apps[app_id], inputs, self.inv.tree)

    def _render_one(self, app_id: str, inputs: frozenset[str], key: str) -> AppRender:
        app = self.view.apps[app_id]
        located = self.cache.located(key, app_id)
        if located is not None:           # the same inputs in an earlier tree of this process: the same render
            return located
        cached, seconds = self.cache.get(key), 0.0
        if cached is None:
            start = time.perf_counter()
            offline = False
            try:
                left = app.generated_by and next(
                    (m for source in app.sources for m in _PLACEHOLDER.findall(repr(source.spec))), None)
                if left:
                    raise OfflineError(f"its source still holds {left} once generated: a parameter its generator "
                                       "does not give here, or one of a generator migrate cannot run offline")
                raws, error = self.renderer.raw(app)
            except RenderError as exc:
                raws, error, offline = [], exc.args[0], isinstance(exc, OfflineError)
            except Exception as exc:  # noqa: BLE001  (one Application's surprise must not hide the others)
                raws, error = [], f"migrate could not render it ({type(exc).__name__}: {exc}); please report it"
            cached, seconds = (raws, error, offline), time.perf_counter() - start
            self.cache.put(key, cached)
        raws, error, offline = cached
        render = AppRender(app_id, inputs=inputs, error=error, seconds=seconds, offline=offline)
        if error is None:
            render.objects = self.renderer.locate(app, raws)
            render.unrendered = [u for raw in raws for u in raw.unrendered]
            render.unseen_namespaces = sorted({n for raw in raws for n in raw.unseen_namespaces})
        self.cache.keep_located(key, app_id, render, on_disk=dataclasses.replace(render, seconds=0.0))
        return render

    def _children(self, parent: str, render: AppRender) -> list[str]:
        """Record the Applications and ApplicationSets ``render`` holds; the new ones, to render next."""
        view = self.view
        if not render.rendered:
            view.children[parent] = self._source_children(view.apps[parent])
            return []
        kids, new = view.children.setdefault(parent, []), []
        argo = [o for o in render.objects if str(o.doc.get("apiVersion", "")).startswith("argoproj.io/")]
        if argo:
            self.inv.self_urls |= self_repo_urls((o.doc for o in argo if is_application(o.doc)), self.inv.files)
            self.inv.self_urls |= appset_repo_urls((o.doc for o in argo if o.doc.get("kind") == APPSET),
                                                   self.inv.files)
        for obj in argo:
            doc = obj.doc
            meta = as_map(doc.get("metadata"))
            namespace = text(meta.get("namespace")) or "argocd"
            name = text(meta.get("name")) or ""
            if doc.get("kind") == APPSET:
                appset_id = next((a.id for a in self.inv.application_sets if (a.namespace, a.name, a.file) ==
                                  (namespace, name, obj.located.file)), f"applicationset:{namespace}/{name}")
                kids.append(Child(appset_id, obj.located.file, _line(obj)))
                if appset_id not in view.appsets:
                    view.appsets[appset_id] = obj.located.file
                    new += self._expand(appset_id, obj.located.doc, obj.located.file, _line(obj))
                continue
            if not is_application(doc):
                continue
            known = self.by_name.get((namespace, name), [])
            same = next((a for a in known if a.file == obj.located.file), known[0] if known else None)
            if same is None:
                same = self._record(obj.located.doc, obj.located.file, _line(obj), parent)
                if same is None:
                    continue
                self._add(same)
                new.append(same.id)
            kids.append(Child(same.id, obj.located.file, _line(obj), obj.located.template))
        return new

    def _source_children(self, app: Application) -> list[Child]:
        """What an Application deploys when it is not rendered: the Application files in the folders and
        kustomizations it deploys (the source model's reading), itself included when it is self-managed."""
        contexts = self.inv.contexts
        return [Child(other.id, other.file, other.line) for other in self.inv.applications
                if contexts.get(other.file) is not None and contexts[other.file].app == app.id]

    # -- roots and synced --------------------------------------------------------------------------------
    def _roots(self) -> None:
        view = self.view
        deployed = {kid.id for parent, kids in view.children.items() for kid in kids if kid.id != parent}
        configured = set(self.inv.config.roots)
        candidates: list[tuple[str, str, str, bool]] = []   # id, name, file, local
        for app in [*self.inv.applications, *(view.apps[i] for i in self.bootstrap)]:
            candidates.append((app.id, app.name, app.file, any(s.local for s in app.sources)))
        for appset in self.inv.application_sets:
            candidates.append((appset.id, appset.name, appset.file, self._appset_local(appset)))
        app_of_apps = any(kid.id != parent for parent, kids in view.children.items() for kid in kids)
        for app_id, name, file, local in candidates:
            if configured:
                if name in configured or file in configured or app_id in configured:
                    view.roots[app_id] = "named in .migrate/config.yaml roots"
                continue
            if app_id in deployed:
                continue
            if not local:
                app = view.apps.get(app_id)
                view.external[app_id] = ", ".join(s.repo_url for s in app.sources) if app else "another repository"
                if not app_of_apps:     # applied by hand like every other one: a root whose render is a blind spot
                    view.roots[app_id] = (f"no Application of the repository deploys another: each is applied by "
                                          f"hand; it deploys from another repository ({file})")
                continue
            kids = view.children.get(app_id, [])
            self_managed = any(kid.id == app_id for kid in kids)
            if app_of_apps and not kids:
                view.unreached[app_id] = (f"nothing deploys it and it deploys no Application ({file}); if it is "
                                          "applied by hand, list it under roots in .migrate/config.yaml")
                continue
            if app_id in self.bootstrap:
                view.roots[app_id] = (f"a local chart that emits Applications (its templates, or argocd-apps' from its "
                                      f"values), which no Application of the repository deploys: installed by hand, "
                                      f"rendered with its values.yaml ({file})")
                continue
            why = ("it deploys itself (self-managed) and nothing else of the repository deploys it" if self_managed
                   and len(kids) == 1 else "no Application of the repository deploys it" if kids else
                   "no Application of the repository deploys another: each is applied by hand")
            view.roots[app_id] = f"{why}; its source is this repository ({file})"
        if not configured:
            self._roots_beside_roots(candidates, deployed)
        for name in sorted(configured - {n for _, n, _, _ in candidates} - {f for _, _, f, _ in candidates}
                           - set(view.roots)):
            view.notes.append(f".migrate/config.yaml names root {name}, which is no Application or ApplicationSet "
                              "of the repository")

    def _roots_beside_roots(self, candidates: list[tuple[str, str, str, bool]], deployed: set[str]) -> None:
        """An Application or ApplicationSet nothing deploys, in the folder of a root's file that nothing
        deploys either (not the repository's top folder), is applied with it (``kubectl apply -f <folder>``):
        a root too."""
        view = self.view
        files = {app_id: file for app_id, _, file, _ in candidates}
        deployed_folders = {path for a in view.apps.values() for path in a.source_paths}
        folders = {posixpath.dirname(files[r]): r for r in sorted(view.roots) if r in files}
        folders = {folder: root for folder, root in folders.items()   # the top folder holds too much else
                   if folder and folder not in deployed_folders}
        for app_id, name, file, _ in candidates:
            root = folders.get(posixpath.dirname(file))
            if app_id in view.roots or app_id in deployed or root is None:
                continue
            view.unreached.pop(app_id, None)
            view.roots[app_id] = (f"nothing deploys it and it lies beside root {root.split('/', 1)[-1]} in a folder "
                                  f"nothing deploys: applied with it ({file})")

    def _appset_local(self, appset) -> bool:
        doc = self.inv.docs(appset.file)[appset.doc]
        spec = as_map(doc.get("spec"))
        sources = [as_map(as_map(spec.get("template")).get("spec")).get("source")]
        sources += list(as_map(as_map(spec.get("template")).get("spec")).get("sources") or [])
        urls = [text(as_map(s).get("repoURL")) for s in sources if is_map(s)]
        urls += _generator_urls(spec.get("generators"))
        from_repo = [u for u in urls if u]
        return not from_repo or any(repo_url_key(u) in self.inv.self_urls or "{{" in u for u in from_repo)

    def _synced(self) -> None:
        view = self.view
        stack = list(view.roots)
        seen = set(stack)
        while stack:
            for kid in view.children.get(stack.pop(), []):
                if kid.id not in seen:
                    seen.add(kid.id)
                    stack.append(kid.id)
        view.synced = seen



def _unvendored(inv: Inventory) -> dict[str, set[str]]:
    """kustomization file -> names of its helmCharts that are not vendored under its chartHome."""
    found: dict[str, set[str]] = {}
    for kust in inv.kustomizations:
        home = chart_home_of(kust)
        names = {c.name for c in kust.helm_charts if not any(inv.files.is_dir(f) for f in c.vendored(home))}
        if names:
            found[kust.file] = names
    return found


def _versioned_homes(inv: Inventory) -> dict[str, str]:
    """Where kustomize looks for a chart with both ``repo`` and ``version`` (``<home>/<name>-<version>/<name>``)
    -> the chart vendored at ``<home>/<name>`` instead: the workspace puts it there too, so kustomize
    renders the vendored chart rather than trying to pull it."""
    found: dict[str, str] = {}
    for kust in inv.kustomizations:
        home = chart_home_of(kust)
        for chart in kust.helm_charts:
            folders = chart.vendored(home)
            if len(folders) == 2 and not inv.files.is_dir(folders[1]) and inv.files.is_dir(folders[0]):
                found[folders[1]] = folders[0]
    return found


def _generator_urls(generators) -> list[str]:
    urls = []
    for generator in generators or []:
        if not is_map(generator):
            continue
        for kind, spec in generator.items():
            if kind == "git" and is_map(spec):
                urls.append(text(spec.get("repoURL")) or "")
            elif kind in ("matrix", "merge") and is_map(spec):
                urls += _generator_urls(spec.get("generators"))
    return urls


def _line(obj) -> int:
    lc = getattr(obj.located.doc, "lc", None)
    return lc.line + 1 if lc is not None and lc.line is not None else 1
