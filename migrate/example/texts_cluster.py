"""Text of the ``platform/`` and ``observability/`` roots: remote charts with ``$values`` files."""

from __future__ import annotations

from dataclasses import dataclass

from .apps import (application, chart_source, kustomization_of_apps, multi_sources, path_source, repo_source,
                   values_ref)


@dataclass(frozen=True)
class Component:
    """An Application installing a remote chart, with its values file (and maybe a manifests folder)."""

    root: str  # "platform" | "observability"
    name: str
    dest: str
    repo: str
    chart: str
    version: str
    comment: str  # Korean one-liner
    values: str  # text of <root>/<name>/helm-values.yaml
    manifests: dict[str, str] | None = None  # <root>/<name>/manifests/<file> -> text
    wave: str | None = None
    flush: bool = True

    @property
    def folder(self) -> str:
        return f"{self.root}/{self.name}"

    def files(self) -> dict[str, str]:
        """Every file of the component's folder, by repo path."""
        values_path = f"{self.folder}/helm-values.yaml"
        entries = [(f"{self.chart} Helm 차트", chart_source(self.repo, self.chart, self.version, (values_path,),
                                                           self.flush)),
                   ("values 참조 (이 저장소)", values_ref())]
        if self.manifests:
            entries.append(("추가 매니페스트", path_source(f"{self.folder}/manifests")))
        app = application(self.name, self.dest, multi_sources(self.flush, *entries), wave=self.wave,
                          flush=self.flush, comment=f"# {self.name} — {self.comment}")
        files = {f"{self.folder}/argocd.yaml": app, values_path: self.values}
        files.update({f"{self.folder}/manifests/{name}": text for name, text in (self.manifests or {}).items()})
        return files


def root_app(root: str, comment: str) -> str:
    return application(root, "argocd", repo_source(root), comment=comment)


def root_kustomization(root: str, components: list[Component], flush: bool) -> str:
    """``<root>/kustomization.yaml`` listing the components registered so far."""
    header = f"# {ROOT_TITLES[root]}"
    lines = [f"{c.name}/argocd.yaml # {c.comment}" for c in components]
    return kustomization_of_apps(header, [("", lines)], flush=flush)


ROOT_TITLES = {
    "platform": "플랫폼 공통 컴포넌트 — 인증서, 데이터베이스, 캐시, 메시지 큐, 보조 Ingress",
    "observability": "관측성 스택 — 메트릭(Prometheus), 대시보드(Grafana), 로그(Loki)",
}

CLUSTER_ISSUER = """\
# Let's Encrypt ClusterIssuer — Cloudflare DNS-01 (와일드카드 인증서 발급 가능)
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: letsencrypt-prod
spec:
  acme:
    server: https://acme-v02.api.letsencrypt.org/directory
    email: platform@lumie.kr
    privateKeySecretRef:
      name: letsencrypt-prod-account-key
    solvers:
    - dns01:
        cloudflare:
          apiTokenSecretRef:
            name: cloudflare-api-token
            key: api-token
---
# 스테이징 (발급 한도 테스트용)
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: letsencrypt-staging
spec:
  acme:
    server: https://acme-staging-v02.api.letsencrypt.org/directory
    email: platform@lumie.kr
    privateKeySecretRef:
      name: letsencrypt-staging-account-key
    solvers:
    - dns01:
        cloudflare:
          apiTokenSecretRef:
            name: cloudflare-api-token
            key: api-token
"""

CLOUDFLARE_TOKEN = """\
# Cloudflare API 토큰 — Vault(infrastructure/cloudflare) → cert-manager 네임스페이스
apiVersion: secrets.hashicorp.com/v1beta1
kind: VaultStaticSecret
metadata:
  name: cloudflare-api-token
  namespace: cert-manager
spec:
  mount: kv
  path: infrastructure/cloudflare
  type: kv-v2
  refreshAfter: 24h
  destination:
    name: cloudflare-api-token
    create: true
"""

