"""The moving parts of the example repo: the Deployments rendered by the local `common` chart.

A ``Service`` holds what is fixed about a backend service or a worker (name, folder, who it
calls, which secrets it reads) and the state the history changes (image tag, replicas,
resources, ingress paths, extra env). Names, namespaces and URLs all derive from the base
name plus a suffix, so scaled copies (``exam-svc-s02`` in ``lumie-exam-s02``) call their own
peers and their own copy of the platform (``lumie-db-s02``, ``redis.lumie-cache-s02``, the Kong
plugin ``lumie-cors-s02``...), and nothing collides with the designed repo.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

BACKEND = "backend"  # Spring Boot API, merged by consolidate-backend
WORKER = "worker"  # FastAPI worker, stays a separate Application

HTTP_PORT = {BACKEND: 8080, WORKER: 8000}
GRPC_PORT = 9090
REGISTRY = "zot.lumie-infra.com"
API_HOST = "api.lumie.kr"

# The ten Applications consolidate-backend merges, in creation order.
MERGED = ("tenant-svc", "auth-svc", "academy-svc", "admin-svc", "exam-svc", "content-svc",
          "attendance-svc", "billing-svc", "file-svc", "ai-svc")
WORKERS = ("grading-svc", "report-svc", "analysis-svc")

# Vault path and (env name, secret key) pairs of each `<svc>-<kind>-secrets` Secret.
SECRETS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "db": ("infrastructure/postgresql", (("DB_USERNAME", "username"), ("DB_PASSWORD", "password"))),
    "jwt": ("lumie/jwt", (("JWT_PUBLIC_KEY", "public-key"),)),
    "oauth": ("lumie/oauth", (("GOOGLE_CLIENT_ID", "google-client-id"),
                              ("GOOGLE_CLIENT_SECRET", "google-client-secret"))),
    "minio": ("infrastructure/minio", (("MINIO_ACCESS_KEY", "access-key"), ("MINIO_SECRET_KEY", "secret-key"))),
    "openai": ("lumie/openai", (("OPENAI_API_KEY", "api-key"),)),
}


def tag_for(seed: str) -> str:
    """A deterministic image tag (8 hex digits, like a short commit sha) for a seed string."""
    return hashlib.sha1(seed.encode("utf-8")).hexdigest()[:8]


def pick(seed: str, n: int) -> int:
    """A deterministic number in range(n) for a seed string (same on every machine)."""
    return int(hashlib.sha256(seed.encode("utf-8")).hexdigest()[:12], 16) % n


RELEASE_TAG = tag_for("release 2026.09.25")


def short(base: str) -> str:
    """``exam-svc`` -> ``exam`` (namespaces are ``lumie-<short>``, API paths ``/api/<short>``)."""
    return base.removesuffix("-svc")


def env_prefix(base: str) -> str:
    """``exam-svc`` -> ``EXAM_SVC`` (env names of calls to that service)."""
    return base.upper().replace("-", "_")


def kind_of(base: str) -> str:
    return WORKER if base in WORKERS else BACKEND


@dataclass
class Service:
    """A Deployment of the local `common` chart: its fixed identity and its current state."""

    base: str  # name in the designed repo, e.g. "exam-svc"
    group: str  # parent folder, e.g. "applications/lumie/backend"
    summary: str  # Korean one-liner used in comments
    flush: bool  # sequence items flush with their parent key (else indented by two)
    grpc_peers: tuple[str, ...] = ()  # merged peers called over gRPC (base names)
    http_peers: tuple[str, ...] = ()  # services called over HTTP (base names)
    secrets: tuple[str, ...] = ("db",)  # kinds of `<svc>-<kind>-secrets` it reads (keys of SECRETS)
    uses: frozenset[str] = frozenset()  # infrastructure: "redis", "rabbitmq", "minio"; "issuer" signs JWTs
    suffix: str = ""  # "" in the designed repo, "-s02", "-s03"... in scaled copies
    # --- state the history changes -------------------------------------------------
    tag: str = ""
    replicas: int = 1
    cpu: str = "100m"
    memory: str = "512Mi"
    memory_limit: str = "1Gi"
    probe_delay: int = 30
    paths: tuple[str, ...] = ()  # ingress paths on api.lumie.kr (backend only)
    plugins: str = "lumie-cors"  # konghq.com/plugins of the main ingress
    extra_ingresses: tuple[str, ...] = ()  # keys of render.ADDITIONAL_INGRESSES
    redis_port: int = 6379
    minio_endpoint: str = "https://minio.lumie-infra.com"
    extra_env: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        return self.base + self.suffix

    @property
    def kind(self) -> str:
        return kind_of(self.base)

    @property
    def short(self) -> str:
        return short(self.base) + self.suffix

    @property
    def namespace(self) -> str:
        return namespace_of(self.base, self.suffix)

    @property
    def folder(self) -> str:
        return f"{self.group}/{self.name}"

    @property
    def values_path(self) -> str:
        return f"{self.folder}/common-values.yaml"

    @property
    def app_path(self) -> str:
        return f"{self.folder}/argocd.yaml"

    @property
    def grpc(self) -> bool:
        """Does it serve gRPC (a `<svc>-grpc` Service next to it)?"""
        return self.kind == BACKEND and self.base != "file-svc"


def namespace_of(base: str, suffix: str = "") -> str:
    return f"lumie-{short(base)}{suffix}"


def grpc_host(base: str, suffix: str = "") -> str:
    return f"{base}{suffix}-grpc.{namespace_of(base, suffix)}.svc:{GRPC_PORT}"


def http_url(base: str, suffix: str = "") -> str:
    return f"http://{base}{suffix}.{namespace_of(base, suffix)}.svc:{HTTP_PORT[kind_of(base)]}"


_BACKEND = "applications/lumie/backend"
_AI = "applications/lumie/ai"


def designed_services() -> list[Service]:
    """The ten merged backend services and the three workers, in their initial state."""
    return [
        Service("tenant-svc", _BACKEND, "테넌트(학원) 관리 API", flush=True,
                secrets=("db", "jwt"), uses=frozenset({"redis"}), replicas=2, cpu="150m", memory="768Mi"),
        Service("auth-svc", _BACKEND, "인증/인가 API (OAuth2, JWT 발급)", flush=False, grpc_peers=("tenant-svc",),
                secrets=("db", "jwt", "oauth"), uses=frozenset({"redis", "issuer"}), replicas=2, cpu="200m",
                memory="768Mi"),
        Service("academy-svc", _BACKEND, "학원/반/수강생 관리 API", flush=True, grpc_peers=("tenant-svc",),
                secrets=("db", "jwt"), replicas=2),
        Service("admin-svc", _BACKEND, "운영자 백오피스 API", flush=False,
                grpc_peers=("tenant-svc", "academy-svc"), secrets=("db", "jwt"), cpu="50m",
                memory="384Mi", memory_limit="768Mi"),
        Service("exam-svc", _BACKEND, "시험 출제/응시 API", flush=True,
                grpc_peers=("academy-svc", "content-svc"), http_peers=("grading-svc",), secrets=("db", "jwt"),
                uses=frozenset({"redis", "rabbitmq"}), replicas=2, cpu="250m", memory="1Gi",
                memory_limit="1536Mi"),
        Service("content-svc", _BACKEND, "문제/교재 콘텐츠 API", flush=False, grpc_peers=("tenant-svc",),
                secrets=("db", "jwt"), uses=frozenset({"minio"})),
        Service("attendance-svc", _BACKEND, "출결 관리 API", flush=True, grpc_peers=("academy-svc",),
                secrets=("db", "jwt"), uses=frozenset({"redis", "rabbitmq"}), cpu="50m", memory="384Mi",
                memory_limit="768Mi"),
        Service("billing-svc", _BACKEND, "수강료 결제/정산 API", flush=False, grpc_peers=("tenant-svc",),
                secrets=("db", "jwt"), uses=frozenset({"rabbitmq"}), memory_limit="768Mi"),
        Service("file-svc", _BACKEND, "파일 업로드/다운로드 API (MinIO)", flush=True,
                secrets=("db", "minio"), uses=frozenset({"minio"}), cpu="50m", memory="384Mi"),
        Service("ai-svc", _AI, "AI 문제 생성/해설 API", flush=False, grpc_peers=("exam-svc",),
                http_peers=("analysis-svc",), secrets=("db", "jwt", "openai"), uses=frozenset({"rabbitmq"}),
                cpu="200m", memory="1Gi", memory_limit="2Gi"),
        Service("grading-svc", _AI, "OMR/서술형 자동 채점 워커", flush=True,
                http_peers=("exam-svc", "academy-svc"), uses=frozenset({"rabbitmq"}), cpu="300m",
                memory="1Gi", memory_limit="2Gi"),
        Service("report-svc", _AI, "성적표/학습 리포트 생성 워커", flush=False,
                http_peers=("exam-svc", "academy-svc"), uses=frozenset({"rabbitmq"}), memory="768Mi"),
        Service("analysis-svc", _AI, "학습 데이터 분석 워커", flush=True, secrets=("db", "openai"),
                uses=frozenset({"rabbitmq"}), cpu="200m", memory="1Gi", memory_limit="2Gi"),
    ]


def internal_minio(s: Service) -> str:
    """MinIO's in-cluster S3 endpoint for ``s`` (a scaled copy calls its own copy's MinIO)."""
    return f"http://minio{s.suffix}.minio{s.suffix}.svc:9000"


def scaled_copy(service: Service, copy: int) -> Service:
    """Copy number ``copy`` (2, 3, ...) of a designed service, in its own folder and namespace."""
    return replace(service, suffix=f"-s{copy:02d}")
