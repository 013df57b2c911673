"""Text of the files of one backend service or worker, rendered from its current state.

A service folder holds ``argocd.yaml`` (single-source Application), ``kustomization.yaml``
(the local `common` chart via ``helmCharts``), ``common-values.yaml`` (everything under
``common:``) and ``manifests/`` (the ``<svc>-grpc`` Service, or a ``.gitkeep``). The texts
are templates; the sequence style (flush or indented) is the service's own.
"""

from __future__ import annotations

from .apps import application, repo_source
from .model import (API_HOST, BACKEND, GRPC_PORT, HTTP_PORT, REGISTRY, SECRETS, Service, env_prefix,
                    grpc_host, http_url)
from .yamltext import indent, item, items, seq_pad


def service_files(s: Service) -> dict[str, str]:
    """Every file of the service's folder, by repo path."""
    files = {
        s.app_path: service_application(s),
        f"{s.folder}/kustomization.yaml": service_kustomization(s),
        s.values_path: service_values(s),
    }
    if s.grpc:
        files[f"{s.folder}/manifests/grpc-service.yaml"] = grpc_service(s)
    elif s.kind == BACKEND:
        files[f"{s.folder}/manifests/.gitkeep"] = ""
    return files


def service_application(s: Service) -> str:
    return application(s.name, s.namespace, repo_source(s.folder), comment=f"# {s.name} — {s.summary}",
                       flush=s.flush)


def service_kustomization(s: Service, dashboard: bool = False) -> str:
    i = seq_pad(s.flush)
    listed = ["manifests/grpc-service.yaml # 내부 gRPC 전용 Service"] if s.grpc else []
    listed += ["manifests/dashboard.yaml # 내부 대시보드 (Traefik, 사내 IP 만)"] if dashboard else []
    resources = "\nresources:\n" + "".join(f"{i}- {entry}\n" for entry in listed) if listed else ""
    return f"""\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

# 로컬 공통 차트 (charts/common) — argocd-cm kustomize.buildOptions: --enable-helm
helmGlobals:
  chartHome: ../../../../charts

helmCharts:
{i}- name: common
{i}  releaseName: {s.name}
{i}  namespace: {s.namespace}
{i}  valuesFile: common-values.yaml
{resources}"""


def worker_dashboard(s: Service) -> str:
    """A Traefik-served internal dashboard: a Middleware in the worker's namespace, written explicitly, and an
    Ingress naming it namespace-qualified (``<namespace>-<name>@kubernetescrd``)."""
    return f"""\
# {s.name} 내부 대시보드 — 사내망에서만 (Traefik ipAllowList)
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: {s.name}-office-only
  namespace: {s.namespace}
spec:
  ipAllowList:
    sourceRange:
    - 10.0.0.0/8
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {s.name}-dashboard
  namespace: {s.namespace}
  annotations:
    traefik.ingress.kubernetes.io/router.middlewares: {s.namespace}-{s.name}-office-only@kubernetescrd
spec:
  ingressClassName: traefik
  rules:
  - host: {s.name}.lumie-infra.com
    http:
      paths:
      - path: /dashboard
        pathType: Prefix
        backend:
          service:
            name: {s.name}
            port:
              number: 8000
"""


def grpc_service(s: Service) -> str:
    i = seq_pad(s.flush)
    return f"""\
# {s.name} gRPC 엔드포인트 — 클러스터 내부 서비스 간 호출 전용 (Kong 미노출)
apiVersion: v1
kind: Service
metadata:
  name: {s.name}-grpc
  namespace: {s.namespace}
  labels:
    app.kubernetes.io/name: {s.name}
    app.kubernetes.io/component: grpc
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: {s.name}
    app.kubernetes.io/instance: {s.name}
  ports:
  {i}- name: grpc
  {i}  port: {GRPC_PORT}
  {i}  targetPort: {GRPC_PORT}
  {i}  protocol: TCP
"""


def service_values(s: Service) -> str:
    """``common-values.yaml``: the ``common:`` sections, assembled at column 0 then indented under it."""
    i = seq_pad(s.flush)
    sections = [_identity(s), _image(s), _security(i), f"# 환경 변수\nenv:\n{_env(s, i)}", _resources(s),
                _health(s), "service:\n  enabled: true\n  type: ClusterIP", _ingress(s, i),
                _additional_ingresses(s, i), _service_monitor(s), _vault_secrets(s, i)]
    body = "\n\n".join(section for section in sections if section)
    return f"# {s.name} — {s.summary}\n# charts/common 차트 값: 모든 키는 common: 아래\ncommon:\n{indent(body, '  ')}\n"


