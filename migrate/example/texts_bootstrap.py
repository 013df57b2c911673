"""Text of ``bootstrap/``: the root that installs minio, zot, vault and kong in sync waves."""

from __future__ import annotations

from .apps import application, chart_source, multi_sources, path_source, repo_source, values_ref

ROOT_APP = application(
    "bootstrap", "argocd", repo_source("bootstrap"), wave="-1",
    comment="# 부트스트랩 루트 — 클러스터 기반 컴포넌트 (최초 1회 kubectl apply -f bootstrap/application.yaml)")

# (component, wave, Korean role) in install order: the kustomization lists them in this order.
COMPONENTS = (("minio", "0", "오브젝트 스토리지"), ("zot", "1", "컨테이너 레지스트리"),
              ("vault", "2", "시크릿 저장소"), ("kong", "3", "API 게이트웨이 (Vault VSO 의존)"))


def kustomization(registered: tuple[str, ...]) -> str:
    """``bootstrap/kustomization.yaml`` listing the registered components; no final newline (a trap)."""
    lines = [f"- {name}/argocd.yaml # sync wave {wave} — {role}"
             for name, wave, role in COMPONENTS if name in registered]
    return """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

# 부트스트랩 컴포넌트 — Argo CD sync wave 순서로 설치된다.
#   wave -1: bootstrap (이 App-of-Apps)
#   wave  0: minio  → wave 1: zot → wave 2: vault → wave 3: kong
# 새 컴포넌트는 의존하는 컴포넌트보다 큰 wave 를 사용할 것.
resources:
""" + "\n".join(lines)


def minio_app(with_manifests: bool = True) -> str:
    """``bootstrap/minio/argocd.yaml``; without the manifests source as first committed."""
    manifests = (("업로드 프록시 Ingress 등 추가 매니페스트", path_source("bootstrap/minio/manifests")),) \
        if with_manifests else ()
    return application(
        "minio", "minio", multi_sources(
            True,
            ("MinIO 공식 Helm 차트", chart_source("https://charts.min.io/", "minio", "5.2.0",
                                                   ("bootstrap/minio/helm-values.yaml",), True)),
            ("values 참조 (이 저장소)", values_ref()),
            *manifests),
        wave="0", comment="# MinIO — 오브젝트 스토리지 (업로드 파일, 백업)")


MINIO_VALUES = """\
# MinIO Helm values — 단일 노드 standalone 모드
mode: standalone
replicas: 1

# 루트 자격 증명은 Vault(infrastructure/minio)에서 동기화된 Secret 사용
existingSecret: minio-root-credentials

persistence:
  enabled: true
  storageClass: local-path
  size: 200Gi

resources:
  requests:
    cpu: 100m
    memory: 1Gi
  limits:
    memory: 2Gi

# 기본 버킷 (애플리케이션이 사용하는 버킷)
buckets:
  - name: lumie-uploads
    policy: none
    purge: false
  - name: lumie-reports
    policy: none
    purge: false
  - name: lumie-backups
    policy: none
    purge: false

# 콘솔은 Teleport 로만 접근
consoleIngress:
  enabled: false
ingress:
  enabled: false

metrics:
  serviceMonitor:
    enabled: true
"""

UPLOAD_PROXY = """\
# 대용량 업로드 프록시 — upload.lumie.kr/uploads → MinIO (presigned PUT)
# 요청 본문 크기 제한 플러그인 + Ingress (레거시 ingress.class 어노테이션 사용)
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: upload-size-limit
  namespace: minio
plugin: request-size-limiting
config:
  allowed_payload_size: 512
  size_unit: megabytes
  require_content_length: false
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: upload-proxy
  namespace: minio
  annotations:
    kubernetes.io/ingress.class: kong
    konghq.com/strip-path: "true"
    konghq.com/plugins: upload-size-limit,lumie-cors
spec:
  tls:
  - secretName: upload-lumie-kr-tls
    hosts:
    - upload.lumie.kr
  rules:
  - host: upload.lumie.kr
    http:
      paths:
      - path: /uploads
        pathType: Prefix
        backend:
          service:
            name: minio
            port:
              number: 9000
"""

ZOT_APP = application(
    "zot", "zot", multi_sources(
        False,
        ("zot 공식 Helm 차트", chart_source("http://zotregistry.dev/helm-charts", "zot", "0.1.60",
                                             ("bootstrap/zot/helm-values.yaml",), False)),
        ("values 참조 (이 저장소)", values_ref())),
    wave="1", flush=False, comment="# zot — OCI 컨테이너 레지스트리 (zot.lumie-infra.com)")