CERT_MANAGER = Component(
    "platform", "cert-manager", "cert-manager", "https://charts.jetstack.io", "cert-manager", "v1.15.3",
    "TLS 인증서 자동 발급 (Let's Encrypt)", wave="0",
    manifests={"cluster-issuer.yaml": CLUSTER_ISSUER, "cloudflare-api-token.yaml": CLOUDFLARE_TOKEN},
    values="""\
# cert-manager Helm values
crds:
  enabled: true
  keep: true # 차트 삭제 시 CRD 유지 (인증서 보호)

replicaCount: 1
resources:
  requests:
    cpu: 10m
    memory: 64Mi
  limits:
    memory: 128Mi

# DNS-01 검증용 재귀 네임서버 (클러스터 DNS 우회)
extraArgs:
- --dns01-recursive-nameservers-only
- --dns01-recursive-nameservers=1.1.1.1:53,8.8.8.8:53

prometheus:
  enabled: true
  servicemonitor:
    enabled: true
""")

CNPG = Component(
    "platform", "cnpg", "cnpg-system", "https://cloudnative-pg.github.io/charts", "cloudnative-pg", "0.22.0",
    "CloudNativePG 오퍼레이터 (PostgreSQL Cluster CRD)", wave="0", values="""\
# CloudNativePG 오퍼레이터 Helm values
crds:
  create: true

config:
  clusterWide: true
  data:
    INHERITED_LABELS: app.kubernetes.io/part-of

monitoring:
  podMonitorEnabled: true
  grafanaDashboard:
    create: true
    namespace: monitoring

resources:
  requests:
    cpu: 50m
    memory: 128Mi
  limits:
    memory: 256Mi
""")

REDIS = Component(
    "platform", "redis", "lumie-cache", "https://charts.bitnami.com/bitnami", "redis", "20.1.4",
    "Redis Sentinel (세션/캐시, redis.lumie-cache.svc:26379)", wave="1", flush=False, values="""\
# Bitnami Redis — Sentinel 모드 (애플리케이션은 26379 로 접속)
fullnameOverride: redis
architecture: replication

auth:
  enabled: true
  existingSecret: redis-auth # Vault infrastructure/redis
  existingSecretPasswordKey: password

sentinel:
  enabled: true
  quorum: 2
  masterSet: lumie

replica:
  replicaCount: 3
  persistence:
    size: 8Gi
    storageClass: local-path
  resources:
    requests:
      cpu: 50m
      memory: 128Mi
    limits:
      memory: 512Mi

metrics:
  enabled: true
  serviceMonitor:
    enabled: true
    namespace: monitoring
""")

RABBITMQ = Component(
    "platform", "rabbitmq", "lumie-event", "https://charts.bitnami.com/bitnami", "rabbitmq", "15.0.1",
    "RabbitMQ (이벤트 버스, 워커 작업 큐)", wave="1", values="""\
# Bitnami RabbitMQ — 이벤트 버스 (rabbitmq.lumie-event.svc)
fullnameOverride: rabbitmq
replicaCount: 3

auth:
  username: lumie
  existingPasswordSecret: rabbitmq-auth # Vault infrastructure/rabbitmq
  existingErlangSecret: rabbitmq-auth

clustering:
  enabled: true
  forceBoot: true # 전체 재시작 시 강제 부팅 (단일 노드 클러스터 복구)

# 메시지 지연 플러그인 (재시도 백오프용)
extraPlugins: "rabbitmq_delayed_message_exchange"

persistence:
  enabled: true
  storageClass: local-path
  size: 8Gi

resources:
  requests:
    cpu: 100m
    memory: 512Mi
  limits:
    memory: 1Gi

metrics:
  enabled: true
  serviceMonitor:
    default:
      enabled: true
""")

TRAEFIK = Component(
    "platform", "traefik", "traefik", "https://traefik.github.io/charts", "traefik", "32.1.0",
    "Traefik (보조 Ingress 컨트롤러, ingressClass: traefik)", wave="1", flush=False, values="""\
# Traefik Helm values — 현재는 내부 도구(Grafana 등)만 처리하는 보조 Ingress
ingressClass:
  enabled: true
  isDefaultClass: false
  name: traefik

providers:
  kubernetesCRD:
    enabled: true
    allowCrossNamespace: true
  kubernetesIngress:
    enabled: true
    publishedService:
      enabled: true

ports:
  web:
    redirectTo:
      port: websecure
  websecure:
    tls:
      enabled: true

service:
  type: LoadBalancer
  annotations: {}

logs:
  access:
    enabled: true

metrics:
  prometheus:
    serviceMonitor:
      enabled: true

resources:
  requests:
    cpu: 50m
    memory: 64Mi
  limits:
    memory: 256Mi
""")

