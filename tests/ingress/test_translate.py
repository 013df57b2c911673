"""translate-plugins: before/after, the loss report, refusals (ingress.translate)."""

from __future__ import annotations

import pytest

from migrate.errors import MigrateError
from migrate.testing import assert_operation
from tests.fixtures.ingress import (
    AFTER_TRANSLATE,
    CORS_SPEC,
    FILES,
    HEADER,
    HTTPS_PLUGIN,
    KONG_PLUGINS,
    LOSSES,
    STRIP,
    SWITCHED,
    TABLE,
    TRANSLATE,
    WEB_REDIRECT,
    app,
    chart_with_values,
    findings,
    middleware,
    one_ingress,
    translate,
)


def test_translate_plugins_before_after():
    result = assert_operation("translate-plugins", SWITCHED, AFTER_TRANSLATE, **TRANSLATE, accept_loss=LOSSES)
    assert result.summary == ("Translate kong annotations and plugins to 5 Traefik Middleware(s); 2 loss(es), "
                              "each accepted by name")
    assert "apps/web/redirect.yaml:2: - KongPlugin www (its CRD goes with kong)" in result.details
    assert "apps/web/redirect.yaml:20: KongPlugin www (pre-function) -> web-www@kubernetescrd (redirectRegex)" \
        in result.details


def test_translate_plugins_loss_report_names_kind_purpose_and_every_place():
    result, report, tree = translate(accept_loss=LOSSES)
    assert report[:2] == [
        "[loss] infra/kong/manifests/plugins.yaml:13: jwt (KongClusterPlugin, jwt), accepted: checked tokens "
        "[key_claim_name=iss]; not translated: no translation for jwt plugins; used at 1 place(s): apps/api/values.yaml:8",
        '[loss] apps/files/values.yaml:5: konghq.com/read-timeout (annotation), accepted: konghq.com/read-timeout '
        '(annotation) [600000]; not translated: no translation for konghq.com/read-timeout: "600000"; used at 1 '
        'place(s): apps/files/values.yaml:5']
    assert "[not-synced] old/manifests/ingress.yaml:12: Ingress/old (old) uses konghq.com/ annotations, but no root " \
           "syncs it: left alone" in report
    assert findings(result, tree, "losses-accepted") == []
    assert findings(result, tree, "loss-report-complete") == []


def test_translate_plugins_refuses_until_each_loss_is_accepted_by_name():
    result, report, tree = translate(accept_loss=["jwt"])
    assert findings(result, tree, "losses-accepted") == [
        "1 loss(es) not accepted: konghq.com/read-timeout (see the loss report in the plan). Nothing is written until "
        "each is accepted by name: add --accept-loss konghq.com/read-timeout "
        "(or --set accept_loss=konghq.com/read-timeout)"]
    assert "konghq.com/read-timeout (annotation), NOT ACCEPTED: " in report[1]


def test_translate_plugins_notes_what_needs_nothing_and_odd_acceptances():
    files = {**SWITCHED, "apps/web/ingress.yaml": SWITCHED["apps/web/ingress.yaml"].replace('"true"', '"false"')}
    result, report, _ = translate(files, accept_loss=[*LOSSES, "typo"])
    assert '[note] apps/web/ingress.yaml:5: konghq.com/strip-path: "false": nothing needed — full path by default ' \
           '(at apps/web/ingress.yaml:5)' in report
    assert "[note] typo was accepted as a loss, but nothing of that name is lost" in report
    assert "web-web-strip-prefix" not in result.changes["apps/web/ingress.yaml"]


def test_translate_plugins_empties_a_listed_file_and_its_kustomization_entry():
    consumer = "apiVersion: configuration.konghq.com/v1\nkind: KongConsumer\nmetadata:\n  name: app\nusername: app\n"
    files = {**SWITCHED, "apps/web/consumer.yaml": consumer,
             "apps/web/kustomization.yaml": FILES["apps/web/kustomization.yaml"] + "- consumer.yaml\n"}
    result, _, tree = translate(files, accept_loss=LOSSES)
    assert result.changes["apps/web/consumer.yaml"] is None
    assert tree.read_text("apps/web/kustomization.yaml") == AFTER_TRANSLATE["apps/web/kustomization.yaml"]


