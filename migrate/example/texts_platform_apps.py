"""Text of ``applications/``'s own infrastructure: the root, Argo CD itself and the ``lumie`` database app."""

from __future__ import annotations

from .apps import application, chart_source, multi_sources, path_source, repo_source

ROOT_APP = application(
    "applications", "argocd", repo_source("applications"),
    comment="# App-of-Apps 루트 — applications/ 아래 모든 Application 관리 (자기 자신 포함)")

ROOT_HEADER = "# ArgoCD App-of-Apps — 여기에 등록된 argocd.yaml 만 동기화된다"

ARGOCD_APP = application(
    "argocd", "argocd", multi_sources(
        True,
        ("ArgoCD Helm Chart", chart_source("https://argoproj.github.io/argo-helm", "argo-cd", "7.7.10",
                                           ("applications/argocd/helm-values.yaml",), True)),
        ("Common chart values", path_source("charts/common", "ref: values\nhelm:\n  valueFiles:\n"
                                                              "  - $values/applications/argocd/common-values.yaml"))),
    options=("CreateNamespace=true", "ServerSideApply=true", "RespectIgnoreDifferences=true"),
    comment="# ArgoCD 자체 관리 (self-management) — 원격 차트 + 로컬 common 차트")

# Mixes both sequence styles on purpose: `env:` items indented, `extraArgs:` items flush.
ARGOCD_VALUES = """\
# ArgoCD Helm values (argo-cd 7.7.x)
global:
  priorityClassName: high-priority # 높은 우선순위 설정

configs:
  # ConfigMap 설정 (argocd-cm)
  cm:
    # Authelia 인증 통합
    users.anonymous.enabled: "true"
    # 폴링 비활성화 (웹훅만 사용)
    timeout.reconciliation: "0"
    # 리소스 상태 필드 차이 무시
    resource.compareoptions: |
      ignoreResourceStatusField: all
    # Tekton 동적 리소스 제외
    resource.exclusions: |
      - apiGroups:
        - tekton.dev
        kinds:
        - PipelineRun
        - TaskRun
    # Kustomize Helm 지원 활성화 (charts/common 을 helmCharts 로 렌더링)
    kustomize.buildOptions: --enable-helm
    # Ingress 커스텀 헬스 체크
    resource.customizations.health.networking.k8s.io_Ingress: |
      hs = {}
      hs.status = "Healthy"
      return hs
  # 서버 파라미터 (argocd-cmd-params-cm)
  params:
    # TLS 비활성화 (Ingress에서 처리)
    server.insecure: "true"
    # 자가 치유 타임아웃
    controller.self.heal.timeout.seconds: "5"
  # RBAC 설정 (argocd-rbac-cm)
  rbac:
    # 익명 사용자에게 admin 역할 부여 (Authelia가 인증 처리)
    policy.csv: |
      g, , role:admin
    policy.default: role:admin

controller:
  # Prometheus 메트릭스
  metrics:
    enabled: true
    service:
      enabled: true
      servicePort: 8082
    serviceMonitor:
      enabled: true
  # 메모리 최적화
  env:
    - name: GOMEMLIMIT
      value: "800MiB"
    - name: GOGC
      value: "50"
  # 성능 최적화 인수
  extraArgs:
  - --app-resync=3600 # 앱 재동기화 간격
  - --app-hard-resync=0 # 하드 재동기화 비활성화
  - --status-processors=10 # 상태 프로세서 수
  - --operation-processors=5 # 작업 프로세서 수
  resources:
    requests:
      cpu: 130m
      memory: 1024Mi
    limits:
      memory: 1024Mi # CPU 제한 없음 (안정성)

server:
  metrics:
    enabled: true
    service:
      enabled: true
      servicePort: 8083
    serviceMonitor:
      enabled: true
  # Ingress 비활성화 (Teleport 접근)
  ingress:
    enabled: false
  resources:
    requests:
      cpu: 15m
      memory: 105Mi
    limits:
      memory: 105Mi

repoServer:
  metrics:
    enabled: true
    service:
      enabled: true
      servicePort: 8084
    serviceMonitor:
      enabled: true
  # 리소스 설정 (Helm 차트 처리를 위한 메모리 증가)
  resources:
    requests:
      cpu: 25m
      memory: 512Mi
    limits:
      memory: 512Mi
  # 프로브 타임아웃 증가
  livenessProbe:
    enabled: true
    timeoutSeconds: 5
  readinessProbe:
    enabled: true
    timeoutSeconds: 5

redis:
  resources:
    requests:
      cpu: 15m
      memory: 100Mi
    limits:
      memory: 100Mi

applicationSet:
  enabled: true
  resources:
    requests:
      cpu: 10m
      memory: 64Mi
    limits:
      memory: 64Mi
"""

ARGOCD_COMMON_VALUES = """\
# ArgoCD 용 common 차트 값 — 워크로드 없음, 외부 웹훅 Ingress 비활성화 (Teleport 로만 접근)
common:
  name: argocd-extras
  namespace: argocd
  deployment:
    enabled: false
  service:
    enabled: false
  ingress:
    enabled: false # 폴링 모드 (timeout.reconciliation: "0"), 웹훅 미사용
  serviceMonitor:
    enabled: false
"""