PROMETHEUS = Component(
    "observability", "prometheus", "monitoring", "https://prometheus-community.github.io/helm-charts",
    "kube-prometheus-stack", "65.1.0", "Prometheus + Alertmanager (kube-prometheus-stack)", flush=False,
    values="""\
# kube-prometheus-stack — Grafana 는 별도 Application (observability/grafana)
fullnameOverride: kube-prometheus-stack

grafana:
  enabled: false

prometheus:
  prometheusSpec:
    retention: 15d
    # 모든 네임스페이스의 ServiceMonitor/PodMonitor 수집 (release 라벨 무시)
    serviceMonitorSelectorNilUsesHelmValues: false
    podMonitorSelectorNilUsesHelmValues: false
    storageSpec:
      volumeClaimTemplate:
        spec:
          storageClassName: local-path
          resources:
            requests:
              storage: 50Gi
    resources:
      requests:
        cpu: 200m
        memory: 2Gi
      limits:
        memory: 4Gi

alertmanager:
  alertmanagerSpec:
    resources:
      requests:
        cpu: 10m
        memory: 64Mi

# k3s 환경: 접근 불가 컴포넌트 비활성화
kubeControllerManager:
  enabled: false
kubeScheduler:
  enabled: false
kubeProxy:
  enabled: false
kubeEtcd:
  enabled: false
""")

GRAFANA = Component(
    "observability", "grafana", "monitoring", "https://grafana.github.io/helm-charts", "grafana", "8.5.2",
    "Grafana 대시보드 (grafana.lumie-infra.com)", values="""\
# Grafana Helm values — 이미 Traefik Ingress 로 노출 중 (Kong 미사용)
admin:
  existingSecret: grafana-admin # Vault infrastructure/grafana
  userKey: username
  passwordKey: password

ingress:
  enabled: true
  ingressClassName: traefik
  annotations: {}
  hosts:
  - grafana.lumie-infra.com
  path: /
  tls:
  - secretName: grafana-lumie-infra-com-tls
    hosts:
    - grafana.lumie-infra.com

datasources:
  datasources.yaml:
    apiVersion: 1
    datasources:
    - name: Prometheus
      type: prometheus
      url: http://kube-prometheus-stack-prometheus.monitoring.svc:9090
      isDefault: true
    - name: Loki
      type: loki
      url: http://loki-gateway.monitoring.svc

persistence:
  enabled: true
  storageClassName: local-path
  size: 5Gi

resources:
  requests:
    cpu: 20m
    memory: 128Mi
  limits:
    memory: 256Mi
""")

LOKI = Component(
    "observability", "loki", "monitoring", "https://grafana.github.io/helm-charts", "loki", "6.16.0",
    "Loki 로그 수집 (SingleBinary, MinIO 백엔드)", flush=False, values="""\
# Loki — SingleBinary 모드, 청크는 MinIO(lumie-backups 버킷)에 저장
deploymentMode: SingleBinary

loki:
  auth_enabled: false
  commonConfig:
    replication_factor: 1
  schemaConfig:
    configs:
      - from: "2026-08-01"
        store: tsdb
        object_store: s3
        schema: v13
        index:
          prefix: loki_index_
          period: 24h
  storage:
    type: s3
    bucketNames:
      chunks: lumie-backups
      ruler: lumie-backups
    s3:
      endpoint: http://minio.minio.svc:9000
      s3ForcePathStyle: true
      insecure: true
  limits_config:
    retention_period: 336h # 14일

singleBinary:
  replicas: 1
  persistence:
    size: 10Gi
    storageClass: local-path

# SingleBinary 모드에서 불필요한 컴포넌트
read:
  replicas: 0
write:
  replicas: 0
backend:
  replicas: 0
""")
