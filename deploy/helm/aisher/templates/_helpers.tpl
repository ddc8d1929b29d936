{{/* The chart's name, overridable. */}}
{{- define "aisher.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name, used for every object. */}}
{{- define "aisher.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "aisher.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "aisher.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aisher.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "aisher.labels" -}}
helm.sh/chart: {{ include "aisher.chart" . }}
{{ include "aisher.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "aisher.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "aisher.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the tokens: the chart's own, or one managed elsewhere. */}}
{{- define "aisher.secretName" -}}
{{- default (include "aisher.fullname" .) .Values.existingSecret }}
{{- end }}

{{- define "aisher.redisName" -}}
{{- printf "%s-redis" (include "aisher.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