LUMIE_APP = application(
    "lumie", "lumie-db", repo_source("applications/lumie"),
    comment="# Lumie 공통 — PostgreSQL 클러스터(lumie-db)와 자격 증명. 하위 폴더는 각자의 Application 이 배포")

LUMIE_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

# 주의: 하위 디렉토리(backend/, ai/, frontend/ ...)는 포함하지 않는다 — 각 서비스는 개별 Application
helmGlobals:
  chartHome: ../../charts

helmCharts:
- name: common
  releaseName: lumie
  namespace: lumie-db
  valuesFile: common-values.yaml

resources:
- manifests/cluster.yaml # CNPG Cluster (lumie-db-rw / -ro / -r 서비스 생성)
"""

LUMIE_VALUES = """\
# lumie 공통 값 — 워크로드 없이 DB 슈퍼유저 자격 증명만 Vault 에서 동기화
common:
  name: lumie
  namespace: lumie-db

  deployment:
    enabled: false
  service:
    enabled: false
  ingress:
    enabled: false

  vaultStaticSecrets:
  - name: lumie-db-superuser
    mount: kv
    path: infrastructure/postgresql
    type: kv-v2
    refreshAfter: 1h
    destination:
      name: lumie-db-superuser
      create: true
    transformation:
      excludeRaw: true
      templates:
        username:
          text: postgres
        password:
          text: '{{ get .Secrets "superuser_password" }}'
"""

LUMIE_CLUSTER = """\
# Lumie 메인 PostgreSQL — CloudNativePG 가 lumie-db-rw / lumie-db-ro / lumie-db-r 서비스를 만든다
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: lumie-db
  namespace: lumie-db
  annotations:
    # DB 보호: Application 삭제/프루닝 시에도 클러스터는 남긴다
    argocd.argoproj.io/sync-options: Prune=false,Delete=false,ServerSideApply=true,SkipDryRunOnMissingResource=true
spec:
  instances: 3
  imageName: ghcr.io/cloudnative-pg/postgresql:16.4
  primaryUpdateStrategy: unsupervised

  enableSuperuserAccess: true
  superuserSecret:
    name: lumie-db-superuser

  bootstrap:
    initdb:
      database: lumie
      owner: lumie

  postgresql:
    parameters:
      max_connections: "300"
      shared_buffers: 512MB
      timezone: Asia/Seoul
      log_min_duration_statement: "1000" # 1초 이상 쿼리 로깅

  storage:
    size: 50Gi
    storageClass: local-path

  monitoring:
    enablePodMonitor: true

  resources:
    requests:
      cpu: 500m
      memory: 2Gi
    limits:
      memory: 2Gi
"""

LEGACY_APP = """\
# [사용 중지] 구 API 게이트웨이 (nginx) — Kong 도입으로 대체, kustomization 에서 제외됨
# TODO(jihoon): 정리 예정 — 매니페스트는 이미 삭제
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: legacy-gateway
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/Lumie-Edu/lumie-infra.git
    targetRevision: main
    path: applications/lumie/legacy-gateway/manifests
  destination:
    server: https://kubernetes.default.svc
    namespace: lumie-gateway
  syncPolicy:
    syncOptions:
    - CreateNamespace=true
"""

LEGACY_DEPLOYMENT = """\
# 구 API 게이트웨이 — api.lumie.kr 경로별 프록시 (nginx)
apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy-gateway
  namespace: lumie-gateway
spec:
  replicas: 1
  selector:
    matchLabels:
      app: legacy-gateway
  template:
    metadata:
      labels:
        app: legacy-gateway
    spec:
      containers:
      - name: nginx
        image: nginx:1.27-alpine
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: legacy-gateway
  namespace: lumie-gateway
spec:
  selector:
    app: legacy-gateway
  ports:
  - port: 80
    targetPort: 80
"""

README = """\
# lumie-infra

Lumie 플랫폼 GitOps 저장소 (ArgoCD App-of-Apps).

## 구조

| 경로 | 내용 |
|---|---|
| `bootstrap/` | 클러스터 기반 컴포넌트 (minio, zot, vault, kong) — sync wave 순서로 설치 |
| `platform/` | cert-manager, CNPG, Redis, RabbitMQ, Traefik |
| `observability/` | Prometheus, Grafana, Loki |
| `applications/` | ArgoCD 자체 관리, Lumie 서비스 (백엔드, AI 워커, 프론트엔드, 개발 환경), Tekton CI/CD |
| `charts/common/` | 서비스 공통 Helm 차트 (kustomize `helmCharts` 로 렌더링) |

## 새 서비스 추가

1. `applications/lumie/backend/<svc>/` 에 `argocd.yaml`, `kustomization.yaml`, `common-values.yaml` 작성
2. `applications/kustomization.yaml` 에 `argocd.yaml` 등록
3. Tekton `lumie-image-update` TriggerTemplate 에 values 파일 경로 추가

이미지 태그는 CI 가 `common-values.yaml` 의 `common.image.tag` 를 갱신하며 커밋한다.
"""
