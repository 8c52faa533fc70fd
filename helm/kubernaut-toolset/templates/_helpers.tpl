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
{{- range $section := list "tenancy" "health" "reconcile" "leaderElection" "dryRun" "reload" "http" }}
{{- $_ := set $config $section (get $v $section) }}
{{- end }}
{{- with $v.labelSelector }}{{ $_ := set $config "labelSelector" . }}{{ end }}
{{- with $v.toolsetDefaults }}{{ $_ := set $config "toolsetDefaults" . }}{{ end }}
{{- toYaml $config }}
{{- end -}}
