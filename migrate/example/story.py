"""The history of the example repo, as a script: who built what, in which order, then the daily churn.

Eight weeks of a small platform team: the chart and bootstrap first, then platform and
observability, Argo CD, the database, the services one by one, workers, frontend, the dev
environment, CI, Kong plugins; then image bumps (single and in bursts), config fixes that
touch two or three services, a revert, and a final release that puts every backend service
on ``RELEASE_TAG``. With ``scale > 1`` the story is played once per copy of the platform
(a ``Tenant``: its services, frontend, develop environment, Tekton app, Argo CD, database and
its own ``bootstrap``/``platform``/``observability`` roots, see ``copies.py``), phase by phase, each
copy's commits right after the designed repo's; the churn interleaves the copies slot by slot,
and the release puts every copy's backend on the same tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import texts_bootstrap as boot
from . import texts_chart as chart
from . import texts_cluster as cluster
from . import texts_platform_apps as infra
from . import texts_traps as traps
from . import texts_web as web
from .apps import kustomization_of_apps
from .copies import Copy
from .model import (BACKEND, MERGED, RELEASE_TAG, WORKER, Service, designed_services, internal_minio, pick,
                    scaled_copy, tag_for)
from .recorder import Commit, Person, Recorder, schedule
from .services import service_files, service_kustomization, service_values, worker_dashboard
from .staged import at_stage

MINJUN = Person("Kim Minjun", "minjun.kim@lumie.kr")  # 플랫폼 리드
SEOYEON = Person("Lee Seoyeon", "seoyeon.lee@lumie.kr")  # 백엔드
JIHOON = Person("Park Jihoon", "jihoon.park@lumie.kr")  # SRE
YUNA = Person("Choi Yuna", "yuna.choi@lumie.kr")  # 프론트엔드
HYUNWOO = Person("Jung Hyunwoo", "hyunwoo.jung@lumie.kr")  # 백엔드 / CI

START = (2026, 8, 3)  # a Monday
WORKING_DAYS = 40  # eight weeks

# applications/kustomization.yaml groups: key -> comment (each scaled copy gets its own group).
ROOT_GROUPS = {
    "root": "",
    "infra": "# 인프라 도구",
    "ci": "# Tekton CI/CD",
    "lumie": "# Lumie 플랫폼 — 공통 DB, 개발 환경",
    "backend": "# 백엔드 마이크로서비스 (Spring Boot, charts/common)\n# ai-svc 는 폴더만 ai/ 아래 — 같은 백엔드 스택",
    "frontend": "# 프론트엔드",
    "workers": "# AI 워커 (FastAPI — 독립 배포 유지)",
}

# The operations phase as slots, in time order: "b" an image bump (single or burst, chosen by hash),
# "F<n>" config fix n, "R" reverts the previous commit, "T<n>" infra tweak n and "FE" a frontend bump;
# every slot is played by every copy.
OPERATIONS = """
b b F1 b FE b b T1 b b b F2 b b FE b b b T2 b b F3 b b b b FE b b F4 b b b T3 b b b
b F5 R b b b FE b b F6 b b b b T4 b b F7 b b b FE b b b F8 b b b b b FE b b F9 b b b
b F10 b b b FE b b b b b b
""".split()

# A copy has no README, chart or legacy-gateway commits of its own: it bumps twice in every 7th slot,
# so that its history is about as long as the designed repo's.
COPY_DOUBLE_BUMPS = 7


@dataclass
class Tenant:
    """One copy of the platform in the story (copy 1 = the designed repo) and what it has built so far."""

    copy: Copy
    services: list[Service]
    bootstrap: list[str] = field(default_factory=list)  # components registered in its bootstrap root
    components: dict[str, list[cluster.Component]] = field(default_factory=dict)  # per platform/observability
    last: Commit | None = None  # its latest churn commit (what "R" reverts)

    @property
    def by(self) -> dict[str, Service]:
        return {s.base: s for s in self.services}


class Story:
    """Scripts the whole history into a Recorder."""

    def __init__(self, scale: int) -> None:
        self.h = Recorder()
        designed = designed_services()
        self.tenants = [Tenant(Copy(k), designed if k == 1 else [scaled_copy(s, k) for s in designed])
                        for k in range(1, scale + 1)]
        self.designed = self.tenants[0]
        self.root: dict[str, list[str]] = {key: [] for key in ROOT_GROUPS}
        self.comments = dict(ROOT_GROUPS)
        self.planned_peers = {s.name: s.http_peers for t in self.tenants for s in t.services}

    # --- helpers --------------------------------------------------------------------------
    def commit(self, t: Tenant, author: Person, message: str, *file_maps: dict[str, str | None]) -> Commit:
        """Commit designed files (or a service's own) as tenant ``t``'s files."""
        files: dict[str, str | None] = {}
        for file_map in file_maps:
            files.update(t.copy.files(file_map))
        return self.h.commit(author, t.copy.message(message), files)

    def register(self, t: Tenant, group: str, *lines: str) -> dict[str, str]:
        """Add lines to a group of applications/kustomization.yaml (a copy's: its own group); its new text."""
        if t.copy.number > 1:
            group = f"copy-{t.copy.number:02d}"
            self.comments.setdefault(group, f"# 부하 테스트용 복제본 {t.copy.tag} (migrate example --scale)")
            self.root.setdefault(group, [])
        self.root[group].extend(t.copy.entry(line) for line in lines)
        return self.root_kustomization()

    def root_kustomization(self) -> dict[str, str]:
        groups = [(self.comments[key], lines) for key, lines in self.root.items()]
        return {"applications/kustomization.yaml": kustomization_of_apps(infra.ROOT_HEADER, groups)}

    def register_bootstrap(self, t: Tenant, name: str) -> dict[str, str]:
        t.bootstrap.append(name)
        return {"bootstrap/kustomization.yaml": boot.kustomization(tuple(t.bootstrap))}

    # --- the script -----------------------------------------------------------------------
    def build(self) -> list[Commit]:
        """Run the whole script; returns the scheduled commits."""
        self.foundation()
        self.each(self.bootstrap_components, self.platform, self.observability)
        self.applications_root()
        self.each(self.argocd)
        self.legacy_gateway()
        self.each(self.database, self.create_services, self.wire_workers, self.frontend_develop_ci,
                  self.kong_plugins)
        self.operations()
        self.release()
        self.real_world()
        schedule(self.h.commits, START, WORKING_DAYS)
        return self.h.commits

    def each(self, *phases) -> None:
        """Play each phase for every tenant (the designed repo first) before the next phase."""
        for phase in phases:
            for t in self.tenants:
                phase(t)

    def foundation(self) -> None:
        t = self.designed
        self.commit(t, MINJUN, "Initial commit", {"README.md": infra.README})
        self.commit(t, MINJUN, "charts/common: 공통 Helm 차트 추가 (Deployment, Service)",
                    chart.chart_files("Chart.yaml", ".helmignore", "_helpers.tpl", "deployment.yaml",
                                      "service.yaml"), at_stage(0, "charts/common/values.yaml"))
        self.commit(t, MINJUN, "charts/common: add ingress template (default className kong)",
                    at_stage(0, "charts/common/templates/ingress.yaml"))
        self.commit(t, JIHOON, "charts/common: VaultStaticSecret, ServiceMonitor 템플릿 추가",
                    chart.chart_files("vaultstaticsecret.yaml", "servicemonitor.yaml"))

    def bootstrap_components(self, t: Tenant) -> None:
        minio = "bootstrap/minio/"
        self.commit(t, MINJUN, "bootstrap: App-of-Apps 루트와 minio 추가 (wave 0)",
                    {"bootstrap/application.yaml": boot.ROOT_APP}, self.register_bootstrap(t, "minio"),
                    at_stage(0, minio + "argocd.yaml", minio + "helm-values.yaml"))
        self.commit(t, JIHOON, "minio: 버킷 추가 (reports, backups) 및 메모리 상향",
                    at_stage(1, minio + "helm-values.yaml"))
        self.commit(t, MINJUN, "bootstrap: add zot registry (wave 1)", {"bootstrap/zot/argocd.yaml": boot.ZOT_APP},
                    self.register_bootstrap(t, "zot"), at_stage(0, "bootstrap/zot/helm-values.yaml"))
        self.commit(t, JIHOON, "bootstrap: vault + vault-secrets-operator 추가 (wave 2)",
                    {"bootstrap/vault/argocd.yaml": boot.VAULT_APP, "bootstrap/vault/helm-values.yaml":
                     boot.VAULT_VALUES, "bootstrap/vault/vso-values.yaml": boot.VSO_VALUES},
                    self.register_bootstrap(t, "vault"))
        self.commit(t, MINJUN, "bootstrap: add kong ingress controller (wave 3)", self.register_bootstrap(t, "kong"),
                    at_stage(0, "bootstrap/kong/argocd.yaml", "bootstrap/kong/helm-values.yaml"))
        self.commit(t, JIHOON, "kong: Admin API RBAC ConfigMap 추가", at_stage(1, "bootstrap/kong/argocd.yaml"),
                    {"bootstrap/kong/rbac-configmap.yaml": boot.KONG_RBAC})
        self.commit(t, JIHOON, "kong: directory.include 로 rbac-*.yaml 만 적용\n\n"
                               "bootstrap/kong 전체를 디렉토리 소스로 잡으면서 helm-values.yaml 까지\n"
                               "매니페스트로 적용하려다 동기화가 실패하던 문제 수정.",
                    at_stage(2, "bootstrap/kong/argocd.yaml"))
        self.commit(t, JIHOON, "zot: Kong 타임아웃 어노테이션 추가 (대용량 레이어 push 실패)",
                    at_stage(1, "bootstrap/zot/helm-values.yaml"))

    def platform(self, t: Tenant) -> None:
        rabbitmq = "platform/rabbitmq/helm-values.yaml"
        self.add_components(t, "platform", (
            (replace(cluster.CERT_MANAGER, manifests=None), JIHOON, "platform: 루트 Application 과 cert-manager 추가",
             {"platform/application.yaml": cluster.root_app("platform", "# 플랫폼 루트 — 공통 인프라 컴포넌트")}),
            (cluster.CERT_MANAGER, JIHOON, "cert-manager: Let's Encrypt ClusterIssuer (Cloudflare DNS-01)", {}),
            (cluster.CNPG, MINJUN, "platform: CloudNativePG 오퍼레이터 추가", {}),
            (cluster.REDIS, JIHOON, "platform: add redis sentinel (lumie-cache)", {}),
            (cluster.RABBITMQ, JIHOON, "platform: add rabbitmq (lumie-event)", at_stage(0, rabbitmq))))
        self.commit(t, SEOYEON, "rabbitmq: delayed message 플러그인 활성화 (재시도 백오프)", at_stage(1, rabbitmq))
        self.add_components(t, "platform", (
            (cluster.TRAEFIK, JIHOON, "platform: traefik 추가 (내부 도구용 보조 Ingress)", {}),))

    def observability(self, t: Tenant) -> None:
        prometheus, loki = "observability/prometheus/helm-values.yaml", "observability/loki/helm-values.yaml"
        self.add_components(t, "observability", (
            (cluster.PROMETHEUS, JIHOON, "observability: 루트 Application 과 kube-prometheus-stack 추가",
             {"observability/application.yaml": cluster.root_app("observability", "# 관측성 루트 — 메트릭, 대시보드, 로그"),
              **at_stage(0, prometheus)}),
            (cluster.LOKI, JIHOON, "observability: add loki (MinIO backend)", at_stage(0, loki)),
            (cluster.GRAFANA, MINJUN, "observability: grafana 추가 (traefik ingress)", {})))
        self.commit(t, JIHOON, "prometheus: ServiceMonitor 셀렉터 해제 (모든 네임스페이스 수집)",
                    at_stage(1, prometheus))

    def add_components(self, t: Tenant, root: str,
                       steps: tuple[tuple[cluster.Component, Person, str, dict], ...]) -> None:
        """One commit per component of a root (re-adding a name replaces it); ``extra`` files win over its own."""
        for component, author, message, extra in steps:
            current = t.components.setdefault(root, [])
            names = [c.name for c in current]
            if component.name in names:
                current[names.index(component.name)] = component
            else:
                current.append(component)
            kustomization = cluster.root_kustomization(root, current, flush=root == "platform")
            self.commit(t, author, message, component.files(), extra,
                        {f"{root}/kustomization.yaml": kustomization})

    def applications_root(self) -> None:
        t = self.designed
        self.commit(t, MINJUN, "applications: App-of-Apps 루트 추가 (self-managed)",
                    {"applications/application.yaml": infra.ROOT_APP},
                    self.register(t, "root", "application.yaml # App-of-Apps 루트 (자기 자신 관리)"))

    def argocd(self, t: Tenant) -> None:
        values = "applications/argocd/helm-values.yaml"
        self.commit(t, MINJUN, "argocd: multi-source 로 ArgoCD 자체 관리",
                    {"applications/argocd/argocd.yaml": infra.ARGOCD_APP,
                     "applications/argocd/common-values.yaml": infra.ARGOCD_COMMON_VALUES},
                    at_stage(0, values), self.register(t, "infra", "argocd/argocd.yaml"))
        self.commit(t, MINJUN, "argocd: 컨트롤러 메모리 최적화 (GOMEMLIMIT, GOGC, 프로세서 수)", at_stage(1, values))
        self.commit(t, MINJUN, "argocd: 폴링 비활성화, Ingress 커스텀 헬스 체크", at_stage(2, values))

    def legacy_gateway(self) -> None:
        t, legacy = self.designed, "applications/lumie/legacy-gateway/"
        self.commit(t, JIHOON, "add legacy-gateway (기존 nginx 게이트웨이 이관)",
                    at_stage(0, legacy + "argocd.yaml"), {legacy + "manifests/deployment.yaml":
                                                               infra.LEGACY_DEPLOYMENT},
                    self.register(t, "lumie", "lumie/legacy-gateway/argocd.yaml"))

    def database(self, t: Tenant) -> None:
        lumie = "applications/lumie/"
        self.commit(t, SEOYEON, "lumie: CNPG 클러스터 lumie-db 추가", {lumie + "argocd.yaml": infra.LUMIE_APP},
                    at_stage(0, lumie + "kustomization.yaml", lumie + "manifests/cluster.yaml"),
                    self.register(t, "lumie", "lumie/argocd.yaml # lumie-db (CNPG)"))
        self.commit(t, SEOYEON, "lumie-db: 슈퍼유저 비밀번호를 Vault 에서 동기화",
                    {lumie + "common-values.yaml": infra.LUMIE_VALUES},
                    at_stage(1, lumie + "kustomization.yaml", lumie + "manifests/cluster.yaml"))

    # --- services -------------------------------------------------------------------------
    def create_services(self, t: Tenant) -> None:
        """Create each service in its own commit, then the follow-ups of the designed timeline."""
        for index, s in enumerate(t.services):
            self._initial_state(s)
            line = s.app_path.removeprefix("applications/")
            label = f"add {s.name} worker ({s.summary})" if s.kind == WORKER else f"add {s.name}: {s.summary}"
            self.commit(t, (SEOYEON, HYUNWOO)[index % 2], label, service_files(s),
                        self.register(t, "workers" if s.kind == WORKER else "backend", line))
            if s.base == "ai-svc":
                self._service_follow_ups(t)

    def _initial_state(self, s: Service) -> None:
        s.tag = tag_for(f"{s.name} initial")
        if s.kind == BACKEND:
            s.paths = (f"/api/{s.short}",)
        s.http_peers = ()  # worker calls are wired in later commits

    def _service_follow_ups(self, t: Tenant) -> None:
        if t is self.designed:
            self.commit(t, MINJUN, "charts/common: additionalIngresses 지원 (서비스당 Ingress 여러 개)",
                        at_stage(1, "charts/common/values.yaml", "charts/common/templates/ingress.yaml"))
        billing, auth, file = t.by["billing-svc"], t.by["auth-svc"], t.by["file-svc"]
        self.tweak(t, HYUNWOO, f"{billing.name}: 결제 웹훅 전용 Ingress (JWT 제외)", [billing],
                   extra_ingresses=("billing-webhook",))
        self.tweak(t, SEOYEON, f"{auth.name}: OAuth2 콜백 경로 /oauth2 라우팅", [auth], paths=auth.paths + ("/oauth2",))
        self.tweak(t, HYUNWOO, f"{file.name}: files{t.copy.suffix}.lumie.kr 다운로드 도메인 추가", [file],
                   extra_ingresses=("file-download",))

    def wire_workers(self, t: Tenant) -> None:
        """The HTTP calls to and from workers, each wired in its own commit once both ends exist."""
        by = t.by
        callers = [by["grading-svc"], by["report-svc"]]
        for s in callers:
            self.h.set(s, "http_peers", self.planned_peers[s.name])
        self.commit(t, HYUNWOO, f"{_names(callers)}: exam-svc/academy-svc 내부 API 호출 설정",
                    *[self.values(s) for s in callers])
        for s, author, message in ((by["exam-svc"], SEOYEON, "grading-svc 비동기 채점 연동 (GRADING_SVC_URL)"),
                                   (by["ai-svc"], HYUNWOO, "analysis-svc 연동 (ANALYSIS_SVC_URL)")):
            self.tweak(t, author, f"{s.name}: {message}", [s], http_peers=self.planned_peers[s.name])
        if t is self.designed:
            analysis = by["analysis-svc"]
            self.commit(t, HYUNWOO, f"{analysis.name}: 내부 분석 대시보드 (Traefik, 사내 IP 만)",
                        {f"{analysis.folder}/manifests/dashboard.yaml": worker_dashboard(analysis),
                         f"{analysis.folder}/kustomization.yaml": service_kustomization(analysis, dashboard=True)})

    def values(self, s: Service) -> dict[str, str]:
        return {s.values_path: service_values(s)}

    def tweak(self, t: Tenant, author: Person, message: str, services: list[Service], **state) -> Commit:
        """Set the same state on several services and commit their values files.

        A callable value is called with each service (state that depends on the copy).
        """
        for s in services:
            for attribute, value in state.items():
                self.h.set(s, attribute, value(s) if callable(value) else value)
        return self.commit(t, author, message, *[self.values(s) for s in services])

    # --- frontend, develop, CI, Kong --------------------------------------------------------
    def frontend_develop_ci(self, t: Tenant) -> None:
        fe, dev, ci = web.FRONTEND + "/", web.DEVELOP + "/", web.TEKTON + "/"
        self.commit(t, YUNA, "add frontend (Next.js, lumie.kr)", {fe + "argocd.yaml": web.FRONTEND_APP},
                    at_stage(0, fe + "common-values.yaml", fe + "kustomization.yaml", fe + "manifests/ingress.yaml"),
                    self.register(t, "frontend", "lumie/frontend/argocd.yaml"))
        self.commit(t, YUNA, "frontend: SSR 에서 auth-svc 내부 주소로 직접 호출",
                    at_stage(1, fe + "common-values.yaml"))
        self.commit(t, JIHOON, "add lumie-develop (dev.lumie.kr, namespace lumie-dev)",
                    {dev + "argocd.yaml": web.DEVELOP_APP, dev + "kustomization.yaml": web.DEVELOP_KUSTOMIZATION,
                     dev + "manifests/ingress.yaml": web.DEV_INGRESS},
                    at_stage(0, dev + "manifests/auth-svc.yaml", dev + "manifests/tenant-svc.yaml"),
                    self.register(t, "lumie", "lumie/develop/argocd.yaml # 개발 환경"))
        self.commit(t, SEOYEON, "develop: tenant-svc gRPC 서비스 추가, auth-svc 가 gRPC 로 호출",
                    at_stage(1, dev + "manifests/auth-svc.yaml", dev + "manifests/tenant-svc.yaml"))
        self.commit(t, JIHOON, "add tekton ci-cd: lumie-image-update pipeline",
                    {ci + "argocd.yaml": web.TEKTON_APP, ci + "pipeline.yaml": web.PIPELINE,
                     ci + "git-credentials.yaml": web.GIT_CREDENTIALS},
                    at_stage(0, ci + "kustomization.yaml"), self.register(t, "ci", "tekton/ci-cd/argocd.yaml"))
        self.commit(t, JIHOON, "tekton: 서비스별 values 파일 경로를 TriggerTemplate 파라미터로 등록",
                    {ci + "trigger-template.yaml": web.trigger_template(t.services)},
                    at_stage(1, ci + "kustomization.yaml"))
        self.commit(t, JIHOON, "tekton: AI 워커 폴더가 바뀐 push 에만 빌드 트리거 (CEL 경로 필터)",
                    {ci + "trigger.yaml": web.path_trigger(t.services)}, at_stage(2, ci + "kustomization.yaml"))

    def kong_plugins(self, t: Tenant) -> None:
        plugins, fe = "bootstrap/kong/manifests/cluster-plugins.yaml", web.FRONTEND + "/"
        upload = "bootstrap/minio/manifests/upload-proxy-ingress.yaml"
        self.commit(t, MINJUN, "kong: 공통 플러그인 https-redirect, lumie-cors (KongClusterPlugin)",
                    at_stage(0, plugins))
        self.commit(t, MINJUN, "kong: JWT 인증 — lumie-jwt, lumie-jwt-claims, KongConsumer lumie-app",
                    at_stage(1, plugins), {"bootstrap/kong/manifests/jwt-auth.yaml": boot.JWT_AUTH})
        guarded = [s for s in t.services if s.kind == BACKEND and s.base != "auth-svc"]
        self.tweak(t, SEOYEON, "backend: lumie-jwt, lumie-jwt-claims 플러그인 적용 (auth-svc 제외)", guarded,
                   plugins="lumie-cors,lumie-jwt,lumie-jwt-claims")
        self.commit(t, YUNA, "frontend: https-redirect 플러그인 적용", at_stage(1, fe + "manifests/ingress.yaml"))
        self.commit(t, JIHOON, "minio: upload.lumie.kr 업로드 프록시 Ingress",
                    at_stage(1, "bootstrap/minio/argocd.yaml"), at_stage(0, upload))
        self.commit(t, JIHOON, "minio: 업로드 크기 제한 KongPlugin (512MB)", at_stage(1, upload))
        self.commit(t, YUNA, "frontend: www → non-www 리다이렉트 (KongPlugin + Ingress)",
                    {fe + "manifests/www-redirect.yaml": web.WWW_REDIRECT}, at_stage(1, fe + "kustomization.yaml"))
        if t is self.designed:
            self.retire_legacy_gateway()

    def retire_legacy_gateway(self) -> None:
        legacy = "applications/lumie/legacy-gateway/"
        lumie = self.root["lumie"]
        lumie[lumie.index("lumie/legacy-gateway/argocd.yaml")] = \
            "# - lumie/legacy-gateway/argocd.yaml # 사용 중지 (Kong 으로 대체)"
        self.commit(self.designed, JIHOON, "legacy-gateway 사용 중지: 등록 해제, 매니페스트 삭제",
                    {legacy + "manifests/deployment.yaml": None}, at_stage(1, legacy + "argocd.yaml"),
                    self.root_kustomization())

    # --- operations -----------------------------------------------------------------------
    def operations(self) -> None:
        """The churn: OPERATIONS slot by slot, each slot played by every copy."""
        for slot, token in enumerate(OPERATIONS):
            for t in self.tenants:
                if token == "b":
                    for repeat in range(2 if t is not self.designed and slot % COPY_DOUBLE_BUMPS == 0 else 1):
                        t.last = self.bump(t, f"{t.copy.number}:{slot}:{repeat}")
                elif token == "R":
                    self.h.revert(t.last, MINJUN, "lumie-db max_connections(300) 초과 위험 — 풀 크기는 "
                                                  "서비스 기본값 유지하기로 함.")
                elif token in FIXES:
                    t.last = FIXES[token](self, t)
                else:
                    self.infra_tweak(t, token, slot)

    def bump(self, t: Tenant, seed: str) -> Commit:
        """An image bump: one service, or a burst of 2-5 backend services on the same tag."""
        services = t.services
        roll = pick("bump " + seed, 100)
        author = (HYUNWOO, SEOYEON, HYUNWOO, MINJUN)[pick("author " + seed, 4)]
        if roll < 62:
            s = services[pick("service " + seed, len(services))]
            tag = tag_for(f"{s.name} {seed}")
            message = f"update {s.name} image to {tag}" if roll < 50 else f"{s.name} 이미지 {tag} 배포"
            return self.tweak(t, author, message, [s], tag=tag)
        backend = [s for s in services if s.kind == BACKEND]
        start, step = pick("start " + seed, 10), (1, 3, 7)[pick("step " + seed, 3)]
        burst = [backend[(start + step * n) % 10] for n in range(2 + pick("size " + seed, 4))]
        tag = tag_for("burst " + seed)
        names = ", ".join(s.name for s in burst)
        message = f"update {names} images to {tag}" if roll < 85 else f"백엔드 이미지 일괄 업데이트 {tag} ({names})"
        return self.tweak(t, author, message, burst, tag=tag)

    def infra_tweak(self, t: Tenant, token: str, slot: int) -> None:
        if token == "FE":
            frontend = "frontend" + t.copy.suffix
            tag = tag_for(f"{frontend} {slot}")
            self.commit(t, YUNA, f"update {frontend} image to {tag}",
                        {f"{web.FRONTEND}/common-values.yaml": web.frontend_values(tag)})
            return
        author, message, path, stage = INFRA_TWEAKS[token]
        self.commit(t, author, message, at_stage(stage, path))

    def release(self) -> None:
        merged = [s for t in self.tenants for s in t.services if s.base in MERGED]
        body = "\n".join(f"- {s.name}" for s in merged)
        self.tweak(self.designed, MINJUN, f"release 2026.09.25: 백엔드 {len(merged)}개 서비스 이미지 {RELEASE_TAG}\n\n"
                           f"정기 릴리스 — 같은 커밋에서 빌드한 이미지로 백엔드 전체를 맞춤.\n\n{body}",
                   merged, tag=RELEASE_TAG)


    # --- after the release: shapes real repositories have -----------------------------------
    def real_world(self) -> None:
        """Commits of the designed repo that reproduce what stopped the playbooks on real repositories.

        An operator-made Service a backend calls (a CNPG Pooler), Kong upstream timeouts on a
        Service manifest, a remote-chart app whose values use the ``ingress.<name>`` shape, and a
        YAML file no Application deploys that does not parse (``texts_traps``).
        """
        t, tree = self.designed, self.h.tree
        lumie, dev = "applications/lumie/", web.DEVELOP + "/"
        kustomization = tree[lumie + "kustomization.yaml"]
        cluster_line = next(line for line in kustomization.splitlines(keepends=True)
                            if line.startswith("- manifests/cluster.yaml"))
        self.commit(t, SEOYEON, "lumie-db: PgBouncer 풀러 추가 (lumie-db-pooler)",
                    {lumie + "manifests/pooler.yaml": traps.POOLER,
                     lumie + "kustomization.yaml": kustomization.replace(cluster_line,
                                                                         cluster_line + traps.POOLER_ENTRY)})
        attendance = t.by["attendance-svc"]
        self.tweak(t, HYUNWOO, "attendance-svc: 조회 커넥션은 lumie-db-pooler 로 (DB_POOL_HOST)", [attendance],
                   extra_env=attendance.extra_env + traps.POOLER_ENV)
        auth = tree[dev + "manifests/auth-svc.yaml"]
        head = "kind: Service\nmetadata:\n  name: auth-svc\n"
        self.commit(t, JIHOON, "develop: auth-svc 업스트림 타임아웃 연장 (디버깅용)",
                    {dev + "manifests/auth-svc.yaml": auth.replace(head, head + traps.DEV_TIMEOUTS)})
        self.commit(t, YUNA, "add lumie-docs: 사용자 문서 사이트 (app-template 차트, docs.lumie.kr/docs)",
                    {traps.DOCS + "/argocd.yaml": traps.DOCS_APP, traps.DOCS + "/values.yaml": traps.DOCS_VALUES,
                     traps.DOCS + "/manifests/.gitkeep": traps.DOCS_MANIFESTS_KEEP},
                    self.register(t, "frontend", "lumie/docs/argocd.yaml # 문서 사이트"))
        self.commit(t, JIHOON, "docs: Kong 타임아웃 장애 대응 런북 초안 (작성 중)",
                    {"docs/runbooks/kong-timeouts.yaml": traps.BROKEN_RUNBOOK})


def _names(services: list[Service]) -> str:
    return ", ".join(s.name for s in services)


def _fix(author: Person, what: str, bases: tuple[str, ...], **state):
    """A config fix touching a few services of one copy: ``what`` follows their names in the message."""
    def apply(story: Story, t: Tenant) -> Commit:
        services = [t.by[base] for base in bases]
        return story.tweak(t, author, f"{_names(services)}: {what}", services, **state)
    return apply


FIXES = {
    "F1": _fix(HYUNWOO, "메모리 limit 1536Mi 로 상향 (OOMKilled)", ("tenant-svc", "academy-svc"),
               memory_limit="1536Mi"),
    "F2": _fix(SEOYEON, "REDIS_HOST 를 sentinel 포트(26379)로 변경",
               ("auth-svc", "tenant-svc", "exam-svc", "attendance-svc"), redis_port=26379),
    "F3": _fix(SEOYEON, "MinIO 를 클러스터 내부 주소로 호출", ("content-svc", "file-svc"),
               minio_endpoint=internal_minio),
    "F4": _fix(HYUNWOO, "replicaCount 3 (중간고사 트래픽 대비)", ("exam-svc", "attendance-svc"), replicas=3),
    "F5": _fix(HYUNWOO, "HikariCP 풀 크기 설정 (DB_POOL_SIZE=20)", ("auth-svc", "tenant-svc"),
               extra_env=(("DB_POOL_SIZE", '"20"'),)),
    "F6": _fix(SEOYEON, "CPU requests 조정 (VPA 권고치 반영)", ("admin-svc", "billing-svc"), cpu="75m"),
    "F7": _fix(HYUNWOO, "메모리 limit 3Gi (PDF 렌더링)", ("grading-svc", "report-svc"), memory_limit="3Gi"),
    "F8": _fix(SEOYEON, "liveness initialDelaySeconds 60 (기동 지연으로 재시작 반복)",
               ("exam-svc", "academy-svc", "attendance-svc"), probe_delay=60),
    "F9": _fix(HYUNWOO, "replicaCount 2 로 원복 (시험 기간 종료)", ("exam-svc", "attendance-svc"), replicas=2),
    "F10": _fix(SEOYEON, "JVM 힙 비율 지정 (JAVA_TOOL_OPTIONS)", ("admin-svc", "content-svc", "billing-svc"),
                extra_env=(("JAVA_TOOL_OPTIONS", '"-XX:MaxRAMPercentage=75.0"'),)),
}

# token -> (author, message, staged file, stage it moves to)
INFRA_TWEAKS = {
    "T1": (JIHOON, "prometheus: 보존 기간 7d → 15d", "observability/prometheus/helm-values.yaml", 2),
    "T2": (MINJUN, "argocd: repo-server 프로브 타임아웃 5초로 증가", "applications/argocd/helm-values.yaml", 3),
    "T3": (JIHOON, "loki: 로그 보존 기간 14일 설정", "observability/loki/helm-values.yaml", 1),
    "T4": (MINJUN, "kong: trusted_ips / real_ip_header 설정 (클라이언트 IP 보존)", "bootstrap/kong/helm-values.yaml", 1),
}
