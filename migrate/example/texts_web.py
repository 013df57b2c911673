"""Text of the frontend, the lumie-develop environment and the Tekton CI/CD app."""

from __future__ import annotations

from .apps import application, repo_source
from .model import Service

# --- frontend (lumie-frontend) ----------------------------------------------------------
FRONTEND = "applications/lumie/frontend"

FRONTEND_APP = application("frontend", "lumie-frontend", repo_source(FRONTEND),
                          comment="# frontend — Next.js 웹 (lumie.kr)")

FRONTEND_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

helmGlobals:
  chartHome: ../../../charts

helmCharts:
- name: common
  releaseName: frontend
  namespace: lumie-frontend
  valuesFile: common-values.yaml

# Ingress 는 차트 대신 매니페스트로 관리 (호스트별 플러그인이 달라서)
resources:
- manifests/ingress.yaml
- manifests/www-redirect.yaml
"""


def frontend_values(tag: str) -> str:
    """``frontend/common-values.yaml`` at image ``tag``."""
    return f"""\
# frontend — Next.js (SSR) 웹 애플리케이션
common:
  name: frontend
  namespace: lumie-frontend

  deployment:
    enabled: true
  replicaCount: 2

  image:
    registry: zot.lumie-infra.com
    repository: applications/frontend
    tag: "{tag}"
    pullPolicy: IfNotPresent

  ports:
    http: 3000

  env:
  - name: TZ
    value: Asia/Seoul
  - name: NEXT_PUBLIC_API_URL
    value: https://api.lumie.kr
  # SSR 에서 인증 API 를 클러스터 내부 주소로 직접 호출
  - name: AUTH_API_URL
    value: http://auth-svc.lumie-platform.svc:8080

  resources:
    requests:
      cpu: 50m
      memory: 256Mi
    limits:
      memory: 512Mi

  healthCheck:
    liveness:
      path: /api/health
      initialDelaySeconds: 15
    readiness:
      path: /api/health
      initialDelaySeconds: 5

  service:
    enabled: true
    type: ClusterIP

  # Ingress 는 manifests/ingress.yaml (https-redirect 플러그인 포함)
  ingress:
    enabled: false
"""


FRONTEND_INGRESS = """\
# lumie.kr 프론트엔드 — HTTP → HTTPS 리다이렉트 후 Next.js 로 전달
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: frontend
  namespace: lumie-frontend
  annotations:
    konghq.com/strip-path: "false"
    konghq.com/preserve-host: "true"
    konghq.com/plugins: https-redirect,lumie-cors
spec:
  ingressClassName: kong
  tls:
  - secretName: lumie-kr-tls
    hosts:
    - lumie.kr
    - www.lumie.kr
  rules:
  - host: lumie.kr
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: frontend
            port:
              number: 3000
"""

WWW_REDIRECT = """\
# www.lumie.kr 으로 들어온 요청을 lumie.kr 로 301 리다이렉트 (경로/쿼리 유지)
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: www-redirect
  namespace: lumie-frontend
plugin: pre-function
config:
  access:
  - |
    local host = kong.request.get_host()
    local uri = kong.request.get_path_with_query()
    if host == "www.lumie.kr" then
      return kong.response.exit(301, nil, { ["Location"] = "https://lumie.kr" .. uri })
    end
--- # www → non-www 리다이렉트
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: frontend-www
  namespace: lumie-frontend
  annotations:
    kubernetes.io/ingress.class: kong # 초기 작성분 — ingressClassName 대신 레거시 어노테이션
    konghq.com/plugins: www-redirect
spec:
  tls:
  - secretName: lumie-kr-tls
    hosts:
    - www.lumie.kr
  rules:
  - host: www.lumie.kr
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: frontend
            port:
              number: 3000
