"""Text of the local Helm chart ``charts/common`` (Chart.yaml, values.yaml and templates with ``{{ }}``)."""

from __future__ import annotations

CHART = "charts/common"

CHART_YAML = """\
apiVersion: v2
name: common
description: Lumie 서비스 공통 Helm 차트 (Deployment, Service, Ingress, VaultStaticSecret, ServiceMonitor)
type: application
version: 0.4.2
appVersion: "1.0.0"
maintainers:
  - name: platform-team
    email: platform@lumie.kr
"""

VALUES_YAML = """\
# charts/common 기본값 — 각 서비스의 common-values.yaml 이 덮어쓴다.
# 모든 키는 common: 아래에 둔다 (Argo CD multi-source / kustomize helmCharts 공용).
common:
  name: ""
  namespace: ""

  deployment:
    enabled: true
  replicaCount: 1

  image:
    registry: zot.lumie-infra.com
    repository: ""
    tag: "" # 비어 있으면 Chart.appVersion
    pullPolicy: IfNotPresent

  ports:
    http: 8080

  podSecurityContext: {}
  securityContext: {}

  env: []

  resources: {}

  healthCheck: {}

  service:
    enabled: true
    type: ClusterIP

  # Ingress — 기본 컨트롤러는 Kong (bootstrap/kong)
  ingress:
    enabled: false
    className: kong
    annotations: {}
    hosts: []
    tls: []

  # 같은 서비스에 다른 어노테이션/호스트가 필요한 경우 (예: 웹훅, 다운로드 도메인)
  additionalIngresses: []

  serviceMonitor:
    enabled: false
    path: /metrics
    interval: 30s

  # Vault Secrets Operator — VaultStaticSecret 목록
  vaultStaticSecrets: []
"""

HELPERS_TPL = """\
{{/*
공통 차트 헬퍼 — 이름, 네임스페이스, 라벨, 이미지
*/}}
{{- define "common.fullname" -}}
{{- .Values.common.name | default .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "common.namespace" -}}
{{- .Values.common.namespace | default .Release.Namespace -}}
{{- end -}}

{{- define "common.selectorLabels" -}}
app.kubernetes.io/name: {{ include "common.fullname" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "common.labels" -}}
{{ include "common.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "common.image" -}}
{{- $img := .Values.common.image -}}
{{ $img.registry }}/{{ $img.repository }}:{{ $img.tag | default .Chart.AppVersion }}
{{- end -}}
"""

DEPLOYMENT_TPL = """\
{{- $c := .Values.common }}
{{- if $c.deployment.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "common.fullname" . }}
  namespace: {{ include "common.namespace" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  replicas: {{ $c.replicaCount }}
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- include "common.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "common.selectorLabels" . | nindent 8 }}
      annotations:
        checksum/env: {{ toJson $c.env | sha256sum | trunc 16 }}
    spec:
      {{- with $c.podSecurityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ include "common.fullname" . }}
          image: {{ include "common.image" . }}
          imagePullPolicy: {{ $c.image.pullPolicy | default "IfNotPresent" }}
          {{- with $c.securityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            {{- range $name, $port := $c.ports }}
            - name: {{ $name }}
              containerPort: {{ $port }}
              protocol: TCP
            {{- end }}
          {{- with $c.env }}
          env:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $c.healthCheck }}
          livenessProbe:
            httpGet:
              path: {{ .liveness.path }}
              port: http
            initialDelaySeconds: {{ .liveness.initialDelaySeconds | default 30 }}
            periodSeconds: 10
          readinessProbe:
            httpGet:
              path: {{ .readiness.path }}
              port: http
            initialDelaySeconds: {{ .readiness.initialDelaySeconds | default 10 }}
            periodSeconds: 5
          {{- end }}
          resources:
            {{- toYaml $c.resources | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {}
{{- end }}
"""