ZOT_VALUES = """\
# zot OCI 레지스트리 Helm values
replicaCount: 1

image:
  repository: ghcr.io/project-zot/zot-linux-amd64
  tag: v2.1.1

service:
  type: ClusterIP
  port: 5000

# 외부 노출 — Tekton 빌드 노드와 클러스터 노드가 이 주소로 push/pull
ingress:
  enabled: true
  className: kong
  annotations:
    konghq.com/read-timeout: "600000" # 대용량 레이어 push (10분)
    konghq.com/connect-timeout: "60000"
  pathtype: Prefix
  hosts:
    - host: zot.lumie-infra.com
      paths:
        - path: /
  tls:
    - secretName: zot-lumie-infra-com-tls
      hosts:
        - zot.lumie-infra.com

persistence: true
pvc:
  create: true
  storage: 100Gi
  storageClassName: local-path

mountConfig: true
configFiles:
  config.json: |-
    {
      "storage": { "rootDirectory": "/var/lib/registry", "gc": true, "gcDelay": "1h", "dedupe": true },
      "http": { "address": "0.0.0.0", "port": "5000" },
      "log": { "level": "info" },
      "extensions": { "search": { "enable": true }, "scrub": { "enable": true, "interval": "24h" } }
    }

resources:
  requests:
    cpu: 50m
    memory: 256Mi
  limits:
    memory: 1Gi
"""

VAULT_APP = application(
    "vault", "vault", multi_sources(
        True,
        ("HashiCorp Vault", chart_source("https://helm.releases.hashicorp.com", "vault", "0.28.1",
                                          ("bootstrap/vault/helm-values.yaml",), True)),
        ("Vault Secrets Operator (VaultStaticSecret CRD)",
         chart_source("https://helm.releases.hashicorp.com", "vault-secrets-operator", "0.9.0",
                      ("bootstrap/vault/vso-values.yaml",), True)),
        ("values 참조 (이 저장소)", values_ref())),
    wave="2", options=("CreateNamespace=true", "ServerSideApply=true"),
    comment="# Vault + Vault Secrets Operator — 모든 애플리케이션 시크릿의 원천 (mount: kv)")

VAULT_VALUES = """\
# Vault Helm values — 단일 인스턴스 + Raft 스토리지
global:
  enabled: true

injector:
  enabled: false # VSO 사용, 사이드카 인젝터 비활성화

server:
  standalone:
    enabled: false
  ha:
    enabled: true
    replicas: 1
    raft:
      enabled: true
      setNodeId: true
  dataStorage:
    enabled: true
    size: 10Gi
    storageClass: local-path
  resources:
    requests:
      cpu: 50m
      memory: 256Mi
    limits:
      memory: 512Mi

ui:
  enabled: true # Teleport 경유로만 접근
"""

VSO_VALUES = """\
# Vault Secrets Operator — 기본 연결/인증 설정
defaultVaultConnection:
  enabled: true
  address: http://vault.vault.svc:8200
  skipTLSVerify: false

defaultAuthMethod:
  enabled: true
  method: kubernetes
  mount: kubernetes
  kubernetes:
    role: vso
    serviceAccount: default
    tokenAudiences:
    - vault

controller:
  manager:
    resources:
      requests:
        cpu: 10m
        memory: 64Mi
      limits:
        memory: 256Mi
"""

KONG_RBAC_SOURCE = path_source("bootstrap/kong", "directory:\n  include: 'rbac-*.yaml'")


def kong_app(with_rbac: bool = True) -> str:
    """``bootstrap/kong/argocd.yaml``; without the rbac source as first committed (before the include fix)."""
    rbac = (("RBAC ConfigMap — helm-values.yaml 이 매니페스트로 적용되지 않도록 include 로 제한",
             KONG_RBAC_SOURCE),) if with_rbac else ()
    return application(
        "kong", "kong", multi_sources(
            False,
            ("Kong 공식 Helm 차트", chart_source("https://charts.konghq.com", "kong", "2.38.0",
                                                 ("bootstrap/kong/helm-values.yaml",), False, release="kong")),
            ("values 참조 (이 저장소)", values_ref()),
            *rbac,
            ("KongClusterPlugin, KongConsumer", path_source("bootstrap/kong/manifests"))),
        wave="3", flush=False, options=("CreateNamespace=true", "ServerSideApply=true"),
        comment="# Kong — API 게이트웨이 / Ingress 컨트롤러 (ingressClass: kong)")


KONG_VALUES = """\
# Kong Helm values — DB-less 모드, Ingress 컨트롤러 내장
image:
  repository: kong
  tag: "3.7"

env:
  database: "off"
  nginx_worker_processes: "2"
  proxy_access_log: /dev/stdout
  proxy_error_log: /dev/stderr
  # 신뢰할 프록시 (노드 LB) — X-Forwarded-* 헤더 보존
  trusted_ips: 0.0.0.0/0,::/0
  real_ip_header: X-Forwarded-For

ingressController:
  enabled: true
  installCRDs: false # CRD 는 차트의 crds/ 로 설치
  ingressClass: kong
  env:
    kong_admin_tls_skip_verify: true

proxy:
  type: LoadBalancer
  annotations: {}
  http:
    enabled: true
    servicePort: 80
  tls:
    enabled: true
    servicePort: 443

admin:
  enabled: true
  type: ClusterIP
  http:
    enabled: true

serviceMonitor:
  enabled: true

resources:
  requests:
    cpu: 100m
    memory: 256Mi
  limits:
    memory: 512Mi
"""