"""

# --- develop (lumie-dev) ----------------------------------------------------------------
DEVELOP = "applications/lumie/develop"

DEVELOP_APP = application("lumie-develop", "lumie-dev", repo_source(DEVELOP), flush=False,
                          comment="# lumie-develop — 개발 환경 (dev.lumie.kr), 운영과 같은 서비스 이름을 lumie-dev 에 배포")

DEVELOP_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

# 개발 환경은 차트 없이 평문 매니페스트 — 네임스페이스는 여기서 일괄 지정
namespace: lumie-dev

resources:
  - manifests/auth-svc.yaml
  - manifests/tenant-svc.yaml
  - manifests/ingress.yaml
"""


def _dev_workload(name: str, tag: str, env: str, grpc: bool) -> str:
    grpc_port = "\n        - name: grpc\n          containerPort: 9090" if grpc else ""
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: {name}
        image: zot.lumie-infra.com/applications/{name}:{tag}
        ports:
        - name: http
          containerPort: 8080{grpc_port}
        env:
{env}
        resources:
          requests:
            cpu: 50m
            memory: 384Mi
          limits:
            memory: 768Mi
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
  - name: http
    port: 8080
    targetPort: http
"""


DEV_COMMON_ENV = """\
        - name: SPRING_PROFILES_ACTIVE
          value: dev
        - name: TZ
          value: Asia/Seoul
        # 개발 DB 는 운영 클러스터의 lumie_dev 데이터베이스 사용
        - name: DB_HOST
          value: lumie-db-rw.lumie-db.svc
        - name: DB_NAME
          value: lumie_dev"""

DEV_AUTH = "# 개발 환경 auth-svc (develop 브랜치 이미지)\n" + _dev_workload("auth-svc", "develop", DEV_COMMON_ENV + """
        - name: TENANT_SVC_URL
          value: http://tenant-svc.lumie-dev.svc:8080
        - name: TENANT_SVC_GRPC_HOST
          value: tenant-svc-grpc.lumie-dev.svc:9090""", grpc=False)

DEV_TENANT_GRPC = """\
---
# gRPC 전용 Service (auth-svc 가 호출)
apiVersion: v1
kind: Service
metadata:
  name: tenant-svc-grpc
spec:
  selector:
    app: tenant-svc
  ports:
  - name: grpc
    port: 9090
    targetPort: grpc
"""

DEV_TENANT = "# 개발 환경 tenant-svc\n" + _dev_workload("tenant-svc", "develop", DEV_COMMON_ENV,
                                                       grpc=True) + DEV_TENANT_GRPC

DEV_INGRESS = """\
# dev.lumie.kr — 개발 환경 API (운영과 같은 경로 규칙)
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: dev-api
  annotations:
    konghq.com/strip-path: "true"
spec:
  ingressClassName: kong
  rules:
  - host: dev.lumie.kr
    http:
      paths:
      - path: /api/auth
        pathType: Prefix
        backend:
          service:
            name: auth-svc
            port:
              number: 8080
      - path: /api/tenant
        pathType: Prefix
        backend:
          service:
            name: tenant-svc
            port:
              number: 8080"""  # no final newline (hand-edited in the GitHub web editor)

# --- tekton ci-cd -----------------------------------------------------------------------
TEKTON = "applications/tekton/ci-cd"

TEKTON_APP = application("tekton-ci-cd", "tekton-pipelines", repo_source(TEKTON),
                         comment="# tekton-ci-cd — 이미지 빌드 후 GitOps 저장소의 이미지 태그 갱신")

TEKTON_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

namespace: tekton-pipelines

resources:
- git-credentials.yaml
- pipeline.yaml
- trigger-template.yaml
- trigger.yaml
"""

GIT_CREDENTIALS = """\
# GitOps 저장소 푸시용 자격 증명 — Vault(infrastructure/github) 동기화
apiVersion: secrets.hashicorp.com/v1beta1
kind: VaultStaticSecret
metadata:
  name: lumie-infra-git-credentials
spec:
  mount: kv
  path: infrastructure/github
  type: kv-v2
  refreshAfter: 24h
  destination:
    name: lumie-infra-git-credentials
    create: true
    transformation:
      excludeRaw: true
      templates:
        .git-credentials:
          text: 'https://{{ get .Secrets "username" }}:{{ get .Secrets "token" }}@github.com'
        .gitconfig:
          text: |
            [credential]
              helper = store
"""