SERVICE_TPL = """\
{{- $c := .Values.common }}
{{- if $c.service.enabled }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "common.fullname" . }}
  namespace: {{ include "common.namespace" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  type: {{ $c.service.type | default "ClusterIP" }}
  selector:
    {{- include "common.selectorLabels" . | nindent 4 }}
  ports:
    {{- range $name, $port := $c.ports }}
    - name: {{ $name }}
      port: {{ $port }}
      targetPort: {{ $name }}
      protocol: TCP
    {{- end }}
{{- end }}
"""

INGRESS_TPL = """\
{{- /* 기본 ingress + additionalIngresses 를 같은 방식으로 렌더링 */}}
{{- $c := .Values.common }}
{{- $all := list }}
{{- if $c.ingress.enabled }}
{{- $all = append $all (merge (dict "suffix" "") $c.ingress) }}
{{- end }}
{{- range $c.additionalIngresses }}
{{- $all = append $all (merge (dict "suffix" (printf "-%s" .name)) .) }}
{{- end }}
{{- range $ing := $all }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "common.fullname" $ }}{{ $ing.suffix }}
  namespace: {{ include "common.namespace" $ }}
  labels:
    {{- include "common.labels" $ | nindent 4 }}
  {{- with $ing.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  ingressClassName: {{ $ing.className | default "kong" }}
  {{- with $ing.tls }}
  tls:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  rules:
    {{- range $ing.hosts }}
    - host: {{ .host | quote }}
      http:
        paths:
          {{- range .paths }}
          - path: {{ .path }}
            pathType: {{ .pathType | default "Prefix" }}
            backend:
              service:
                name: {{ include "common.fullname" $ }}
                port:
                  name: http
          {{- end }}
    {{- end }}
{{- end }}
"""

VAULT_TPL = """\
{{- $c := .Values.common }}
{{- range $c.vaultStaticSecrets }}
---
apiVersion: secrets.hashicorp.com/v1beta1
kind: VaultStaticSecret
metadata:
  name: {{ .name }}
  namespace: {{ include "common.namespace" $ }}
  labels:
    {{- include "common.labels" $ | nindent 4 }}
spec:
  mount: {{ .mount | default "kv" }}
  path: {{ .path }}
  type: {{ .type | default "kv-v2" }}
  refreshAfter: {{ .refreshAfter | default "1h" }}
  destination:
    name: {{ .destination.name }}
    create: {{ .destination.create | default true }}
    {{- with .transformation }}
    transformation:
      {{- toYaml . | nindent 6 }}
    {{- end }}
  rolloutRestartTargets:
    - kind: Deployment
      name: {{ include "common.fullname" $ }}
{{- end }}
"""

SERVICEMONITOR_TPL = """\
{{- $c := .Values.common }}
{{- if and $c.serviceMonitor.enabled $c.service.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "common.fullname" . }}
  namespace: {{ include "common.namespace" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
    release: kube-prometheus-stack
spec:
  selector:
    matchLabels:
      {{- include "common.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: http
      path: {{ $c.serviceMonitor.path | default "/metrics" }}
      interval: {{ $c.serviceMonitor.interval | default "30s" }}
{{- end }}
"""

HELMIGNORE = """\
# 패키징에서 제외
.DS_Store
*.swp
*.bak
"""


def chart_files(*names: str) -> dict[str, str]:
    """Files of the chart by short name (``Chart.yaml``, ``values.yaml``, ``deployment.yaml``...)."""
    return {path: text for path, text in _ALL.items() if path.rsplit("/", 1)[-1] in names}


_ALL = {
    f"{CHART}/Chart.yaml": CHART_YAML,
    f"{CHART}/.helmignore": HELMIGNORE,
    f"{CHART}/values.yaml": VALUES_YAML,
    f"{CHART}/templates/_helpers.tpl": HELPERS_TPL,
    f"{CHART}/templates/deployment.yaml": DEPLOYMENT_TPL,
    f"{CHART}/templates/service.yaml": SERVICE_TPL,
    f"{CHART}/templates/ingress.yaml": INGRESS_TPL,
    f"{CHART}/templates/vaultstaticsecret.yaml": VAULT_TPL,
    f"{CHART}/templates/servicemonitor.yaml": SERVICEMONITOR_TPL,
}