KONG_RBAC = """\
# Kong Admin API 접근 제어 — Ingress 컨트롤러 외에는 읽기 전용
apiVersion: v1
kind: ConfigMap
metadata:
  name: kong-admin-rbac
  namespace: kong
  labels:
    app.kubernetes.io/part-of: kong
data:
  # 팀별 Admin API 권한 (Teleport 사용자 그룹 기준)
  rbac.yaml: |
    roles:
      - name: platform-admin
        groups: [platform]
        endpoints: ["*"]
        actions: [read, create, update, delete]
      - name: developer
        groups: [backend, frontend]
        endpoints: ["/services", "/routes", "/plugins"]
        actions: [read]
"""

HTTPS_REDIRECT = """\
# 공통 Kong 플러그인 (KongClusterPlugin, 클러스터 전역)
# HTTP → HTTPS 리다이렉트 (X-Forwarded-Proto 기준)
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: https-redirect
  annotations:
    kubernetes.io/ingress.class: kong
  labels:
    global: "false"
plugin: pre-function
config:
  access:
  - |
    if kong.request.get_forwarded_scheme() == "http" then
      return kong.response.exit(301, "", { ["Location"] = "https://" .. kong.request.get_host() .. kong.request.get_path_with_query() })
    end
---
# CORS — lumie.kr 프론트엔드 및 개발 환경 허용
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: lumie-cors
  annotations:
    kubernetes.io/ingress.class: kong
  labels:
    global: "false"
plugin: cors
config:
  origins:
  - https://lumie.kr
  - https://www.lumie.kr
  - https://dev.lumie.kr
  methods:
  - GET
  - POST
  - PUT
  - PATCH
  - DELETE
  - OPTIONS
  headers:
  - Accept
  - Authorization
  - Content-Type
  - X-Tenant-Id
  - X-Request-Id
  exposed_headers:
  - X-Request-Id
  - Content-Disposition
  credentials: true
  max_age: 3600
"""

JWT_PLUGINS = """\
--- # JWT 서명 검증 (KongConsumer lumie-app 의 RS256 공개키)
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: lumie-jwt
  annotations:
    kubernetes.io/ingress.class: kong
  labels:
    global: "false"
plugin: jwt
config:
  key_claim_name: iss
  claims_to_verify:
  - exp
  header_names:
  - authorization
  run_on_preflight: false
---
# JWT 클레임 검사 — tenant_id/role 확인 후 업스트림 헤더로 전달 (커스텀 Lua)
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: lumie-jwt-claims
  annotations:
    kubernetes.io/ingress.class: kong
  labels:
    global: "false"
plugin: pre-function
config:
  access:
  - |
    local jwt = kong.request.get_header("authorization")
    if not jwt then
      return kong.response.exit(401, { message = "missing token" })
    end
    local payload = jwt:match("^[Bb]earer%s+[^.]+%.([^.]+)%.")
    local claims = payload and require("cjson.safe").decode(ngx.decode_base64((payload:gsub("-", "+"):gsub("_", "/")) .. string.rep("=", (4 - #payload % 4) % 4)))
    if not claims or not claims.tenant_id or not claims.role then
      return kong.response.exit(403, { message = "tenant_id/role claim required" })
    end
    kong.service.request.set_header("X-Tenant-Id", claims.tenant_id)
    kong.service.request.set_header("X-User-Id", claims.sub or "")
    kong.service.request.set_header("X-User-Role", claims.role)
"""

JWT_AUTH = """\
# JWT 발급자 자격 증명 — Vault(lumie/jwt) 공개키를 Kong credential Secret 으로 동기화
apiVersion: secrets.hashicorp.com/v1beta1
kind: VaultStaticSecret
metadata:
  name: lumie-jwt-credential
  namespace: kong
spec:
  mount: kv
  path: lumie/jwt
  type: kv-v2
  refreshAfter: 1h
  destination:
    name: lumie-jwt-credential
    create: true
    labels:
      konghq.com/credential: jwt
    transformation:
      excludeRaw: true
      templates:
        key:
          text: https://auth.lumie.kr
        algorithm:
          text: RS256
        rsa_public_key:
          text: '{{ get .Secrets "public_key" | b64dec }}'
---
# 토큰 발급자(auth-svc)를 나타내는 Kong Consumer
apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata:
  name: lumie-app
  namespace: kong
  annotations:
    kubernetes.io/ingress.class: kong
username: lumie-app
credentials:
- lumie-jwt-credential
"""
