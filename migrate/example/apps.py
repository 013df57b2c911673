"""Text of ArgoCD ``Application`` documents and of kustomizations listing them.

Every Application of the example repo shares the team's conventions (finalizer, automated
sync with prune/selfHeal, retry with backoff, revisionHistoryLimit); what differs is passed
in: name, destination, the ``source:``/``sources:`` block, sync wave, sequence style.
"""

from __future__ import annotations

from .yamltext import indent, item, seq_pad

REPO_URL = "https://github.com/Lumie-Edu/lumie-infra.git"


def application(name: str, dest: str, sources: str, *, comment: str, flush: bool = True,
                wave: str | None = None, options: tuple[str, ...] = ("CreateNamespace=true",)) -> str:
    """An Application document; ``sources`` is the literal ``source:``/``sources:`` block (2-space indent)."""
    i = seq_pad(flush)
    annotations = f'  annotations:\n    argocd.argoproj.io/sync-wave: "{wave}"\n' if wave is not None else ""
    sync_options = "\n".join(f"    {i}- {option}" for option in options)
    return f"""\
{comment}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
{annotations}  finalizers:
  {i}- resources-finalizer.argocd.argoproj.io
spec:
  project: default
{sources}
  destination:
    server: https://kubernetes.default.svc
    namespace: {dest}
  syncPolicy:
    automated:
      prune: true # Git에서 삭제된 리소스 자동 제거
      selfHeal: true # 수동 변경사항 자동 복구
    syncOptions:
{sync_options}
    retry:
      limit: 5
      backoff:
        duration: 5s
        factor: 2
        maxDuration: 3m
  revisionHistoryLimit: 10
"""


def repo_source(path: str) -> str:
    """A single ``source:`` block: a folder of this repository."""
    return f"""\
  source:
    repoURL: {REPO_URL}
    targetRevision: main
    path: {path}"""


def chart_source(repo: str, chart: str, version: str, values: tuple[str, ...], flush: bool,
                 release: str | None = None) -> str:
    """A ``sources:`` entry (item text) installing a remote Helm chart with ``$values/...`` files."""
    i = seq_pad(flush)
    release_line = f"\n  releaseName: {release}" if release else ""
    value_files = "\n".join(f"  {i}- $values/{path}" for path in values)
    return f"""\
repoURL: {repo}
chart: {chart}
targetRevision: {version}
helm:{release_line}
  valueFiles:
{value_files}"""


def values_ref() -> str:
    """The ``sources:`` entry that names this repository ``$values``."""
    return f"repoURL: {REPO_URL}\ntargetRevision: main\nref: values"


def path_source(path: str, extra: str = "") -> str:
    """A ``sources:`` entry deploying a folder of this repository (``extra``: more literal keys)."""
    return f"repoURL: {REPO_URL}\ntargetRevision: main\npath: {path}" + (f"\n{extra}" if extra else "")


def multi_sources(flush: bool, *entries: tuple[str, str]) -> str:
    """A ``sources:`` block from (Korean comment, item text) pairs."""
    pad = "  " + seq_pad(flush)
    blocks = [f"{pad}# {comment}\n{item(pad, text)}" for comment, text in entries]
    return "  sources:\n" + "\n".join(blocks)


def kustomization_of_apps(header: str, groups: list[tuple[str, list[str]]], *, flush: bool = True,
                          final_newline: bool = True) -> str:
    """A kustomization whose ``resources:`` are Application files in commented, blank-line separated groups.

    ``groups`` holds (comment lines, resource lines); a resource line may carry its own comment,
    and a line starting with ``#`` is a commented-out entry. Empty groups are left out.
    """
    pad = seq_pad(flush)
    blocks = [(indent(comment, pad) + "\n" if comment else "") + "\n".join(_entry(pad, line) for line in lines)
              for comment, lines in groups if lines]
    text = f"""\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

{header}
resources:
""" + "\n\n".join(blocks)
    return text + "\n" if final_newline else text


def _entry(pad: str, line: str) -> str:
    return f"{pad}{line}" if line.startswith("#") else f"{pad}- {line}"
