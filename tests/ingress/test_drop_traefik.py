"""drop-traefik on a small repository: Traefik as the controller that goes (its prefixes and kinds from
controllers.yaml, not Kong's), ingress-nginx taking over."""

from __future__ import annotations

import pytest

from migrate import engine
from migrate.errors import VerificationError
from tests.fixtures.shapes import app, load, service

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    traefik.ingress.kubernetes.io/router.entrypoints: websecure
    traefik.ingress.kubernetes.io/router.middlewares: web-https@kubernetescrd
    traefik.ingress.kubernetes.io/router.priority: "10"
spec:
  ingressClassName: traefik
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 8080}}
"""

MIDDLEWARE = """\
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: https
spec:
  redirectScheme: {scheme: https, permanent: true}
"""

FILES = {
    "root.yaml": app("root", "argocd", "apps"),
    "apps/kustomization.yaml": "resources:\n- traefik.yaml\n- nginx.yaml\n- web.yaml\n",
    "apps/traefik.yaml": app("traefik", "traefik", "platform/traefik"),
    "platform/traefik/svc.yaml": service("traefik"),
    "apps/nginx.yaml": app("ingress-nginx", "ingress-nginx", "platform/ingress-nginx"),
    "platform/ingress-nginx/svc.yaml": service("ingress-nginx-controller"),
    "apps/web.yaml": app("web", "web", "web"),
    "web/kustomization.yaml": "resources:\n- ingress.yaml\n- svc.yaml\n- middleware.yaml\n",
    "web/ingress.yaml": INGRESS, "web/svc.yaml": service("web"), "web/middleware.yaml": MIDDLEWARE,
}


def test_drop_traefik_names_each_traefik_feature_and_leaves_nothing_of_it(tmp_path):
    load(tmp_path, FILES)
    repo = tmp_path / "repo"
    with pytest.raises(VerificationError) as refused:
        engine.run(repo, "drop-traefik")
    assert "--accept-loss traefik.ingress.kubernetes.io/router.priority --accept-loss web-https@kubernetescrd" in str(refused.value)
    result = engine.run(repo, "drop-traefik", {"accept_loss": ["web-https@kubernetescrd", "traefik.ingress.kubernetes.io/router.priority"]})
    assert [name for name, _ in result.commits] == ["switch-ingress-class", "account-annotations",
                                                    "unregister-component"]
    text = (repo / "web/ingress.yaml").read_text()
    assert "ingressClassName: nginx" in text and "traefik." not in text
    assert not (repo / "web/middleware.yaml").exists()
    assert (repo / "web/kustomization.yaml").read_text() == "resources:\n- ingress.yaml\n- svc.yaml\n"
    assert (repo / "apps/kustomization.yaml").read_text() == "resources:\n- nginx.yaml\n- web.yaml\n"
    report = result.plan.steps[1].report
    notes = [str(e) for e in report]
    assert any("router.entrypoints" in n and "nothing needed" in n for n in notes)
    assert any(n.startswith("[loss]") and "web-https@kubernetescrd (Middleware, redirectScheme)" in n and "force-ssl-redirect" in n
               for n in notes)
