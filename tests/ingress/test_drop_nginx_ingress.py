"""The second ingress playbook, drop-nginx-ingress: same operations, another translation table
(proof that dropping a controller for Traefik is a playbook file, not code). Runs on a small
hand-made git repository: bootstrap/ (traefik, ingress-nginx) and apps/ (shop: manifests with
CORS and HTTPS redirect; admin: legacy class annotation, IP allow list, a raw nginx snippet;
blog: a remote chart's values plus a manifests folder, with a permanent redirect).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from migrate.cli import main
from migrate.graph import build_graph
from migrate.inventory import Inventory
from migrate.repo.tracked import Tree
from migrate.testing import make_repo

REPO = "https://example.com/org/infra.git"
NGINX = "nginx.ingress.kubernetes.io/"


def app(name: str, namespace: str, sources: str) -> str:
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n"
            f"spec:\n  project: default\n{sources}  destination:\n    server: https://kubernetes.default.svc\n"
            f"    namespace: {namespace}\n")


def local(folder: str) -> str:
    return f"  source:\n    repoURL: {REPO}\n    targetRevision: main\n    path: {folder}\n"


def remote(chart: str, values: str, manifests: str = "") -> str:
    extra = f"  - repoURL: {REPO}\n    targetRevision: main\n    path: {manifests}\n" if manifests else ""
    return (f"  sources:\n  - repoURL: https://charts.example.com\n    chart: {chart}\n    targetRevision: 1.0.0\n"
            f"    helm:\n      valueFiles:\n      - $values/{values}\n  - repoURL: {REPO}\n    targetRevision: main\n"
            f"    ref: values\n{extra}")


def ingress(name: str, annotations: str, host: str, path: str, cls: str = "  ingressClassName: nginx\n") -> str:
    return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  annotations:\n"
            f"{annotations}spec:\n{cls}  rules:\n  - host: {host}\n    http:\n      paths:\n      - path: {path}\n"
            f"        pathType: Prefix\n        backend:\n          service:\n            name: {name}\n"
            f"            port:\n              number: 80\n")


BOOTSTRAP = "# controllers (wave order)\nresources:\n- traefik/argocd.yaml\n- ingress-nginx/argocd.yaml # old"
SHOP = ingress("shop", f'    {NGINX}ssl-redirect: "true"\n    {NGINX}enable-cors: "true"\n'
                       f'    {NGINX}cors-allow-origin: "https://shop.example.com"\n'
                       f'    {NGINX}cors-allow-methods: "GET, POST"\n    {NGINX}cors-allow-credentials: "true"\n'
                       f'    {NGINX}proxy-body-size: 8m\n', "shop.example.com", "/")
ADMIN = ingress("admin", f"    kubernetes.io/ingress.class: nginx # legacy\n"
                         f'    {NGINX}whitelist-source-range: "10.0.0.0/8, 192.168.0.0/16"\n'
                         f"    {NGINX}configuration-snippet: |\n      more_set_headers \"X-Admin: 1\";\n",
                "admin.example.com", "/", cls="")
BLOG_VALUES = (f"ingress:\n  enabled: true\n  className: nginx\n  annotations:\n"
               f"    {NGINX}permanent-redirect: https://news.example.com/\n"
               f"  hosts:\n    - host: blog.example.com\n      paths:\n        - path: /\n")

FILES = {
    "bootstrap/application.yaml": app("bootstrap", "argocd", local("bootstrap")),
    "bootstrap/kustomization.yaml": BOOTSTRAP,
    "bootstrap/traefik/argocd.yaml": app("traefik", "traefik", remote("traefik", "bootstrap/traefik/values.yaml")),
    "bootstrap/traefik/values.yaml": "ingressClass:\n  enabled: true\n",
    "bootstrap/ingress-nginx/argocd.yaml": app("ingress-nginx", "ingress-nginx", remote(
        "ingress-nginx", "bootstrap/ingress-nginx/values.yaml")),
    "bootstrap/ingress-nginx/values.yaml": "controller:\n  ingressClass: nginx\n",
    "apps/application.yaml": app("apps", "argocd", local("apps")),
    "apps/kustomization.yaml": "resources:\n- shop/argocd.yaml\n- admin/argocd.yaml\n- blog/argocd.yaml\n",
    "apps/shop/argocd.yaml": app("shop", "shop", local("apps/shop")),
    "apps/shop/kustomization.yaml": "namespace: shop\nresources:\n  - ingress.yaml\n",
    "apps/shop/ingress.yaml": SHOP,
    "apps/admin/argocd.yaml": app("admin", "admin", local("apps/admin")),
    "apps/admin/kustomization.yaml": "namespace: admin\nresources:\n- ingress.yaml\n",
    "apps/admin/ingress.yaml": ADMIN,
    "apps/blog/argocd.yaml": app("blog", "blog", remote("wordpress", "apps/blog/values.yaml", "apps/blog/manifests")),
    "apps/blog/values.yaml": BLOG_VALUES,
    "apps/blog/manifests/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blog\n",
}
LOSSES = [f"{NGINX}configuration-snippet", f"{NGINX}proxy-body-size"]


def cli(repo: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--repo", str(repo)])


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    return make_repo(tmp_path / "infra", FILES)


def middleware(repo: Path, path: str, name: str) -> dict:
    docs = YAML(typ="safe").load_all((repo / path).read_text())
    return next(d["spec"] for d in docs if d["metadata"]["name"] == name)


def test_refuses_until_the_nginx_losses_are_accepted(repo):
    result = cli(repo, "run", "drop-nginx-ingress", "--yes")
    assert result.exit_code == 1
    assert f"add --accept-loss {LOSSES[0]} --accept-loss {LOSSES[1]} " in result.output
    assert len(git(repo, "rev-list", "HEAD").split()) == 1


def test_drop_nginx_ingress_translates_by_table_and_rolls_back(repo):
    start = git(repo, "rev-parse", "HEAD").strip()
    failures = {p.key for p in build_graph(Inventory.load(Tree.from_repo(repo))).failures()}   # no Services here
    # --accept-loss adds to a --set accept_loss list
    result = cli(repo, "run", "drop-nginx-ingress", "--yes", "--set", f"accept_loss={LOSSES[0]}", "--accept-loss",
                 LOSSES[1])
    assert result.exit_code == 0, result.output
    assert len(git(repo, "rev-list", f"{start}..HEAD").split()) == 3

    # the Ingresses: class switched in its own form, nginx annotations replaced by Middleware references
    shop = (repo / "apps/shop/ingress.yaml").read_text()
    assert shop == SHOP.replace("ingressClassName: nginx", "ingressClassName: traefik").replace(
        f'    {NGINX}ssl-redirect: "true"\n', "    traefik.ingress.kubernetes.io/router.middlewares: "
        "shop-redirect-https@kubernetescrd,shop-shop-cors@kubernetescrd\n").replace(
        "".join(line + "\n" for line in SHOP.splitlines() if NGINX in line and "ssl-redirect" not in line), "")
    admin = (repo / "apps/admin/ingress.yaml").read_text()
    assert "kubernetes.io/ingress.class: traefik # legacy\n" in admin and NGINX not in admin
    assert (repo / "apps/blog/values.yaml").read_text() == BLOG_VALUES.replace("className: nginx",
                                                                               "className: traefik").replace(
        f"{NGINX}permanent-redirect: https://news.example.com/",
        "traefik.ingress.kubernetes.io/router.middlewares: blog-blog-redirect@kubernetescrd")

    # the Middlewares carry what the annotations said
    shop_file = "apps/shop/manifests/traefik-middlewares.yaml"
    assert middleware(repo, shop_file, "redirect-https") == {"redirectScheme": {"scheme": "https", "permanent": True}}
    assert middleware(repo, shop_file, "shop-cors") == {"headers": {
        "accessControlAllowOriginList": ["https://shop.example.com"], "accessControlAllowMethods": ["GET", "POST"],
        "accessControlAllowHeaders": ["DNT", "Keep-Alive", "User-Agent", "X-Requested-With", "If-Modified-Since",
                                      "Cache-Control", "Content-Type", "Authorization"],   # nginx's defaults
        "accessControlAllowCredentials": True, "accessControlMaxAge": 1728000, "addVaryHeader": True}}
    assert middleware(repo, "apps/admin/manifests/traefik-middlewares.yaml", "admin-ip-allow-list") == {
        "ipAllowList": {"sourceRange": ["10.0.0.0/8", "192.168.0.0/16"]}}
    assert middleware(repo, "apps/blog/manifests/traefik-middlewares.yaml", "blog-redirect") == {
        "redirectRegex": {"regex": "^.*$", "replacement": "https://news.example.com/", "permanent": True}}
    assert (repo / "apps/shop/kustomization.yaml").read_text().endswith(
        "  - ingress.yaml\n  - manifests/traefik-middlewares.yaml\n")

    # ingress-nginx is no longer synced; its folder is untouched; nothing dangles
    inv = Inventory.load(Tree.from_repo(repo))
    graph = build_graph(inv)
    assert graph.synced_applications() == {"apps", "bootstrap", "traefik", "shop", "admin", "blog"}
    assert (repo / "bootstrap/kustomization.yaml").read_text() == BOOTSTRAP.rsplit("\n", 1)[0]
    assert git(repo, "diff", start, "HEAD", "--", "bootstrap/ingress-nginx") == ""
    assert {(r.host, r.class_name) for r in inv.routes} == {
        ("shop.example.com", "traefik"), ("admin.example.com", "traefik"), ("blog.example.com", "traefik")}
    assert {p.key for p in graph.failures()} == failures
    message = git(repo, "log", "-1", "--format=%B", "HEAD~1")
    assert all(f"{name} (annotation), accepted" in message for name in LOSSES)

    rolled = cli(repo, "rollback", "drop-nginx-ingress", "--yes")
    assert rolled.exit_code == 0, rolled.output
    assert git(repo, "diff", start, "HEAD") == "" and git(repo, "status", "--porcelain") == ""