def test_translate_plugins_reuses_an_identical_middleware_and_refuses_a_different_one():
    first, _, after = translate(accept_loss=LOSSES)
    moved = {p: after.read_text(p) for p in after.paths()}
    moved["apps/web/ingress.yaml"] = SWITCHED["apps/web/ingress.yaml"]   # the same Ingress, translated again
    again, _, _ = translate(moved, accept_loss=LOSSES)
    assert "apps/web/manifests/traefik-middlewares.yaml" not in again.changes
    moved["apps/web/manifests/traefik-middlewares.yaml"] = moved["apps/web/manifests/traefik-middlewares.yaml"].replace(
        "- /app", "- /other")
    with pytest.raises(MigrateError, match="Middleware web/web-strip-prefix exists with other settings"):
        translate(moved, accept_loss=LOSSES)


def test_translate_plugins_a_middleware_with_nowhere_to_live_is_a_loss():
    files = {**SWITCHED, "apps/files/argocd.yaml": app("files", "files", chart_with_values(
        "files", "apps/files/values.yaml")), "apps/files/values.yaml": SWITCHED["apps/files/values.yaml"].replace(
        "konghq.com/read-timeout", "konghq.com/strip-path").replace('"600000"', '"true"').replace(
        "path: /", "path: /data")}
    result, report, _ = translate(files, accept_loss=LOSSES)
    assert any(line.startswith("[loss] apps/files/values.yaml:5: konghq.com/strip-path (annotation)") and
               "no kustomization or manifests folder to hold one" in line for line in report)


@pytest.mark.parametrize("annotation, plugins, name, replaces, spec", [
    ('konghq.com/strip-path: "true"', "", "web-strip-prefix", 'konghq.com/strip-path: "true"', STRIP.format("/app")),
    ("konghq.com/plugins: cors", "", "cors", "KongClusterPlugin cors (cors)", CORS_SPEC),
    ("konghq.com/plugins: https", "---\n" + HTTPS_PLUGIN, "https", "KongClusterPlugin https (pre-function)",
     "  redirectScheme:\n    scheme: https\n    permanent: true\n"),
    ("konghq.com/plugins: www", "---\n" + WEB_REDIRECT.split("--- #")[0].replace("KongPlugin", "KongClusterPlugin"),
     "www", "KongClusterPlugin www (pre-function)",
     "  redirectRegex:\n    regex: ^https?://www\\.example\\.com(?::\\d+)?/(.*)$\n"
     "    replacement: https://example.com/${1}\n    permanent: true\n"),
])
def test_each_translation_makes_its_middleware(annotation, plugins, name, replaces, spec):
    before = one_ingress(f"    {annotation}\n", plugins)
    assert_operation("translate-plugins", before, {
        "apps/web/ingress.yaml": before["apps/web/ingress.yaml"].replace(
            annotation, f"traefik.ingress.kubernetes.io/router.middlewares: web-{name}@kubernetescrd"),
        "apps/web/kustomization.yaml": "resources:\n- ingress.yaml\n- manifests/traefik-middlewares.yaml\n",
        "apps/web/manifests/traefik-middlewares.yaml": HEADER + middleware(name, "web", replaces, spec),
    }, **TRANSLATE)


@pytest.mark.parametrize("annotation, why", [
    ('konghq.com/strip-path: "false"', "full path by default"),
    ('konghq.com/preserve-host: "true"', "the original Host by default"),
])
def test_what_needs_nothing_only_loses_its_annotation(annotation, why):
    table = {**TABLE, "annotations": {**TABLE["annotations"], "konghq.com/preserve-host": {
        "true": {"translator": "not-needed", "why": "the original Host by default"}}}}
    before = one_ingress(f"    {annotation}\n    team: web\n")
    result = assert_operation("translate-plugins", before, {
        "apps/web/ingress.yaml": before["apps/web/ingress.yaml"].replace(f"    {annotation}\n", "")},
        **{**TRANSLATE, "translations": table})
    assert [e.kind for e in result.report] == ["note"] and why in result.report[0].message


def test_a_global_plugin_is_a_loss_even_though_no_ingress_names_it():
    rate = ("---\napiVersion: configuration.konghq.com/v1\nkind: KongClusterPlugin\nmetadata:\n  name: limits\n"
            "  labels:\n    global: \"true\"\nplugin: rate-limiting\nconfig:\n  minute: 100\n")
    files = {**SWITCHED, "infra/kong/manifests/plugins.yaml": KONG_PLUGINS + rate}
    result, report, tree = translate(files, accept_loss=LOSSES)
    assert "[loss] infra/kong/manifests/plugins.yaml:21: limits (KongClusterPlugin, rate-limiting), NOT ACCEPTED: " \
           "rate-limiting (KongClusterPlugin) [minute=100]; not translated: a global plugin (run on every route of " \
           "kong); migrate translates only plugins that Ingresses name; used at 1 place(s): " \
           "infra/kong/manifests/plugins.yaml:21" in report
    assert "limits" in findings(result, tree, "losses-accepted")[0]
