"""Scaled copies of the designed repo's static files: where each file of copy ``k`` lives, and its text.

``migrate example init --scale N`` replays the story N times. The services are rendered from
their model with a suffix (``model.scaled_copy``); every other file a copy gets (its frontend,
develop environment, Tekton app, Argo CD, database, and whole ``bootstrap``/``platform``/
``observability`` roots) is the designed file moved to the copy's folder, with the names it defines renamed:
``-s02`` on Application names, namespaces and cluster-wide names, ``s02`` in host names. Each
family of files lists the exact fragments it renames, so nothing else in its texts changes; the
renames are applied in one pass (longest fragment first), so a renamed text is never renamed again.
Copy 1 is the designed repo itself: paths and texts unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Mapping

# The Kong cluster plugins: cluster-wide names, so every copy's kong defines (and its routes use) its own.
KONG_PLUGINS = ("https-redirect", "lumie-cors", "lumie-jwt-claims")  # and lumie-jwt, see _bootstrap


def _suffixed(s: str, *fragments: str) -> list[tuple[str, str]]:
    """Renames of fragments that end in a name: the suffix goes after them."""
    return [(fragment, fragment + s) for fragment in fragments]


def _named(s: str, *names: str) -> list[tuple[str, str]]:
    """Renames of ``name: X`` / ``namespace: X`` lines (an Application's name and destination...)."""
    return [(f"{key}: {name}\n", f"{key}: {name}{s}\n") for name in names for key in ("name", "namespace")]


def _root(s: str, root: str) -> list[tuple[str, str]]:
    """A top-level App-of-Apps root: its folder, its Application's name and path."""
    return [(f"{root}/", f"{root}{s}/"), (f"name: {root}\n", f"name: {root}{s}\n"),
            (f"path: {root}\n", f"path: {root}{s}\n")]


def _bootstrap(s: str, n: str) -> list[tuple[str, str]]:
    return [*_root(s, "bootstrap"), *_named(s, "minio", "zot", "vault", "kong"), *_suffixed(s, *KONG_PLUGINS),
            ("name: lumie-jwt\n", f"name: lumie-jwt{s}\n"),
            ("upload.lumie.kr", f"upload-{n}.lumie.kr"), ("upload-lumie-kr-tls", f"upload-{n}-lumie-kr-tls"),
            ("zot.lumie-infra.com", f"zot-{n}.lumie-infra.com"),
            ("zot-lumie-infra-com-tls", f"zot-{n}-lumie-infra-com-tls"),
            ("vault.vault.svc", f"vault{s}.vault{s}.svc"),
            ("https://lumie.kr", f"https://{n}.lumie.kr"), ("https://www.lumie.kr", f"https://www.{n}.lumie.kr"),
            ("https://dev.lumie.kr", f"https://dev-{n}.lumie.kr")]


def _platform(s: str, n: str) -> list[tuple[str, str]]:
    return [*_root(s, "platform"),
            *_named(s, "cert-manager", "cnpg", "cnpg-system", "redis", "lumie-cache", "rabbitmq", "lumie-event",
                    "traefik", "monitoring", "letsencrypt-prod", "letsencrypt-staging"),
            (".lumie-cache.svc", f".lumie-cache{s}.svc"), *_suffixed(s, "ingressClass: traefik")]


def _observability(s: str, n: str) -> list[tuple[str, str]]:
    return [*_root(s, "observability"), *_named(s, "prometheus", "grafana", "loki", "monitoring"),
            (".monitoring.svc", f".monitoring{s}.svc"), ("minio.minio.svc", f"minio{s}.minio{s}.svc"),
            ("grafana.lumie-infra.com", f"grafana-{n}.lumie-infra.com"),
            ("grafana-lumie-infra-com-tls", f"grafana-{n}-lumie-infra-com-tls"),
            *_suffixed(s, "ingressClassName: traefik")]


def _argocd(s: str, n: str) -> list[tuple[str, str]]:
    """An Argo CD instance of the copy's own (Applications themselves stay in namespace argocd)."""
    return [("applications/argocd/", f"applications/argocd{s}/"), ("name: argocd\n", f"name: argocd{s}\n"),
            ("    namespace: argocd\n", f"    namespace: argocd{s}\n"),  # the destination, not metadata
            ("name: argocd-extras\n  namespace: argocd\n", f"name: argocd-extras\n  namespace: argocd{s}\n")]


def _database(s: str, n: str) -> list[tuple[str, str]]:
    return [("path: applications/lumie\n", f"path: applications/lumie{s}\n"), ("name: lumie\n", f"name: lumie{s}\n"),
            ("releaseName: lumie\n", f"releaseName: lumie{s}\n"),
            ("namespace: lumie-db\n", f"namespace: lumie-db{s}\n")]


def _frontend(s: str, n: str) -> list[tuple[str, str]]:
    return [*_suffixed(s, "applications/lumie/frontend", "name: frontend", "releaseName: frontend",
                       "repository: applications/frontend", "lumie-frontend", *KONG_PLUGINS),
            ("auth-svc.lumie-platform.svc", f"auth-svc{s}.lumie-platform{s}.svc"),
            ("www.lumie.kr", f"www.{n}.lumie.kr"), ("https://lumie.kr", f"https://{n}.lumie.kr"),
            ("host: lumie.kr\n", f"host: {n}.lumie.kr\n"), ("- lumie.kr\n", f"- {n}.lumie.kr\n"),
            ("(lumie.kr)", f"({n}.lumie.kr)"), (" lumie.kr 로", f" {n}.lumie.kr 로"),
            ("lumie-kr-tls", f"{n}-lumie-kr-tls")]


def _develop(s: str, n: str) -> list[tuple[str, str]]:
    return [*_suffixed(s, "applications/lumie/develop", "lumie-develop", "lumie-dev", "auth-svc", "tenant-svc"),
            ("dev.lumie.kr", f"dev-{n}.lumie.kr"), ("/api/auth\n", f"/api/auth{s}\n"),
            ("/api/tenant\n", f"/api/tenant{s}\n"),
            # the manifests keep their file names (a longer fragment wins, so these stay as they are)
            ("manifests/auth-svc.yaml", "manifests/auth-svc.yaml"),
            ("manifests/tenant-svc.yaml", "manifests/tenant-svc.yaml")]


def _tekton(s: str, n: str) -> list[tuple[str, str]]:
    return _suffixed(s, "applications/tekton/ci-cd", "tekton-ci-cd", "tekton-pipelines")


# (designed folder or file, its copy's folder or file with {s} for the suffix, renames of its texts)
FAMILIES = (
    ("bootstrap/", "bootstrap{s}/", _bootstrap),
    ("platform/", "platform{s}/", _platform),
    ("observability/", "observability{s}/", _observability),
    ("applications/lumie/frontend/", "applications/lumie/frontend{s}/", _frontend),
    ("applications/lumie/develop/", "applications/lumie/develop{s}/", _develop),
    ("applications/tekton/ci-cd/", "applications/tekton/ci-cd{s}/", _tekton),
    ("applications/argocd/", "applications/argocd{s}/", _argocd),
    *((f"applications/lumie/{name}", f"applications/lumie{{s}}/{name}", _database)
      for name in ("argocd.yaml", "kustomization.yaml", "common-values.yaml", "manifests/")),
)


@dataclass(frozen=True)
class Copy:
    """Copy ``number`` of the designed repo (1 = the designed repo itself)."""

    number: int

    @property
    def suffix(self) -> str:
        return "" if self.number == 1 else f"-s{self.number:02d}"

    @property
    def tag(self) -> str:
        """``s02``: the suffix without its dash, as host names use it."""
        return self.suffix.removeprefix("-")

    def path(self, path: str) -> str:
        """Where the copy of the designed file ``path`` lives (same path if no family moves it)."""
        family = self._family(path)
        return family[1] + path[len(family[0]):] if family else path

    def files(self, files: Mapping[str, str | None]) -> dict[str, str | None]:
        """Designed files (path -> text, None = deleted) as this copy's files."""
        return {self.path(path): self._text(path, text) for path, text in files.items()}

    def entry(self, line: str) -> str:
        """A resource line of ``applications/kustomization.yaml`` (``lumie/x/argocd.yaml # comment``) moved."""
        resource, sep, comment = line.partition(" #")
        return self.path("applications/" + resource).removeprefix("applications/") + sep + comment

    def message(self, message: str) -> str:
        """A commit message: the subject gets ``[s02]`` unless it names the copy's things already."""
        subject, sep, body = message.partition("\n")
        if self.number == 1 or self.suffix in subject:
            return message
        return f"{subject} [{self.tag}]{sep}{body}"

    def _text(self, path: str, text: str | None) -> str | None:
        family = self._family(path)
        if text is None or not family:
            return text
        pattern, renames = self._renames[family[0]]
        return pattern.sub(lambda m: renames[m[0]], text)

    def _family(self, path: str) -> tuple[str, str] | None:
        if self.number == 1:
            return None
        for source, target, _ in FAMILIES:
            if path.startswith(source):
                return source, target.format(s=self.suffix)
        return None

    @cached_property
    def _renames(self) -> dict[str, tuple[re.Pattern, dict[str, str]]]:
        """Per family: one regex of its fragments (longest first) and fragment -> replacement."""
        compiled = {}
        for source, _, renames in FAMILIES:
            pairs = dict(renames(self.suffix, self.tag))
            pattern = re.compile("|".join(re.escape(old) for old in sorted(pairs, key=len, reverse=True)))
            compiled[source] = (pattern, pairs)
        return compiled
