"""Texts of the shapes real repositories have that the first example lacked (``Story.real_world``).

Each one made a tool that only knew this example stop or misjudge on a real platform repository:
a Service an operator makes from a custom resource (a CNPG Pooler) that a backend service calls;
Kong upstream timeouts on a Service manifest; a documentation site on a remote chart whose values use
the ``ingress.<name>`` shape (app-template) with Kong annotations; a half-written YAML runbook no
Application deploys, which does not parse.
"""

from __future__ import annotations

from .apps import application, chart_source, multi_sources, path_source, values_ref

POOLER = """\
# PgBouncer 풀러 — CloudNativePG 가 lumie-db-pooler 서비스를 만든다 (출결 조회 트래픽 분리)
apiVersion: postgresql.cnpg.io/v1
kind: Pooler
metadata:
  name: lumie-db-pooler
  namespace: lumie-db
spec:
  cluster:
    name: lumie-db
  instances: 2
  type: rw
  pgbouncer:
    poolMode: transaction
"""

POOLER_ENTRY = "- manifests/pooler.yaml # CNPG Pooler (lumie-db-pooler 서비스 생성)\n"

POOLER_ENV = (("DB_POOL_HOST", "lumie-db-pooler.lumie-db.svc"),)  # attendance-svc: 조회 커넥션은 풀러로

DEV_TIMEOUTS = """\
  annotations:
    konghq.com/read-timeout: "60000" # 개발 환경 디버깅 중 긴 요청 허용
    konghq.com/connect-timeout: "5000"
"""

DOCS = "applications/lumie/docs"

DOCS_APP = application(
    "lumie-docs", "lumie-docs", multi_sources(
        True,
        ("app-template 차트 (원격 — 오프라인에서는 렌더링 불가)",
         chart_source("https://bjw-s-labs.github.io/helm-charts", "app-template", "3.7.3",
                      (f"{DOCS}/values.yaml",), True)),
        ("values 파일은 이 저장소에서", values_ref()),
        ("추가 매니페스트 (디렉토리 소스)", path_source(f"{DOCS}/manifests"))),
    comment="# lumie-docs — 사용자 문서 사이트 (app-template 차트)")

DOCS_VALUES = """\
# app-template 차트 values — 컨트롤러/서비스/인그레스를 이름으로 정의
controllers:
  main:
    containers:
      main:
        image:
          repository: zot.lumie-infra.com/lumie/docs
          tag: 2026.09.01
service:
  main:
    controller: main
    ports:
      http:
        port: 8080
ingress:
  main:
    className: kong
    annotations:
      konghq.com/strip-path: "true"
      konghq.com/plugins: lumie-cors
    hosts:
      - host: docs.lumie.kr
        paths:
          - path: /docs
            service:
              identifier: main
              port: http
"""

DOCS_MANIFESTS_KEEP = ""  # the folder exists before anything is put in it

BROKEN_RUNBOOK = """\
# 장애 대응 런북 — 작성 중 (아직 배포 대상 아님)
steps:
  - name: kong 타임아웃 확인
    command: kubectl -n kong get kongplugins
  - name: [작성 중
"""
