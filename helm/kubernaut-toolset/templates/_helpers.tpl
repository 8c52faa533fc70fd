{{- define "kt.name" -}}{{ .Chart.Name }}{{- end -}}

{{- define "kt.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "kt.labels" -}}
app.kubernetes.io/name: {{ include "kt.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kt.selector" -}}
app.kubernetes.io/name: {{ include "kt.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kt.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (include "kt.fullname" .) .Values.serviceAccount.name }}
{{- else -}}{{ required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{- define "kt.outputNamespace" -}}{{ default .Release.Namespace .Values.output.namespace }}{{- end -}}

{{/* The operator's configuration file, rendered from the values. */}}
{{- define "kt.config" -}}
clusterDomain: {{ .Values.clusterDomain | quote }}
namespaces:
  include: {{ toJson .Values.watchNamespaces }}
  exclude: {{ toJson .Values.excludeNamespaces }}
{{- with .Values.labelSelector }}
labelSelector: {{ . | quote }}
{{- end }}
autoDetect: {{ .Values.autoDetect }}
endpoints:
  allowedHosts: {{ toJson .Values.allowedHosts }}
tenancy:
  trustedNamespaces: {{ toJson .Values.tenancy.trustedNamespaces }}
  trustLabel: {{ .Values.tenancy.trustLabel }}
{{- with .Values.toolsetDefaults }}
toolsetDefaults: {{ toJson . }}
{{- end }}
health:
  enabled: {{ .Values.health.enabled }}
  timeout: {{ .Values.health.timeout | quote }}
  concurrency: {{ .Values.health.concurrency }}
  failureThreshold: {{ .Values.health.failureThreshold }}
  interval: {{ .Values.health.interval | quote }}
reconcile:
  quietWindow: {{ .Values.reconcile.quietWindow | quote }}
  maxDelay: {{ .Values.reconcile.maxDelay | quote }}
  resyncInterval: {{ .Values.reconcile.resyncInterval | quote }}
output:
  namespace: {{ include "kt.outputNamespace" . | quote }}
  name: {{ .Values.output.name | quote }}
  key: {{ .Values.output.key | quote }}
  adopt: {{ .Values.output.adopt }}
  sizeBudgetBytes: {{ .Values.output.sizeBudgetBytes }}
leaderElection:
  enabled: {{ .Values.leaderElection.enabled }}
  leaseName: {{ .Values.leaderElection.leaseName | quote }}
  leaseDuration: {{ .Values.leaderElection.leaseDuration | quote }}
  renewDeadline: {{ .Values.leaderElection.renewDeadline | quote }}
  retryPeriod: {{ .Values.leaderElection.retryPeriod | quote }}
dryRun: {{ .Values.dryRun }}
reload:
  deployment: {{ .Values.reload.deployment | quote }}
http:
  port: {{ .Values.http.port }}
  metricsPort: {{ .Values.http.metricsPort }}
{{- end -}}
