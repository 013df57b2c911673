"""plugins-accounted, component-unused and routes-unchanged (ingress.checks, ingress.accounted)."""

from __future__ import annotations

from tests.fixtures.ingress import (
    FILES,
    SWITCHED,
    TABLE,
    WEB_INGRESS,
    check,
    translated,
)


def test_plugins_accounted_holds_after_the_step_and_catches_tampering():
    options = dict(component="kong", annotation_prefix="konghq.com/", translations=TABLE)
    after = translated()
    assert check("plugins-accounted", FILES, after, **options) == []
    tampered = {**after, "apps/api/manifests/traefik-middlewares.yaml":
                after["apps/api/manifests/traefik-middlewares.yaml"].replace("accessControlMaxAge: 600",
                                                                             "accessControlMaxAge: 60")}
    assert check("plugins-accounted", FILES, tampered, **options) == [
        "apps/api/manifests/traefik-middlewares.yaml:14: Middleware api/cors does not carry the settings of "
        "KongClusterPlugin cors (cors)"]
    untranslated = check("plugins-accounted", FILES, SWITCHED, **options)
    assert "apps/web/ingress.yaml:5: Ingress/web (web) still has annotation konghq.com/strip-path" in untranslated
    assert "apps/web/ingress.yaml:5: Ingress/web (web) does not reference web-cors@kubernetescrd (replacing " \
           "KongClusterPlugin cors (cors))" in untranslated


def test_component_unused_and_routes_unchanged():
    options = dict(component="kong", ingress_class="kong", annotation_prefix="konghq.com/")
    before = check("component-unused", FILES, FILES, **options)
    for finding in ("apps/web/ingress.yaml:7: route example.com/app still uses ingress class kong",
                    "apps/web/redirect.yaml:19: route www.example.com/ still uses ingress class kong",
                    "apps/web/ingress.yaml:5: route example.com/app still has annotation konghq.com/strip-path",
                    "charts/common/templates/ingress.yaml:2: the template still defaults to class kong",
                    "apps/web/redirect.yaml:2: KongPlugin web/www needs a CRD that kong installs"):
        assert finding in before
    assert not any(f.startswith(("old/", "infra/")) for f in before)   # unsynced and the component's own files
    assert check("component-unused", FILES, translated(), **options) == []
    assert check("routes-unchanged", FILES, translated()) == []
    moved = {**FILES, "apps/web/ingress.yaml": WEB_INGRESS.replace("name: web\n            port", "name: web2\n"
                                                                                                 "            port")}
    assert check("routes-unchanged", FILES, moved) == [
        "apps/web/ingress.yaml:12: route example.com/app -> web/web:80 is gone or changed",
        "apps/web/ingress.yaml:12: new route example.com/app -> web/web2:80"]