PIPELINE = """\
# 이미지 태그 갱신 파이프라인 — values 파일의 common.image.tag 를 바꿔 main 에 푸시
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: lumie-image-update
spec:
  params:
  - name: service
    type: string
  - name: image-tag
    type: string
  - name: values-file
    type: string
    description: GitOps 저장소 기준 values 파일 경로
  workspaces:
  - name: source
  - name: git-credentials
  tasks:
  - name: clone
    taskRef:
      resolver: hub
      params:
      - name: name
        value: git-clone
      - name: version
        value: "0.9"
    workspaces:
    - name: output
      workspace: source
    - name: basic-auth
      workspace: git-credentials
    params:
    - name: url
      value: https://github.com/Lumie-Edu/lumie-infra.git
    - name: revision
      value: main
  - name: bump-tag
    runAfter:
    - clone
    workspaces:
    - name: source
      workspace: source
    taskSpec:
      workspaces:
      - name: source
      steps:
      - name: yq
        image: mikefarah/yq:4.44.3
        workingDir: $(workspaces.source.path)
        script: |
          #!/bin/sh
          set -eu
          yq -i '.common.image.tag = "$(params.image-tag)"' "$(params.values-file)"
          git config user.name "Jung Hyunwoo" && git config user.email "hyunwoo.jung@lumie.kr"
          git commit -am "update $(params.service) image to $(params.image-tag)" && git push origin HEAD:main
"""


def path_trigger(services: list[Service]) -> str:
    """A Tekton Trigger whose CEL filter matches a folder by path prefix (the AI workers' folder): a
    string that names a repository path inside an expression, and a comment that names a file."""
    folder = next(s.group for s in services if s.group.endswith("/ai"))
    return f"""\
# AI 워커 이미지 빌드 트리거 — {folder}/ 아래가 바뀐 push 만 (CEL 경로 필터)
# 워커별 values 파일은 {folder}/<svc>/common-values.yaml (TriggerTemplate 파라미터 참고)
apiVersion: triggers.tekton.dev/v1beta1
kind: Trigger
metadata:
  name: lumie-ai-workers
spec:
  interceptors:
  - ref:
      name: cel
    params:
    - name: filter
      value: >-
        body.ref == 'refs/heads/main' &&
        body.commits.exists(c, c.modified.exists(f, f.startsWith('{folder}/')))
  bindings:
  - ref: lumie-image-update
  template:
    ref: lumie-image-update
"""


def trigger_template(services: list[Service]) -> str:
    """The TriggerTemplate whose params name each service's values file (one param per service)."""
    params = "\n".join(f"  - name: {s.name}-values-file\n    default: {s.values_path}" for s in services)
    return f"""\
# 서비스 이미지 빌드 완료 이벤트 → lumie-image-update 파이프라인 실행
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerTemplate
metadata:
  name: lumie-image-update
spec:
  params:
  - name: service
    description: 이미지가 빌드된 서비스 이름
  - name: image-tag
    description: 새 이미지 태그 (커밋 SHA 앞 8자리)
  # 서비스별 values 파일 경로 (저장소 루트 기준) — 서비스 추가 시 함께 등록
{params}
  resourcetemplates:
  - apiVersion: tekton.dev/v1
    kind: PipelineRun
    metadata:
      generateName: lumie-image-update-
    spec:
      pipelineRef:
        name: lumie-image-update
      params:
      - name: service
        value: $(tt.params.service)
      - name: image-tag
        value: $(tt.params.image-tag)
      - name: values-file
        value: $(tt.params.$(tt.params.service)-values-file)
      workspaces:
      - name: source
        volumeClaimTemplate:
          spec:
            accessModes:
            - ReadWriteOnce
            resources:
              requests:
                storage: 1Gi
      - name: git-credentials
        secret:
          secretName: lumie-infra-git-credentials
"""
