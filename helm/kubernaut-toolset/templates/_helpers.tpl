{{- define "kt.name" -}}{{ default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}{{- end -}}

{{- define "kt.fullname" -}}
{{- if .Values.fullnameOverride -}}{{ .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else -}}
{{- $name := include "kt.name" . -}}
{{- if contains $name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else -}}{{ printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kt.labels" -}}
app.kubernetes.io/name: {{ include "kt.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* [registry/]repository[:tag][@digest]; the tag defaults to the chart's appVersion unless only a digest is given. */}}
{{- define "kt.image" -}}
{{- $i := .Values.image -}}
{{- $registry := default $i.registry .Values.global.imageRegistry -}}
{{- $repository := ternary (printf "%s/%s" (trimSuffix "/" $registry) $i.repository) $i.repository (ne $registry "") -}}
{{- $tag := ternary $i.tag (default .Chart.AppVersion $i.tag) (and (ne $i.digest "") (eq $i.tag "")) -}}
{{- $repository }}{{ with $tag }}:{{ . }}{{ end }}{{ with $i.digest }}@{{ . }}{{ end }}
{{- end -}}

{{/* The replica count: replicaCount, or the deprecated `replicas` when a user still sets it (removed in 0.3.0). */}}
{{- define "kt.replicas" -}}
{{- if kindIs "invalid" .Values.replicas }}{{ .Values.replicaCount }}{{ else }}{{ .Values.replicas }}{{ end -}}
{{- end -}}

{{- define "kt.imagePullSecrets" -}}
{{- $secrets := concat (.Values.global.imagePullSecrets | default list) .Values.imagePullSecrets | uniq -}}
{{- with $secrets }}
imagePullSecrets: {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* A Go duration (as the operator reads it) in milliseconds, for comparisons the values schema cannot make. */}}
{{- define "kt.durationMs" -}}
{{- $units := dict "ns" 0.000001 "us" 0.001 "µs" 0.001 "μs" 0.001 "ms" 1.0 "s" 1000.0 "m" 60000.0 "h" 3600000.0 -}}
{{- $total := 0.0 -}}
{{- range regexFindAll "([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)" . -1 -}}
{{- $unit := regexFind "(ns|us|µs|μs|ms|s|m|h)$" . -}}
{{- $total = addf $total (mulf (float64 (trimSuffix $unit .)) (get $units $unit)) -}}
{{- end -}}
{{- $total -}}
{{- end -}}

{{/* Combinations the values schema cannot express; each would render a broken installation. */}}
{{- define "kt.validate" -}}
{{- $v := .Values -}}
{{- $replicas := int (include "kt.replicas" .) -}}
{{- if and (gt $replicas 1) (not $v.leaderElection.enabled) -}}
{{- fail (printf "replicaCount: %d with leaderElection.enabled=false would run %d writers of the same ConfigMap; enable leader election or set replicaCount: 1" $replicas $replicas) -}}
{{- end -}}
{{- if ge (float64 (include "kt.durationMs" $v.leaderElection.renewDeadline)) (float64 (include "kt.durationMs" $v.leaderElection.leaseDuration)) -}}
{{- fail (printf "leaderElection.renewDeadline (%s) must be shorter than leaderElection.leaseDuration (%s), or two leaders could overlap (the operator refuses to start)" $v.leaderElection.renewDeadline $v.leaderElection.leaseDuration) -}}
{{- end -}}
{{- if and (eq (include "kt.outputNamespace" .) .Release.Namespace) (eq $v.output.name (printf "%s-operator-config" (include "kt.fullname" .))) -}}
{{- fail (printf "output.name %s is the chart's own configuration ConfigMap; choose another name" $v.output.name) -}}
{{- end -}}
{{- if eq (int $v.http.port) (int $v.http.metricsPort) -}}
{{- fail (printf "http.port and http.metricsPort are both %d; the operator serves probes and metrics on two ports" (int $v.http.port)) -}}
{{- end -}}
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

{{/*
The operator's configuration file (src/config/config.schema.json), rendered from the values. Sections named as in
the file pass through whole: a setting added to one needs values.yaml and values.schema.json only. Only the
settings the chart names differently are mapped here. test/unit/config/schema-agreement.test.ts holds the values'
names, defaults and constraints to the configuration schema.
*/}}
{{- define "kt.config" -}}
{{- $v := .Values -}}
{{- $config := dict
  "clusterDomain" $v.clusterDomain
  "namespaces" (dict "include" $v.watchNamespaces "exclude" $v.excludeNamespaces)
  "autoDetect" $v.autoDetect
  "endpoints" (dict "allowedHosts" $v.allowedHosts)
  "output" (merge (dict "namespace" (include "kt.outputNamespace" .)) $v.output)
-}}
{{- range $section := list "tenancy" "health" "reconcile" "leaderElection" "dryRun" "consumer" "reload" "http" }}
{{- $_ := set $config $section (get $v $section) }}
{{- end }}
{{- if not $v.health.caFile }}{{ $_ := set $config "health" (omit $v.health "caFile") }}{{ end }}
{{- $_ := set $config "tenancy" (omit $v.tenancy "trustLabelPolicy") }}
{{- with $v.labelSelector }}{{ $_ := set $config "labelSelector" . }}{{ end }}
{{- with $v.toolsetDefaults }}{{ $_ := set $config "toolsetDefaults" . }}{{ end }}
{{- toYaml $config }}
{{- end -}}

{{/*
The values to give HolmesGPT's own Helm chart so that its server reads the operator's file: the one snippet that
NOTES.txt prints and README.md and this chart's README show (test/integration/helm-chart.test.ts holds them equal).
HolmesGPT reads the single file named by CUSTOM_TOOLSET_LOCATION; a directory mount (never subPath) is refreshed by
the kubelet. With reload.inPlace, HolmesGPT's server must also serve its admin API (ENABLE_ADMIN_API).
*/}}
{{- define "kt.holmesgptValues" -}}
additionalEnvVars:
  - name: CUSTOM_TOOLSET_LOCATION
    value: /etc/kubernaut/{{ .Values.output.key }}
{{- if .Values.reload.inPlace }}
  - name: ENABLE_ADMIN_API
    value: "true"
{{- end }}
additionalVolumes:
  - name: kubernaut-toolsets
    configMap:
      name: {{ .Values.output.name }}
additionalVolumeMounts:
  - name: kubernaut-toolsets
    mountPath: /etc/kubernaut
    readOnly: true
{{- end -}}