def _identity(s: Service) -> str:
    return f"name: {s.name}\nnamespace: {s.namespace}"


def _image(s: Service) -> str:
    http = HTTP_PORT[s.kind]
    ports = f"http: {http}\ngrpc: {GRPC_PORT}" if s.grpc else f"http: {http}"
    return f"""\
deployment:
  enabled: true
replicaCount: {s.replicas}

image:
  registry: {REGISTRY}
  repository: applications/{s.name}
  tag: "{s.tag}" # Tekton lumie-image-update 파이프라인이 자동 갱신
  pullPolicy: IfNotPresent

ports:
{indent(ports, "  ")}"""


def _security(i: str) -> str:
    return f"""\
# 비루트 실행 (PSA restricted)
podSecurityContext:
  runAsNonRoot: true
  runAsUser: 1000
  fsGroup: 1000
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop:
    {i}- ALL"""


def _resources(s: Service) -> str:
    return f"""\
resources:
  requests:
    cpu: {s.cpu}
    memory: {s.memory}
  limits:
    memory: {s.memory_limit} # CPU limit 없음 (스로틀링 방지)"""


def _service_monitor(s: Service) -> str:
    path = "/actuator/prometheus" if s.kind == BACKEND else "/metrics"
    return f"serviceMonitor:\n  enabled: true\n  path: {path}\n  interval: 30s"


# --- env --------------------------------------------------------------------------------
def _value(name: str, value: str) -> str:
    return f"name: {name}\nvalue: {value}"


def _secret_ref(name: str, secret: str, key: str) -> str:
    return f"name: {name}\nvalueFrom:\n  secretKeyRef:\n    name: {secret}\n    key: {key}"


def _secret_env(s: Service, kind: str) -> list[str]:
    pairs = SECRETS[kind][1]
    if kind == "jwt" and "issuer" in s.uses:
        pairs += (("JWT_PRIVATE_KEY", "private-key"),)
    return [_secret_ref(env, f"{s.name}-{kind}-secrets", key) for env, key in pairs]


def _env_groups(s: Service) -> list[tuple[str, list[str]]]:
    """(Korean comment, env item texts) groups, in file order; empty groups are dropped."""
    if s.kind == BACKEND:
        runtime = [_value("SPRING_PROFILES_ACTIVE", "prod"), _value("TZ", "Asia/Seoul")]
    else:
        runtime = [_value("TZ", "Asia/Seoul"), _value("PYTHONUNBUFFERED", '"1"'), _value("LOG_LEVEL", "INFO")]
    x = s.suffix  # a scaled copy calls its own copy of the platform
    db = [_value("DB_HOST", f"lumie-db-rw.lumie-db{x}.svc")] + _secret_env(s, "db") if "db" in s.secrets else []
    infra = [_value("REDIS_HOST", f"redis.lumie-cache{x}.svc:{s.redis_port}")] if "redis" in s.uses else []
    infra += [_value("RABBITMQ_HOST", f"rabbitmq.lumie-event{x}.svc")] if "rabbitmq" in s.uses else []
    storage = [_value("MINIO_ENDPOINT", s.minio_endpoint)] if "minio" in s.uses else []
    storage += _secret_env(s, "minio") if "minio" in s.secrets else []
    return [
        ("# 런타임", runtime),
        ("# 데이터베이스 (CNPG lumie-db)", db),
        ("# 인증 (JWT 공개키: Vault lumie/jwt)", _secret_env(s, "jwt") if "jwt" in s.secrets else []),
        ("# Google OAuth2 클라이언트", _secret_env(s, "oauth") if "oauth" in s.secrets else []),
        ("# 캐시 / 메시지 큐", infra),
        ("# 오브젝트 스토리지", storage),
        ("# OpenAI", _secret_env(s, "openai") if "openai" in s.secrets else []),
        ("# 내부 서비스 호출 (gRPC)",
         [_value(f"{env_prefix(p)}_GRPC_HOST", grpc_host(p, s.suffix)) for p in s.grpc_peers]),
        ("# HTTP 호출", [_value(f"{env_prefix(p)}_URL", http_url(p, s.suffix)) for p in s.http_peers]),
        ("# 튜닝", [_value(name, value) for name, value in s.extra_env]),
    ]


