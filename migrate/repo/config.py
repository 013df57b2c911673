"""The repository's own settings for migrate: ``.migrate/config.yaml``, validated by a JSON Schema.

Everything is optional; the file is needed only where migrate's guesses are wrong for a repository:

```yaml
roots: [bootstrap, apps/root.yaml]       # Applications/ApplicationSets bootstrapped by hand
repo_urls: [https://git.internal/org/infra.git]   # other URLs that name this repository
clusters:                                # what an ApplicationSet clusters generator sees
  - {name: prod, server: https://prod.example.com, labels: {env: prod}}
render:
  enabled: true                          # false: read the source files only
  kustomize_build_options: --enable-helm # argocd-cm kustomize.buildOptions
  kube_version: "1.31.0"                 # .Capabilities.KubeVersion of the destination
  api_versions: [monitoring.coreos.com/v1]
producers:                               # operators' kinds that make Services/Secrets (see producers.yaml)
  - {group: example.com, kind: Broker, services: ["{name}-amqp"], secrets: ["{name}-credentials"]}
```

The schema ships as ``config.schema.json`` beside this module (editors can use it); a problem is a
UsageError naming the file, the line and the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Mapping

from jsonschema import Draft202012Validator

from ..errors import UsageError, YamlError
from ..roundtrip import YamlFile, line_of, plain
from .tracked import Tree

CONFIG = ".migrate/config.yaml"
SCHEMA = json.loads(resources.files(__package__).joinpath("config.schema.json").read_text(encoding="utf-8"))
_VALIDATOR = Draft202012Validator(SCHEMA)


@dataclass(frozen=True)
class RepoConfig:
    """The settings of ``.migrate/config.yaml`` (defaults when it is absent)."""

    roots: tuple[str, ...] = ()
    repo_urls: tuple[str, ...] = ()
    clusters: tuple[Mapping[str, Any], ...] = ()
    render_enabled: bool = True
    build_options: str = "--enable-helm"
    kube_version: str = "1.31.0"
    api_versions: tuple[str, ...] = ()
    producers: tuple[Mapping[str, Any], ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)
    untracked: bool = False     # the working tree has the file but git does not track it: not read

    @classmethod
    def load(cls, tree: Tree) -> "RepoConfig":
        if not tree.exists(CONFIG):
            return cls(untracked=tree.on_disk and (tree.root / CONFIG).is_file())
        try:
            docs = YamlFile.parse(tree.read_text(CONFIG), path=CONFIG).docs
        except YamlError as exc:
            raise UsageError(f"malformed config: {exc.args[0]}", path=CONFIG, line=exc.line) from None
        top = docs[0] if docs else None
        if top is None:
            return cls()
        data = json.loads(json.dumps(plain(top), default=str))
        error = next(iter(sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))), None)
        if error is not None:
            path = list(error.absolute_path)
            if error.validator == "additionalProperties" and isinstance(error.instance, dict):
                path.append(next(k for k in error.instance if k not in error.schema.get("properties", {})))
            node, key = _node(top, path)
            where = ".".join(map(str, path)) or "the config"
            raise UsageError(f"{where}: {error.message}", path=CONFIG, line=line_of(node, key) or 1)
        render = data.get("render") or {}
        return cls(tuple(data.get("roots") or ()), tuple(data.get("repo_urls") or ()), tuple(data.get("clusters") or ()),
                   bool(render.get("enabled", True)), str(render.get("kustomize_build_options", "--enable-helm")),
                   str(render.get("kube_version", "1.31.0")), tuple(render.get("api_versions") or ()),
                   tuple(data.get("producers") or ()), data)


def _node(top: Any, path: list) -> tuple[Any, Any]:
    node, parent, key = top, None, None
    for step in path:
        parent, key = node, step
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    return (parent, key) if parent is not None else (top, None)
