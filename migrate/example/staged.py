"""Files the history builds up in steps: each one's texts at every step, derived from its final text.

A history commit asks for ``at_stage(n, path...)``: the text each file had after its n-th
step (0 = as first committed). The last step is always the designed text.
"""

from __future__ import annotations

from functools import cache

from . import texts_bootstrap as boot
from . import texts_chart as chart
from . import texts_cluster as cluster
from . import texts_platform_apps as infra
from . import texts_web as web
from .model import tag_for
from .versions import cut, removed, stages


@cache
def staged_files() -> dict[str, list[str]]:
    """Files the history builds up in steps: path -> texts at each step (last = designed text)."""
    argocd = infra.ARGOCD_VALUES
    prom, minio, zot = cluster.PROMETHEUS.values, boot.MINIO_VALUES, boot.ZOT_VALUES
    kong_final = boot.kong_app()
    frontend = web.frontend_values(tag_for("frontend initial"))
    return {
        "charts/common/values.yaml": stages(chart.VALUES_YAML, removed(chart.VALUES_YAML, "  # 같은 서비스에",
                                                                       "  serviceMonitor:")),
        "charts/common/templates/ingress.yaml": stages(chart.INGRESS_TPL, (
            (chart.INGRESS_TPL.split("\n", 1)[0] + "\n", ""),
            *removed(chart.INGRESS_TPL, "{{- range $c.additionalIngresses }}", "{{- range $ing"))),
        "bootstrap/minio/helm-values.yaml": stages(minio, (
            *removed(minio, "  - name: lumie-reports", "\n# 콘솔"),
            ("    memory: 1Gi\n  limits:\n    memory: 2Gi", "    memory: 512Mi\n  limits:\n    memory: 1Gi"))),
        "bootstrap/minio/argocd.yaml": [boot.minio_app(False), boot.minio_app()],
        "bootstrap/minio/manifests/upload-proxy-ingress.yaml": stages(boot.UPLOAD_PROXY, (
            *removed(boot.UPLOAD_PROXY, "# 요청 본문", "apiVersion"),
            *removed(boot.UPLOAD_PROXY, "apiVersion: configuration", "apiVersion: networking"),
            ("upload-size-limit,lumie-cors", "lumie-cors"))),
        "bootstrap/zot/helm-values.yaml": stages(zot, ((cut(zot, "  annotations:\n", "  pathtype"),
                                                        "  annotations: {}\n"),)),
        "bootstrap/kong/argocd.yaml": [boot.kong_app(False), *stages(kong_final, removed(
            kong_final, "      directory:", "    # KongClusterPlugin"))],
        "bootstrap/kong/helm-values.yaml": stages(boot.KONG_VALUES, removed(boot.KONG_VALUES, "  # 신뢰할",
                                                                            "\ningressController")),
        "bootstrap/kong/manifests/cluster-plugins.yaml": [boot.HTTPS_REDIRECT,
                                                          boot.HTTPS_REDIRECT + boot.JWT_PLUGINS],
        "platform/rabbitmq/helm-values.yaml": stages(cluster.RABBITMQ.values, removed(
            cluster.RABBITMQ.values, "# 메시지 지연", "persistence:")),
        "observability/prometheus/helm-values.yaml": stages(
            prom, removed(prom, "    # 모든 네임스페이스", "    storageSpec:"),
            (("retention: 15d", "retention: 7d"),)),
        "observability/loki/helm-values.yaml": stages(cluster.LOKI.values, removed(
            cluster.LOKI.values, "  limits_config:", "\nsingleBinary:")),
        "applications/argocd/helm-values.yaml": stages(
            argocd, removed(argocd, "  # 메모리 최적화", "  resources:\n    requests:\n      cpu: 130m"),
            (*removed(argocd, "    # 폴링 비활성화", "    # 리소스 상태"),
             *removed(argocd, "    # Ingress 커스텀 헬스", "  # 서버 파라미터")),
            removed(argocd, "  # 프로브 타임아웃", "\nredis:")),
        "applications/lumie/legacy-gateway/argocd.yaml": stages(infra.LEGACY_APP, (
            (cut(infra.LEGACY_APP, "# [사용 중지]", "apiVersion"),
             "# 구 API 게이트웨이 (nginx) — Kong 전환 전까지 유지\n"),)),
        "applications/lumie/kustomization.yaml": stages(infra.LUMIE_KUSTOMIZATION, removed(
            infra.LUMIE_KUSTOMIZATION, "helmGlobals:", "resources:")),
        "applications/lumie/manifests/cluster.yaml": stages(infra.LUMIE_CLUSTER, removed(
            infra.LUMIE_CLUSTER, "  enableSuperuserAccess", "  bootstrap:")),
        f"{web.FRONTEND}/common-values.yaml": stages(frontend, removed(frontend, "  # SSR 에서", "\n  resources:")),
        f"{web.FRONTEND}/kustomization.yaml": stages(web.FRONTEND_KUSTOMIZATION, (
            ("- manifests/www-redirect.yaml\n", ""),)),
        f"{web.FRONTEND}/manifests/ingress.yaml": stages(web.FRONTEND_INGRESS, (
            ("https-redirect,lumie-cors", "lumie-cors"),)),
        f"{web.DEVELOP}/manifests/auth-svc.yaml": stages(web.DEV_AUTH, removed(
            web.DEV_AUTH, "        - name: TENANT_SVC_GRPC_HOST", "        resources:")),
        f"{web.DEVELOP}/manifests/tenant-svc.yaml": stages(web.DEV_TENANT, (
            (web.DEV_TENANT_GRPC, ""), *removed(web.DEV_TENANT, "        - name: grpc\n", "        env:"))),
        f"{web.TEKTON}/kustomization.yaml": stages(web.TEKTON_KUSTOMIZATION, (
            ("- trigger-template.yaml\n", ""),), (("- trigger.yaml\n", ""),)),
    }


def at_stage(stage: int, *paths: str) -> dict[str, str]:
    """The texts of ``paths`` after step ``stage`` (files with fewer steps stay at their last)."""
    files = staged_files()
    return {path: files[path][min(stage, len(files[path]) - 1)] for path in paths}