def _env(s: Service, i: str) -> str:
    return "\n".join(f"{i}{comment}\n{items(i, texts)}" for comment, texts in _env_groups(s) if texts)


# --- probes, ingress, secrets -------------------------------------------------------------
def _health(s: Service) -> str:
    live, ready = ("/actuator/health/liveness", "/actuator/health/readiness") if s.kind == BACKEND \
        else ("/healthz", "/readyz")
    return f"""\
healthCheck:
  liveness:
    path: {live}
    initialDelaySeconds: {s.probe_delay}
  readiness:
    path: {ready}
    initialDelaySeconds: {max(s.probe_delay // 3, 5)}"""


def _hosts(i: str, host: str, paths: tuple[str, ...]) -> str:
    path_items = items(i, [f"path: {path}\npathType: Prefix" for path in paths])
    return "hosts:\n" + item(i, f"host: {host}\npaths:\n{path_items}")


def _tls(i: str, host: str) -> str:
    secret = host.replace(".", "-") + "-tls"
    return "tls:\n" + item(i, f"secretName: {secret}\nhosts:\n{item(i, host)}")


def _plugins(s: Service, names: str) -> str:
    """The ``konghq.com/plugins`` list: Kong cluster plugins, a scaled copy's own (``lumie-cors-s02``)."""
    return ",".join(name + s.suffix for name in names.split(","))


def _ingress(s: Service, i: str) -> str:
    if s.kind != BACKEND:
        return "ingress:\n  enabled: false # 내부 전용 워커 (RabbitMQ 소비)"
    body = f"""\
enabled: true
className: kong
annotations:
  konghq.com/strip-path: "true"
  konghq.com/plugins: {_plugins(s, s.plugins)}
{_hosts(i, API_HOST, s.paths)}
{_tls(i, API_HOST)}"""
    return f"# 외부 노출 (Kong, api.lumie.kr)\ningress:\n{indent(body, '  ')}"


def _billing_webhook(s: Service, i: str) -> str:
    return f"""\
name: webhook
className: kong
annotations: {{}}
{_hosts(i, API_HOST, (f"/webhooks/billing{s.suffix}",))}"""


def _file_download(s: Service, i: str) -> str:
    host = f"files{s.suffix}.lumie.kr"
    return f"""\
name: download
className: kong
annotations:
  konghq.com/strip-path: "false"
  konghq.com/plugins: {_plugins(s, "lumie-cors")}
{_hosts(i, host, ("/",))}
{_tls(i, host)}"""


# key in Service.extra_ingresses -> (Korean comment, item renderer)
ADDITIONAL_INGRESSES = {
    "billing-webhook": ("# PG사 결제 웹훅 — JWT 없이 서명으로 검증 (billing-svc 내부 처리)", _billing_webhook),
    "file-download": ("# 파일 다운로드 전용 도메인 (presigned URL 리다이렉트)", _file_download),
}


def _additional_ingresses(s: Service, i: str) -> str:
    if not s.extra_ingresses:
        return ""
    comments = "\n".join(ADDITIONAL_INGRESSES[key][0] for key in s.extra_ingresses)
    entries = items(i, [ADDITIONAL_INGRESSES[key][1](s, i) for key in s.extra_ingresses])
    return f"{comments}\nadditionalIngresses:\n{entries}"


def _vault_secrets(s: Service, i: str) -> str:
    entries = items(i, [_vault_secret(s, kind) for kind in s.secrets])
    return f"# Vault → Kubernetes Secret 동기화 (Vault Secrets Operator, mount kv)\nvaultStaticSecrets:\n{entries}"


def _vault_secret(s: Service, kind: str) -> str:
    path, pairs = SECRETS[kind]
    keys = [key for _, key in pairs] + (["private-key"] if kind == "jwt" and "issuer" in s.uses else [])
    decode = " | b64dec" if kind == "jwt" else ""
    templates = "\n".join(f"    {key}:\n      text: '{{{{ get .Secrets \"{key.replace('-', '_')}\"{decode} }}}}'"
                          for key in keys)
    return f"""\
name: {s.name}-{kind}
mount: kv
path: {path}
type: kv-v2
refreshAfter: 1h
destination:
  name: {s.name}-{kind}-secrets
  create: true
transformation:
  excludeRaw: true
  templates:
{templates}"""
